/**
 * The runner's footing on its host, piece by piece: feature-flag spellings, credential masking,
 * timers past 2^31 ms, the run lock, output path checks, and a write failure halting trading
 * before the order of the unrecorded decision reaches the broker.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { readFlags } from '../../../src/config/flags.js';
import { TraderError } from '../../../src/errors.js';
import { OrderRouter } from '../../../src/runner/order-router.js';
import { RunLock } from '../../../src/runtime/lock.js';
import { requireDistinct, requireWritableFile } from '../../../src/runtime/paths.js';
import { liveRunners, register, type RunEntry } from '../../../src/runtime/registry.js';
import { Bus } from '../../../src/core/bus.js';
import { EV } from '../../../src/core/events.js';
import { RunStats } from '../../../src/telemetry/run-stats.js';
import { TradingState } from '../../../src/safety/trading-state.js';
import { Journal, type WriteFailure } from '../../../src/trace/journal.js';
import { MAX_TIMER_MS, setLongTimeout } from '../../../src/util/long-timeout.js';
import { redactor, urlSecrets } from '../../../src/util/redact.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'trader-host-'));

describe('feature flags', () => {
  it.each([
    ['0', false], ['1', true], ['false', false], ['TRUE', true], ['Off', false], ['on', true], ['NO', false], ['yes', true], [' off ', false],
  ])('FLAG_MULTI_SYMBOL=%j → %s', (value, expected) => {
    expect(readFlags({ FLAG_MULTI_SYMBOL: value }).FLAG_MULTI_SYMBOL).toBe(expected);
  });

  it('defaults when unset', () => {
    expect(readFlags({})).toEqual({ FLAG_MULTI_SYMBOL: true, FLAG_REALTIME: true, STAGING_MODE: true });
  });

  it.each(['maybe', '', '2', 'disabled', 'of'])('refuses %j naming the flag and the value', (value) => {
    let err: unknown;
    try {
      readFlags({ FLAG_REALTIME: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TraderError);
    expect((err as TraderError).code).toBe('E_FLAG_REFUSED');
    expect((err as Error).message).toContain(`FLAG_REALTIME=${JSON.stringify(value)}`);
  });
});

describe('credentials in a feed URL', () => {
  it('masks the user, the password and secret query parameters, raw and decoded, and nothing else', () => {
    const url = 'wss://trader:p%40ss-w0rd@feed.example:8443/v2/iex?apiKey=AK123456&token=tok-987&symbols=SPY&speed=20';
    const redact = redactor(urlSecrets(url));
    const out = redact(`FEED_CONNECTED: url=${url} pw=p@ss-w0rd ${JSON.stringify({ url })}`);
    for (const secret of ['trader:', 'p%40ss-w0rd', 'p@ss-w0rd', 'AK123456', 'tok-987']) expect(out).not.toContain(secret);
    expect(out).toContain('feed.example:8443/v2/iex');
    expect(out).toContain('symbols=SPY&speed=20');
  });

  it('masks a short credential only where it stands in the URL, never inside other text such as a digest', () => {
    const redact = redactor(urlSecrets('ws://ab:c1@127.0.0.1:9/?key=9f'));
    const line = '{"msg":"FEED_CONNECTED: url=ws://ab:c1@127.0.0.1:9/?key=9f","inputs_digest":"ab9fc1"}';
    expect(redact(line)).toBe('{"msg":"FEED_CONNECTED: url=ws://***:***@127.0.0.1:9/?key=***","inputs_digest":"ab9fc1"}');
  });

  it('leaves a URL without credentials alone', () => {
    expect(urlSecrets('ws://127.0.0.1:8765/stream?speed=20')).toEqual([]);
    expect(redactor([])('ws://127.0.0.1:8765')).toBe('ws://127.0.0.1:8765');
  });
});

describe('setLongTimeout', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires a 600 h timer at 600 h, not at once (one timer tops out at 2^31-1 ms)', () => {
    vi.useFakeTimers();
    let t = 0;
    let fired = 0;
    const ms = 600 * 3_600_000;
    expect(ms).toBeGreaterThan(MAX_TIMER_MS);
    setLongTimeout(ms, () => (fired += 1), () => t);
    const advance = (by: number): void => {
      t += by;
      vi.advanceTimersByTime(by);
    };
    advance(1000);
    expect(fired).toBe(0);
    advance(MAX_TIMER_MS);
    expect(fired).toBe(0);
    advance(ms - MAX_TIMER_MS - 1001);
    expect(fired).toBe(0);
    advance(1);
    expect(fired).toBe(1);
  });

  it('can be cancelled', () => {
    vi.useFakeTimers();
    let fired = false;
    const timer = setLongTimeout(5000, () => (fired = true), () => 0);
    timer.cancel();
    vi.advanceTimersByTime(10_000);
    expect(fired).toBe(false);
  });
});

function entry(dir: string, pid = process.pid): RunEntry {
  return { pid, started_at: new Date().toISOString(), cwd: dir, log: join(dir, 'run.log'), trace: join(dir, 'trace.jsonl'), pid_file: join(dir, 'runner.pid'), kill_switch: join(dir, 'HALT'), capture: null, allow_resume: false };
}

/** A pid that is certainly not running any more. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid ?? 999_999;
}

/** A live process standing in for a running runner. */
async function liveRunnerLike(): Promise<ChildProcess> {
  const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
  await new Promise((r) => holder.once('spawn', r));
  return holder;
}

