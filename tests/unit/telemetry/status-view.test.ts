/** The status view: its frame and plain line from a snapshot, and what reaches a terminal or a pipe. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Bus } from '../../../src/core/bus.js';
import { EV } from '../../../src/core/events.js';
import type { StatusSnapshot } from '../../../src/telemetry/live-model.js';
import { clip, colorsFor, plainStatusLine, progressBar, renderFrame, span } from '../../../src/telemetry/status-render.js';
import { colourAllowed, echoes, openTerminal, PLAIN_INTERVAL_MS } from '../../../src/telemetry/terminal.js';

const ESC = '\x1b[';

const snapshot = (over: Partial<StatusSnapshot> = {}): StatusSnapshot => ({
  run_id: 'r', pid: 1, phase: 'running', now_ms: 0, started_ms: 0, elapsed_ms: 450_000, duration_ms: 1_800_000, remaining_ms: 1_350_000,
  trading: { state: 'HALTED', sources: ['kill_switch'] },
  kill_switch: { file: '/abs/FLAG_TRADING_HALTED', state: 'verified' },
  feed: { venue: 'alpaca', source: 'primary', url: 'wss://x', connection: 'connected', attempt: 0, disconnects: 1, reconnects: 1 },
  memory: { rss: 90 * 1048576, heap_used: 18 * 1048576 },
  decisions: 12,
  orders: { submitted: 2, filled: 2, rejected: 1 },
  symbols: [
    { symbol: 'SPY', state: 'HALTED', data: 'ok', age_ms: 400, lag_p50_ms: 1.5, lag_p99_ms: 88, decisions: 7, bars: 4, lookback: 4, last_action: 'BUY', last_confidence: 0.65, position: 1 },
    { symbol: 'QQQ', state: 'HALTED', data: 'waiting', age_ms: null, lag_p50_ms: null, lag_p99_ms: null, decisions: 5, bars: 2, lookback: 4, last_action: 'HOLD', last_confidence: 0, position: 0 },
  ],
  ...over,
});

describe('the frame', () => {
  it('shows the run, the time left with a progress bar, and one row per symbol', () => {
    const text = renderFrame(snapshot(), colorsFor(false)).join('\n');
    expect(text).toMatch(/elapsed 7m30s of 30m00s, 22m30s left █{8}░{22} 25%/);
    expect(text).toMatch(/trading HALTED \(kill_switch\)\s+kill switch verified \/abs\/FLAG_TRADING_HALTED/);
    expect(text).toMatch(/feed alpaca connected disconnects=1 reconnects=1\s+rss 90\.0MB heap 18\.0MB/);
    expect(text).toMatch(/^SPY\s+HALTED\s+0\.4s\s+1\.5\/88ms\s+7\s+BUY 0\.65\s+1$/m);
    expect(text).toMatch(/^QQQ\s+HALTED\s+no data yet\s+-\/-ms\s+5\s+HOLD 0\.00 \(warm-up 2\/4 bars\)\s+0$/m);
    expect(text).not.toContain(ESC);
  });

  it('says when the run has no duration, and colours only when asked to', () => {
    const text = renderFrame(snapshot({ duration_ms: null, remaining_ms: null }), colorsFor(false)).join('\n');
    expect(text).toContain('elapsed 7m30s (until SIGTERM/SIGINT)');
    expect(renderFrame(snapshot(), colorsFor(true)).join('\n')).toContain(`${ESC}31m`);
  });

  it('is clipped to the terminal width by visible characters, colours kept and reset at the cut', () => {
    const red = colorsFor(true).red('abcdef');
    expect(clip(red, 3)).toBe(`${ESC}31mabc${ESC}0m`);
    expect(clip('abcdef', 3)).toBe('abc');
    expect(clip('abc', 10)).toBe('abc');
  });

  it('spans and bars', () => {
    expect([span(4200), span(65_000), span(3_723_000)]).toEqual(['4.2s', '1m05s', '1h02m03s']);
    expect(progressBar(15, 10, colorsFor(false), true)).toBe(`[${'#'.repeat(30)}] 100%`);
  });
});

describe('the plain line', () => {
  it('has the same figures on one line, without an escape code', () => {
    const line = plainStatusLine(snapshot());
    expect(line).toMatch(/^trader run: status elapsed 7m30s of 30m00s, 22m30s left \[#{8}-{22}\] 25%; trading=HALTED kill_switch=verified feed=alpaca:connected rss=90\.0MB heap=18\.0MB; SPY=HALTED age=0\.4s lag_p50\/p99=1\.5\/88ms decisions=7 last=BUY pos=1; QQQ=HALTED age=none/);
    expect(line).not.toContain('\x1b');
  });
});

describe('the terminal', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const stream = (isTTY: boolean) => {
    const writes: string[] = [];
    return { writes, s: { isTTY, columns: 120, write: (t: string) => writes.push(t) } };
  };
  const open = (o: { quiet?: boolean; tty: boolean; env?: NodeJS.ProcessEnv }) => {
    const bus = new Bus();
    const out = stream(o.tty);
    const err = stream(o.tty);
    const t = openTerminal({ bus, quiet: o.quiet ?? false, durationMs: 60_000, lookback: 4, now: () => Date.now(), env: o.env ?? {}, stdout: out.s, stderr: err.s, redact: (x) => x.replaceAll('s3cret', '***'), trading: () => undefined });
    return { bus, t, out: out.writes, err: err.writes };
  };

  it('echoes every line but HEARTBEAT_OK; a heartbeat that warns still shows', () => {
    expect(echoes(EV.HEARTBEAT_OK, 'info')).toBe(false);
    for (const [e, l] of [[EV.HEARTBEAT_DEGRADED, 'warn'], [EV.HEARTBEAT_NO_DATA, 'warn'], [EV.DECISION_LOGGED, 'info'], [EV.RUN_STARTED, 'info'], [EV.KILL_SWITCH_DETECTED, 'warn'], [EV.STALENESS_BREACH, 'error'], [EV.MEMORY_SAMPLE, 'debug']] as const) expect(echoes(e, l)).toBe(true);
  });

  it('on a pipe: echoed lines and a plain status line every PLAIN_INTERVAL_MS, never an escape code', () => {
    vi.useFakeTimers();
    const { bus, t, out, err } = open({ tty: false, env: { FORCE_COLOR: '1', CI: '1' } });
    t.start();
    bus.emit({ name: EV.RUN_STARTED, run_id: 'r', pid: 1, symbols: ['SPY'], flags: { FLAG_MULTI_SYMBOL: true, FLAG_REALTIME: true, STAGING_MODE: true }, kill_switch: '/k', feed: 'replay', fallback: undefined, strategy: 's', bar_interval: '1s' });
    t.echo('[09:31:00] HEARTBEAT_OK: SPY last_update=0.1s lag=1ms', EV.HEARTBEAT_OK, 'info');
    t.echo('[09:31:01] DECISION_LOGGED: symbol=SPY confidence=0.65 latency=1.0ms action=BUY', EV.DECISION_LOGGED, 'info');
    vi.advanceTimersByTime(PLAIN_INTERVAL_MS);
    t.stop();
    vi.advanceTimersByTime(PLAIN_INTERVAL_MS * 3);
    expect(out).toHaveLength(2);
    expect(out[0]).toMatch(/DECISION_LOGGED/);
    expect(out[1]).toMatch(/^trader run: status elapsed 10s of 1m00s, 50s left/);
    expect(err).toEqual([]);
    expect(out.join('')).not.toContain('\x1b');
  });

  it('with --quiet: no echo, the plain status line only', () => {
    vi.useFakeTimers();
    const { t, out } = open({ tty: true, quiet: true });
    t.start();
    t.echo('[09:31:01] DECISION_LOGGED: symbol=SPY', EV.DECISION_LOGGED, 'info');
    vi.advanceTimersByTime(PLAIN_INTERVAL_MS);
    t.stop();
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^trader run: status /);
  });

  it('on a terminal: a frame on stderr redrawn each second, an echoed line printed above it and the frame repainted', () => {
    vi.useFakeTimers();
    const { bus, t, out, err } = open({ tty: true });
    bus.emit({ name: EV.RUN_STARTED, run_id: 'r', pid: 1, symbols: ['SPY', 'QQQ'], flags: { FLAG_MULTI_SYMBOL: true, FLAG_REALTIME: true, STAGING_MODE: true }, kill_switch: '/k/s3cret/HALT', feed: 'replay', fallback: undefined, strategy: 's', bar_interval: '1s' });
    t.start();
    expect(err).toHaveLength(1);
    // Whatever the frame shows passes the run's credential mask.
    expect(err[0]).toContain('/k/***/HALT');
    const frameLines = (err[0] ?? '').split('\n').length - 1;
    expect(err[0]).toMatch(/SPY/);
    expect(err[0]).toMatch(/QQQ/);
    t.echo('[09:31:01] DECISION_LOGGED: symbol=SPY', EV.DECISION_LOGGED, 'info');
    t.echo('[09:31:01] DECISION_LOGGED: symbol=QQQ', EV.DECISION_LOGGED, 'info');
    // Not on the decision path: the lines wait for the next turn of the event loop, then go up together.
    expect(out).toEqual([]);
    vi.advanceTimersByTime(0);
    // Erased (up as many lines as the frame has, clear below), the lines, the frame again: once for both.
    expect(err.slice(1)).toEqual([`${ESC}${frameLines}A\r${ESC}J`, err[0]]);
    expect(out).toEqual(['[09:31:01] DECISION_LOGGED: symbol=SPY\n[09:31:01] DECISION_LOGGED: symbol=QQQ\n']);
    vi.advanceTimersByTime(3000);
    expect(err.filter((w) => w.includes('trader run'))).toHaveLength(5);
    // A problem line goes above the frame too: the next redraw erases the frame, not the problem.
    const before = err.length;
    t.problem('trader: cannot write the log\n');
    expect(err.slice(before)).toEqual([`${ESC}${frameLines}A\r${ESC}J`, 'trader: cannot write the log\n', err.at(-1)]);
    expect(err.at(-1)).toMatch(/^\S*trader run/);
    t.stop();
  });

  it('NO_COLOR and TERM=dumb turn colour off', () => {
    expect(colourAllowed({})).toBe(true);
    expect(colourAllowed({ NO_COLOR: '1' })).toBe(false);
    expect(colourAllowed({ NO_COLOR: '' })).toBe(true);
    expect(colourAllowed({ TERM: 'dumb' })).toBe(false);
    vi.useFakeTimers();
    const { t, err } = open({ tty: true, env: { NO_COLOR: '1' } });
    t.start();
    t.stop();
    // Cursor movement only: no colour code (`ESC[…m`) in any frame.
    expect(err.join('')).not.toMatch(/\x1b\[[0-9;]*m/);
  });
});
