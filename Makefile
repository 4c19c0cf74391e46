# Two commands on a fresh clone: `make run` and `make test`.
SHELL := /bin/bash
DURATION ?= 2min
SYMBOLS ?= SPY,QQQ
CONFIG ?= config/staging_multi.yaml

.PHONY: all install build fixtures run smoke test unit typecheck lint bench clean cluster-demo

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

bench: build
	node bench/offline.mjs

clean:
	rm -rf dist