describe('RunLock', () => {
  it('refuses a file locked by a live runner, naming its pid and start, and leaves its lock alone', async () => {
    const dir = tmp();
    const holder = await liveRunnerLike();
    try {
      const other = entry(dir, holder.pid);
      writeFileSync(`${other.trace}.lock`, JSON.stringify(other));
      const warnings: string[] = [];
      expect(() => RunLock.acquire([other.log, other.trace], entry(dir), (w) => warnings.push(w))).toThrow(new RegExp(`already running \\(pid ${holder.pid} since ${other.started_at}`));
      // The lock taken on the way (the log's) is given back; the live runner's stays.
      expect(existsSync(`${other.log}.lock`)).toBe(false);
      expect(JSON.parse(readFileSync(`${other.trace}.lock`, 'utf8'))).toMatchObject({ pid: holder.pid });
    } finally {
      holder.kill();
    }
  });

  it('takes over a lock whose pid now belongs to a process started after it (a pid reused after a reboot)', async () => {
    const dir = tmp();
    const other = await liveRunnerLike();
    try {
      const stale = { ...entry(dir, other.pid), started_at: '2020-01-02T03:04:05.000Z' };
      writeFileSync(`${stale.log}.lock`, JSON.stringify(stale));
      const warnings: string[] = [];
      RunLock.acquire([stale.log], entry(dir), (w) => warnings.push(w)).release();
      expect(warnings).toEqual([expect.stringMatching(new RegExp(`left by pid ${other.pid} `))]);
    } finally {
      other.kill();
    }
  });

  it('takes over the lock of a dead runner with a warning, and releases only its own', () => {
    const dir = tmp();
    const dead = entry(dir, deadPid());
    writeFileSync(`${dead.log}.lock`, JSON.stringify(dead));
    const warnings: string[] = [];
    const lock = RunLock.acquire([dead.log], entry(dir), (w) => warnings.push(w));
    expect(warnings).toEqual([expect.stringMatching(new RegExp(`left by pid ${dead.pid} .*no longer running`))]);
    expect(JSON.parse(readFileSync(`${dead.log}.lock`, 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();
    expect(existsSync(`${dead.log}.lock`)).toBe(false);
  });
});

describe('the run directory', () => {
  it('lists live runners and drops the entries of dead ones and of reused pids', async () => {
    const dir = tmp();
    const holder = await liveRunnerLike();
    try {
      const unregister = register(dir, entry(dir, holder.pid));
      const dead = entry(dir, deadPid());
      writeFileSync(join(dir, `${dead.pid}.json`), JSON.stringify(dead));
      // This test process is alive, but it started long after the entry: a pid reused after a reboot.
      writeFileSync(join(dir, `${process.pid}.json`), JSON.stringify({ ...entry(dir), started_at: '2020-01-02T03:04:05.000Z' }));
      expect(liveRunners(dir).map((r) => r.pid)).toEqual([holder.pid]);
      expect(existsSync(join(dir, `${dead.pid}.json`))).toBe(false);
      expect(existsSync(join(dir, `${process.pid}.json`))).toBe(false);
      unregister();
      expect(liveRunners(dir)).toEqual([]);
    } finally {
      holder.kill();
    }
  });
});

describe('output path checks', () => {
  it('refuses two names for one file, through a symlink too', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'a.log'), '');
    symlinkSync(join(dir, 'a.log'), join(dir, 'b.log'));
    expect(() => requireDistinct([{ flag: '--log-file', path: join(dir, 'a.log') }, { flag: '--trace-file', path: join(dir, 'b.log') }])).toThrow(/--log-file and --trace-file are the same file/);
    expect(() => requireDistinct([{ flag: '--log-file', path: join(dir, 'x') }, { flag: '--pid-file', path: join(dir, '.', 'x') }])).toThrow(/same file/);
    expect(requireDistinct([{ flag: '--log-file', path: join(dir, 'x') }, { flag: '--pid-file', path: join(dir, 'y') }])).toEqual([join(dir, 'x'), join(dir, 'y')]);
  });

  it('refuses a directory, a path under a file, and a FIFO; accepts a file in a directory still to be made', () => {
    const dir = tmp();
    mkdirSync(join(dir, 'logs'));
    writeFileSync(join(dir, 'plain'), '');
    spawnSync('mkfifo', [join(dir, 'fifo')]);
    expect(() => requireWritableFile({ flag: '--log-file', path: join(dir, 'logs') })).toThrow(/--log-file .*logs: is a directory/);
    expect(() => requireWritableFile({ flag: '--trace-file', path: join(dir, 'plain', 't.jsonl') })).toThrow(/plain is not a directory/);
    expect(() => requireWritableFile({ flag: '--trace-file', path: join(dir, 'fifo') })).toThrow(/is a FIFO/);
    expect(() => requireWritableFile({ flag: '--log-file', path: join(dir, 'new', 'deeper', 'run.log') })).not.toThrow();
  });
});

