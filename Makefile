# Two commands on a fresh clone: `make run` and `make test`.
SHELL := /bin/bash
DURATION ?= 2min
SYMBOLS ?= SPY,QQQ
CONFIG ?= config/staging_multi.yaml

.PHONY: all install build fixtures run smoke test unit typecheck lint bench bench-quick bench-soak bench-soak-full clean cluster-demo

all: build

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: node_modules/.package-lock.json

dist/.built: node_modules/.package-lock.json tsconfig.json tsconfig.build.json $(shell find src -name '*.ts')
	npx tsc -p tsconfig.build.json
	@touch $@

build: dist/.built fixtures

fixtures: dist/.built
	node dist/fixtures/build.js fixtures/data

# The runbook's launch, short by default: DURATION=30min make run for the full drill.
run: build
	node bin/trader.js run --config $(CONFIG) --symbols $(SYMBOLS) --duration $(DURATION) \
	  --log-file logs/market_open_validation.log --trace-file logs/validation_trace.jsonl

smoke: build
	bash scripts/smoke.sh

# Scale-out on one machine: nats-server (JetStream) + trader ingest + 4 shards + one verdict (README, Scale-out on NATS).
cluster-demo: build
	bash scripts/cluster-demo.sh

typecheck: install
	npx tsc -p tsconfig.json --noEmit

lint: typecheck

# vitest's own summary, then one plain `N passed, N failed` line that any CI reader understands.
unit: build
	@npx vitest run --reporter=default --reporter=json --outputFile=reports/vitest.json; rc=$$?; \
	  jq -r '"\(.numPassedTests) passed, \(.numFailedTests) failed"' reports/vitest.json 2>/dev/null; exit $$rc

test: build typecheck unit smoke

# Benchmarks (bench/README.md): each prints one JSON line and appends it to bench/results/<name>.jsonl.
# bench-quick stays under a minute; bench is the whole suite (about 15 minutes: it runs make test);
# bench-soak is the 3-minute soak, bench-soak-full the 30-minute one (not part of bench).
bench-quick: build
	BENCH_QUICK=1 node bench/ingest.mjs
	BENCH_QUICK=1 node bench/latency.mjs
	BENCH_QUICK=1 node bench/safety.mjs
	BENCH_QUICK=1 node --max-semi-space-size=1 bench/hotpath.mjs

bench: build
	node bench/ingest.mjs
	node bench/latency.mjs
	node bench/safety.mjs
	node --max-semi-space-size=1 bench/hotpath.mjs
	node --expose-gc bench/soak.mjs
	node bench/offline.mjs
	node bench/cluster.mjs
	node bench/walltime.mjs smoke test

bench-soak: build
	BENCH_SOAK_MIN=3 node --expose-gc bench/soak.mjs

bench-soak-full: build
	BENCH_SOAK_MIN=30 BENCH_SOAK_WARMUP_MIN=5 node --expose-gc bench/soak.mjs

clean:
	rm -rf dist
