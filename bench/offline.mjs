#!/usr/bin/env node
// Offline speed: builds a trace of N decisions (default 1,000,000; BENCH_DECISIONS to change) as
// the runner writes them, then times the runbook's grep | jq | awk latency pipeline, `trader
// report` and `trader validate` on it, with peak RSS from /usr/bin/time when present.
// Run after `make build`: node bench/offline.mjs. Prints the suite's one JSON line and appends it to
// bench/results/offline.jsonl (bench/lib.mjs).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { vwapMomentum as decide } from '../dist/strategy/vwap-momentum.js';
import { digest } from '../dist/util/canonical.js';
import { Journal } from '../dist/trace/journal.js';
import { record } from './lib.mjs';

const STRATEGY = { name: 'vwap_momentum', version: '1.0.0' };

const N = Number(process.env.BENCH_DECISIONS ?? 1_000_000);
const SYMBOLS = ['SPY', 'QQQ', 'TSLA', 'BTC-USD'];
const PARAMS = { lookback_bars: 3, momentum_bps: 2, vwap_band_bps: 1 };
const dir = mkdtempSync(join(tmpdir(), 'trader-bench-'));
const trace = join(dir, 'trace.jsonl');
const log = join(dir, 'run.log');

function build() {
  const t0 = Date.UTC(2025, 7, 25, 13, 30);
  // The runner's own Journal writes both files, so the trace is numbered and hash-chained and the log is
  // its real rendering (the report binds the two line by line: that comparison is part of its figure).
  let clock = t0;
  const journal = new Journal({ logPath: log, tracePath: trace, logFormat: 'text', logLevel: 'info', timezone: 'America/New_York', now: () => clock });
  journal.run({ type: 'run', ts: new Date(t0).toISOString(), schema_version: 1, trader_version: 'bench', run_id: 'bench', pid: 1, started_at: new Date(t0).toISOString(), command: 'run', config: { path: 'bench', digest: 'x' }, strategy: { name: STRATEGY.name, version: STRATEGY.version, params: PARAMS }, bar_interval_ms: 1000, symbols: SYMBOLS, flags: { FLAG_MULTI_SYMBOL: true, FLAG_REALTIME: true, STAGING_MODE: true }, feed: { venue: 'replay', url: 'ws://127.0.0.1:1' }, timezone: 'America/New_York', thresholds: { max_lag_ms: 5000, max_positions: 1, kill_switch_file: 'FLAG_TRADING_HALTED' } });
  const state = new Map(SYMBOLS.map((s, i) => [s, { price: 100 * (i + 1), bars: [], volume: 0, notional: 0 }]));
  let seed = 1;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < N; i += 1) {
    const symbol = SYMBOLS[i % SYMBOLS.length];
    const s = state.get(symbol);
    const start = t0 + Math.floor(i / SYMBOLS.length) * 1000;
    const close = Math.round((s.price *= 1 + (rnd() - 0.5) * 0.002) * 100) / 100;
    const volume = 100 + Math.floor(rnd() * 5000);
    s.volume += volume;
    s.notional += close * volume;
    s.bars.push({ close, end: start + 1000, high: close, low: close, open: close, quotes: 30, start, trades: 10, volume, vwap: close });
    if (s.bars.length > PARAMS.lookback_bars + 1) s.bars.shift();
    // Same key order as the runner writes (sorted), so the canonical digest takes its fast path.
    const inputs = { bars: s.bars.map((b) => ({ ...b })), quote: { ask: close + 0.01, bid: close - 0.01 }, session_volume: s.volume, session_vwap: Math.round((s.notional / s.volume) * 1e6) / 1e6, symbol };
    const output = decide(inputs, PARAMS);
    const latency = Math.round((0.5 + rnd() * 3) * 1000) / 1000;
    if (i % SYMBOLS.length === 0) {
      clock = start;
      journal.write({ name: 'HEARTBEAT_OK', symbol, age_ms: 1, lag_ms: 1, state: 'ok' });
    }
    const record = { msg: `DECISION_LOGGED: symbol=${symbol} action=${output.action} confidence=${output.confidence.toFixed(2)} latency=${latency.toFixed(1)}ms`, symbol, action: output.action, confidence: output.confidence, latency_ms: latency, processing_us: 150, bar_start: start, bar_end: start + 1000, trigger_seq: i, trigger_ts: start + 1000, inputs, inputs_digest: digest(inputs), output_digest: digest(output) };
    journal.write({ name: 'DECISION_LOGGED', record, now: start + 1000 + latency });
  }
  clock = t0 + Math.ceil(N / SYMBOLS.length) * 1000 + 1000;
  const orders = { submitted: 0, filled: 0, rejected: 0, probes: 0 };
  journal.write({ name: 'RUN_SUMMARY', of: 'run', totals: { durationMs: clock - t0, decisions: N, orders, stalenessBreaches: 0, disconnects: 0, parseErrors: 0, perSymbol: {} }, latency: { avg: 2, p50: 2, p95: 3, p99: 3, max: 3.5 }, positions: {}, memory: null });
  journal.write({ name: 'RUN_STOPPED', reason: 'bench' });
  journal.close();
}

