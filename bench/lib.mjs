// The bench suite's one shared helper: every benchmark ends with `record(name, figures, conditions)`,
// which prints ONE JSON line and appends the same line to bench/results/<name>.jsonl, so a
// result file is a history that `jq` can chart. The line's shape, for any new benchmark:
//   { bench, date, git, machine: { cpu, cores, memory_gib, node, platform, load1 }, conditions, figures }
// `figures` holds the measured numbers (units in the key: _ms, _us, _per_s, _mb, _pct), `conditions`
// what was measured under (sizes, rates, config). Also here: `hist` (a perf_hooks histogram as
// p50/p99/p99.9 in µs) and `rssMb` for memory, so every benchmark reports them the same way.
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { cpus, loadavg, platform, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const RESULTS_DIR = join(BENCH_DIR, 'results');
export const REPO = dirname(BENCH_DIR);

/** The machine the figures were taken on; load1 says how busy the host was at the end. */
export function machine() {
  return { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memory_gib: Math.round(totalmem() / 2 ** 30), node: process.version, platform: platform(), load1: Number(loadavg()[0].toFixed(2)) };
}

/** The commit, with `+dirty` when src/, bench/ or bin/ have changes not committed (the figure is then not that commit's). */
function gitHead() {
  try {
    const git = (args) => execFileSync('git', args, { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = git(['status', '--porcelain', '--', 'src', 'bench/*.mjs', 'bin']) !== '';
    return `${git(['rev-parse', '--short', 'HEAD'])}${dirty ? '+dirty' : ''}`;
  } catch {
    return null;
  }
}

/** Prints the benchmark's one JSON line and appends it to bench/results/<name>.jsonl; returns the line's object. */
export function record(name, figures, conditions = {}) {
  // The runner's V8 flags, when the bench ran the runner (bench/harness.mjs sets this).
  const v8 = process.env.BENCH_RUNNER_V8_FLAGS;
  const line = { bench: name, date: new Date().toISOString(), git: gitHead(), machine: machine(), conditions: v8 === undefined ? conditions : { ...conditions, runner_v8_flags: v8 }, figures };
  const text = JSON.stringify(line);
  mkdirSync(RESULTS_DIR, { recursive: true });
  appendFileSync(join(RESULTS_DIR, `${name}.jsonl`), `${text}\n`);
  console.log(text);
  return line;
}

/** A perf_hooks RecordableHistogram (nanoseconds) as µs percentiles. */
export function hist(h) {
  const us = (ns) => Number((ns / 1000).toFixed(1));
  return { count: h.count, p50_us: us(h.percentile(50)), p99_us: us(h.percentile(99)), p999_us: us(h.percentile(99.9)), max_us: us(h.max) };
}

/** Percentiles of a small set of trial timings (ms); for many samples use a histogram instead. */
export function quantiles(values) {
  const s = [...values].sort((a, b) => a - b);
  const at = (q) => (s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] : null);
  const r = (v) => (v === null ? null : Number(v.toFixed(1)));
  return { n: s.length, min: r(s[0] ?? null), p50: r(at(0.5)), p99: r(at(0.99)), max: r(s[s.length - 1] ?? null) };
}

export const rssMb = () => Number((process.memoryUsage.rss() / 1048576).toFixed(1));
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
