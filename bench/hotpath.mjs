#!/usr/bin/env node
// The runner's per-event data path without the network (issue 13 §2): native frames → the venue
// adapter's parse → DecisionPath (sequence and price guards, bars, strategy, decision emitted on
// the bus → the real Journal writing log and trace in a temp dir), the exact calls the feed client
// and Runner.onEvent make. A CPU figure (ns per event) and a garbage figure (young-generation GCs
// per 100k events with a 1 MiB semi-space, a load-independent proxy for bytes allocated per event),
// so a hot-path change can be judged on a busy host. Run with the flags the Makefile passes:
// node --max-semi-space-size=1 bench/hotpath.mjs. BENCH_QUICK=1: 300k events, else 2M.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { parseConfig } from '../dist/config/load.js';
import { Bus } from '../dist/core/bus.js';
import { nativeAdapter } from '../dist/feeds/native.js';
import { DecisionPath } from '../dist/runner/decision-path.js';
import { resolveStrategy } from '../dist/strategy/registry.js';
import { RunStats } from '../dist/telemetry/run-stats.js';
import { Journal } from '../dist/trace/journal.js';
import { tickers, wallClock } from './harness.mjs';
import { record } from './lib.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const EVENTS = Number(process.env.BENCH_EVENTS ?? (QUICK ? 300_000 : 2_000_000));
const symbols = tickers(20);
const dir = mkdtempSync(join(tmpdir(), 'trader-bench-hot-'));
const config = parseConfig('bench.yaml', `symbols: [${symbols.join(', ')}]\ndecision:\n  bar_interval: 100ms\n`);
const bus = new Bus();
const journal = new Journal({ logPath: join(dir, 'run.log'), tracePath: join(dir, 'trace.jsonl'), logFormat: 'text', logLevel: config.log_level, timezone: config.timezone, now: wallClock });
journal.attach(bus);
const stats = new RunStats(bus);
const strategy = await resolveStrategy(config.decision.strategy, process.cwd());
// Event time advances 20 µs an event (50k events/s of event time), receipt = event time.
const t0 = Math.floor(Date.now() / 1000) * 1000;
let clock = t0;
const path = new DecisionPath(config, strategy, bus, stats, () => clock);
for (const s of symbols) path.add(s);
let decisions = 0;
bus.on('DECISION_LOGGED', () => void (decisions += 1));
const seq = new Array(symbols.length).fill(0);
let recvNs = 0n;
const sink = {
  event: (e) => path.onEvent(e, clock, recvNs),
  issue: (i) => {
    throw new Error(`unexpected parse issue ${i.kind}: ${i.detail}`);
  },
};
function frame(i) {
  const k = i % symbols.length;
  seq[k] += 1;
  const ts = Math.floor(clock);
  if (i % 4 === 3) return `{"type":"quote","sym":"${symbols[k]}","seq":${seq[k]},"ts":${ts},"bp":99.99,"bs":300,"ap":100.01,"as":200}`;
  return `{"type":"trade","sym":"${symbols[k]}","seq":${seq[k]},"ts":${ts},"p":${(100 + (i % 7) * 0.01).toFixed(2)},"s":${100 + (i % 13)}}`;
}
function run(n) {
  for (let i = 0; i < n; i += 1) {
    clock += 0.02;
    recvNs = process.hrtime.bigint();
    nativeAdapter.parse(frame(i), sink);
  }
}

run(50_000); // warm-up: JIT and the first bars
let scavenges = 0;
let majors = 0;
const obs = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges += 1;
    else if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors += 1;
  }
});
obs.observe({ entryTypes: ['gc'] });
const d0 = decisions;
const start = process.hrtime.bigint();
run(EVENTS);
const ns = Number(process.hrtime.bigint() - start);
// GC entries are delivered asynchronously.
await new Promise((r) => setTimeout(r, 50));
obs.disconnect();
journal.close();
rmSync(dir, { recursive: true, force: true });
const semi = process.execArgv.find((a) => a.startsWith('--max-semi-space-size'))?.split('=')[1] ?? 'default';
record('hotpath', {
  ns_per_event: Math.round(ns / EVENTS),
  events_per_s: Math.round(EVENTS / (ns / 1e9)),
  scavenges_per_100k_events: Number(((scavenges * 100_000) / EVENTS).toFixed(2)),
  major_gcs: majors,
  decisions: decisions - d0,
}, { events: EVENTS, symbols: symbols.length, bar_interval: '100ms', event_time_step_us: 20, semi_space_mb: semi, path: 'native parse → DecisionPath → bus → Journal (no network, no safety monitor, no orders)', quick: QUICK });