describe('a write that fails', () => {
  const config = parseConfig('t.yaml', 'symbols: [SPY]\nmax_positions: 1\n');
  const flags = { FLAG_MULTI_SYMBOL: true, FLAG_REALTIME: true, STAGING_MODE: true };

  function route(tracePath: string, logPath: string): { router: OrderRouter; failures: WriteFailure[]; state: TradingState; submitted: number } {
    const state = new TradingState();
    const failures: WriteFailure[] = [];
    const journal = new Journal({
      tracePath,
      logPath,
      logFormat: 'text',
      logLevel: 'info',
      timezone: 'UTC',
      now: () => 1_700_000_000_000,
      // What the runner does: halt before the write call returns.
      onWriteFailure: (f) => {
        failures.push(f);
        state.set('write_failure', 'HALTED');
      },
    });
    const bus = new Bus();
    journal.attach(bus);
    const stats = new RunStats(bus);
    const router = new OrderRouter(config, flags, { beforeOrder: () => state, snapshot: state }, bus, () => 0);
    // The decision is recorded first, then routed: the order of the live runner.
    bus.emit({ name: EV.DECISION_LOGGED, record: { msg: 'DECISION_LOGGED: symbol=SPY confidence=0.90 latency=1ms', symbol: 'SPY', action: 'BUY', confidence: 0.9, latency_ms: 1, processing_us: 1, bar_start: 0, bar_end: 1, trigger_seq: 1, trigger_ts: 0, inputs: {}, inputs_digest: 'x', output_digest: 'y' }, now: 0 });
    router.onDecision('SPY', { action: 'BUY', confidence: 0.9 }, { bid: 99.99, ask: 100.01 });
    journal.close();
    return { router, failures, state, submitted: stats.totals(0).orders.submitted };
  }

  it('routes the order when the decision was recorded (the control)', () => {
    const dir = tmp();
    const { failures, submitted } = route(join(dir, 't.jsonl'), join(dir, 'run.log'));
    expect(failures).toEqual([]);
    expect(submitted).toBe(1);
  });

  it('catches a failed write to a JSON (pino) log the same way', () => {
    const dir = tmp();
    const failures: WriteFailure[] = [];
    const journal = new Journal({ tracePath: join(dir, 't.jsonl'), logPath: '/dev/full', logFormat: 'json', logLevel: 'info', timezone: 'UTC', now: () => 0, onWriteFailure: (f) => failures.push(f) });
    journal.write({ name: EV.HEARTBEAT_OK, symbol: 'SPY', age_ms: 0, lag_ms: 1, state: 'ACTIVE' });
    journal.write({ name: EV.HEARTBEAT_OK, symbol: 'SPY', age_ms: 1000, lag_ms: 1, state: 'ACTIVE' });
    journal.close();
    expect(failures).toEqual([expect.objectContaining({ file: 'log', code: 'ENOSPC' })]);
    // The trace kept the record written before the log failed, then the failure, then nothing.
    expect(readFileSync(join(dir, 't.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { event: string }).event)).toEqual(['HEARTBEAT_OK', 'WRITE_FAILED']);
  });

  it('throws for a caller that did not ask to handle write failures', () => {
    const journal = new Journal({ tracePath: '/dev/full', logFormat: 'text', logLevel: 'info', timezone: 'UTC', now: () => 0 });
    expect(() => journal.write({ name: EV.HEARTBEAT_OK, symbol: 'SPY', age_ms: 0, lag_ms: 1, state: 'ACTIVE' })).toThrow(/ENOSPC/);
    journal.close();
  });

  it('halts before the order of a decision the trace could not take (ENOSPC on /dev/full), and records why in the log', () => {
    const dir = tmp();
    const log = join(dir, 'run.log');
    const { router, failures, submitted } = route('/dev/full', log);
    expect(failures).toEqual([{ file: 'trace', path: '/dev/full', code: 'ENOSPC', message: expect.stringContaining('ENOSPC') }]);
    expect(submitted).toBe(0);
    expect(router.broker.position('SPY')).toBe(0);
    // One last line, and nothing after it: the rejected order is not written either.
    expect(readFileSync(log, 'utf8').split('\n').filter(Boolean)).toEqual([expect.stringMatching(/^\[\d\d:\d\d:\d\d\] ERROR WRITE_FAILED: file=trace path=\/dev\/full error=ENOSPC .*trading HALTED/)]);
  });
});
