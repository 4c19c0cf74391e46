// The real runner, in the benchmark's process, wired exactly as `trader run` wires it
// (src/cli/commands/run.ts: config → strategy → Journal on a Bus → Runner on a native feed URL),
// writing a real log and trace in a temp dir. In-process so that a bus subscriber can time each
// decision from receipt to logged line, and so RunStats' counters can be read without a stop.
// The sender is always another process (bench/sender.mjs). Needs `make build` (imports dist/).
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../dist/config/load.js';
import { applyV8Flags } from '../dist/runtime/v8-flags.js';
import { readFlags } from '../dist/config/flags.js';
import { Bus } from '../dist/core/bus.js';
import { nativeAdapter } from '../dist/feeds/native.js';
import { Runner } from '../dist/runner/runner.js';
import { StrategyLog } from '../dist/runner/strategy-log.js';
import { resolveStrategy } from '../dist/strategy/registry.js';
import { Journal } from '../dist/trace/journal.js';
import { BENCH_DIR } from './lib.mjs';

// The runner runs with the V8 flags `trader run` sets for itself (BENCH_V8_DEFAULTS=1: V8's own, to
// compare); every result line says which (bench/lib.mjs).
process.env.BENCH_RUNNER_V8_FLAGS = (process.env.BENCH_V8_DEFAULTS === '1' ? undefined : applyV8Flags('run')) ?? 'V8 defaults';

export const wallClock = () => performance.timeOrigin + performance.now();

/** `n` distinct upper-case tickers: AAA, AAB, … */
export function tickers(n) {
  const out = [];
  for (let i = 0; out.length < n; i += 1) out.push(String.fromCharCode(65 + Math.floor(i / 676) % 26, 65 + Math.floor(i / 26) % 26, 65 + (i % 26)));
  return out;
}

/**
 * Forks bench/sender.mjs; resolves with its port and a `request` that sends a command and waits for a reply kind.
 * `nice`: the sender's CPU priority (setpriority). The sender stands in for a venue, which in
 * production is another machine; on a 2-core host at its default priority the kernel lets it
 * preempt the runner's thread, which is then the tail of any latency figure (BENCHMARKS.md, 1b).
 */
export async function startSender({ nice = 0 } = {}) {
  const child = fork(join(BENCH_DIR, 'sender.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  if (nice !== 0) setPriority(child.pid, nice);
  const waiters = [];
  child.on('message', (m) => {
    const i = waiters.findIndex((w) => w.key in m);
    if (i >= 0) waiters.splice(i, 1)[0].resolve(m);
  });
  const next = (key) => new Promise((resolve) => waiters.push({ key, resolve }));
  const { port } = await next('port');
  return {
    pid: child.pid,
    url: `ws://127.0.0.1:${port}`,
    connected: () => next('connected'),
    send: (opts) => {
      const done = next('done');
      child.send({ cmd: 'send', ...opts });
      return done;
    },
    drop: () => child.send({ cmd: 'drop' }),
    freeze: () => child.send({ cmd: 'freeze' }),
    close: () => new Promise((resolve) => {
      child.once('exit', resolve);
      child.send({ cmd: 'exit' });
    }),
  };
}

/**
 * Starts a Runner on `url` for `symbols`; `yaml` adds config (bar interval etc.; with
 * `feedsInYaml` it carries the whole `feeds:` section, e.g. connection timings). Resolves once the
 * feed is connected. `stats` is the runner's RunStats (read, never written, by the bench).
 */
export async function startRunner({ url, symbols, yaml = '', feedsInYaml = false, dir = mkdtempSync(join(tmpdir(), 'trader-bench-')) }) {
  const feeds = feedsInYaml ? '' : `feeds:\n  primary:\n    venue: native\n    url: ${url}\n`;
  const text = `symbols: [${symbols.join(', ')}]\nmax_positions: 1\nlog_level: INFO\n${feeds}${yaml}`;
  const config = parseConfig('bench.yaml', text);
  const bus = new Bus();
  const journal = new Journal({ logPath: join(dir, 'run.log'), tracePath: join(dir, 'trace.jsonl'), logFormat: 'text', logLevel: config.log_level, timezone: config.timezone, now: wallClock });
  journal.attach(bus);
  const strategyLog = new StrategyLog(wallClock);
  const strategy = await resolveStrategy(config.decision.strategy, process.cwd());
  const connected = new Promise((resolve) => {
    const off = bus.on('FEED_CONNECTED', () => {
      off();
      resolve();
    });
  });
  const runner = new Runner({ config, configPath: 'bench.yaml', configDigest: 'bench', symbols, flags: readFlags({ FLAG_MULTI_SYMBOL: '1', FLAG_REALTIME: '1', STAGING_MODE: '1' }), primary: { venue: 'native', url, adapter: nativeAdapter }, killSwitchFile: join(dir, 'FLAG_TRADING_HALTED'), journal, bus, now: wallClock, strategy, strategyBaseDir: process.cwd(), strategyLog });
  runner.start();
  strategyLog.attach(bus, 'vwap_momentum@bench', () => runner.haltStrategy());
  await connected;
  // RunStats is private to the runner in TypeScript; the bench only reads its counters.
  const stats = runner.stats;
  const counts = () => {
    let events = 0;
    let accepted = 0;
    let dropped = 0;
    let decisions = 0;
    for (const s of symbols) {
      const c = stats.peek(s);
      if (!c) continue;
      events += c.events;
      accepted += c.accepted;
      dropped += c.dropped;
      decisions += c.decisions;
    }
    return { events, accepted, dropped, decisions };
  };
  return {
    runner,
    bus,
    dir,
    counts,
    stop: async () => {
      await runner.stop('bench');
      strategy.close();
      journal.close();
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