const hasTime = existsSync('/usr/bin/time');
function timed(label, cmd) {
  const argv = hasTime ? ['/usr/bin/time', '-f', '%e %M', 'bash', '-c', cmd] : ['bash', '-c', cmd];
  const t = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', maxBuffer: 1 << 26 });
  const wall = Number(process.hrtime.bigint() - t) / 1e9;
  const timeLine = hasTime ? r.stderr.trim().split('\n').pop() : '';
  const peakMb = hasTime ? Number(timeLine.split(' ')[1]) / 1024 : null;
  console.log(`${label.padEnd(10)} ${wall.toFixed(2)} s${peakMb ? `, peak RSS ${peakMb.toFixed(0)} MB` : ''} (exit ${r.status})`);
  return { wall_s: Number(wall.toFixed(3)), peak_rss_mb: peakMb === null ? null : Number(peakMb.toFixed(1)), exit: r.status, out: r.stdout };
}

const t = Date.now();
build();
const size = statSync(trace).size;
const logSize = statSync(log).size;
console.log(`built ${N} decisions, trace ${(size / 1048576).toFixed(0)} MB, log ${(logSize / 1048576).toFixed(0)} MB in ${((Date.now() - t) / 1000).toFixed(1)} s (${cpus().length} cores: ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB)`);
const pipeline = timed('pipeline', `grep "latency=" ${trace} | jq '.latency_ms' | awk '{sum+=$1; count++} END {print "Avg latency:", sum/count "ms"}'`);
const reportArgs = `--log ${log} --trace ${trace} --output ${join(dir, 'r.json')} --smoke ${join(dir, 'none.json')} --waive kill_switch,memory,smoke`;
const report = timed('report', `node bin/trader.js report ${reportArgs}`);
const reportFull = timed('report-rx', `node bin/trader.js report --reexecute ${reportArgs}`);
const validate = timed('validate', `node bin/trader.js validate --trace ${trace}`);
const speedup = { report: Number((pipeline.wall_s / report.wall_s).toFixed(2)), report_reexecute: Number((pipeline.wall_s / reportFull.wall_s).toFixed(2)), validate: Number((pipeline.wall_s / validate.wall_s).toFixed(2)) };
console.log(`speed-up vs pipeline: report ${speedup.report}x, report --reexecute ${speedup.report_reexecute}x, validate ${speedup.validate}x`);
record('offline', {
  pipeline: { wall_s: pipeline.wall_s, peak_rss_mb: pipeline.peak_rss_mb, printed: pipeline.out.trim() },
  report: { wall_s: report.wall_s, peak_rss_mb: report.peak_rss_mb, exit: report.exit },
  report_reexecute: { wall_s: reportFull.wall_s, peak_rss_mb: reportFull.peak_rss_mb, exit: reportFull.exit },
  validate: { wall_s: validate.wall_s, peak_rss_mb: validate.peak_rss_mb, exit: validate.exit },
  speedup,
  targets: { report_speedup: 3, validate_speedup: 3, peak_rss_mb: 150 },
  targets_met: { report: speedup.report >= 3 && (report.peak_rss_mb ?? 0) < 150, validate: speedup.validate >= 3 && (validate.peak_rss_mb ?? 0) < 150 },
}, { decisions: N, trace_mb: Math.round(size / 1048576), log_mb: Math.round(logSize / 1048576), symbols: SYMBOLS.length, anchor: 'the runbook grep | jq | awk on the same file, same run' });
if (process.env.BENCH_KEEP) console.log(`kept ${trace}`);
else rmSync(dir, { recursive: true, force: true });
