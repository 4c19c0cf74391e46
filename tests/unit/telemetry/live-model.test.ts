/** The live model: what the status view shows, folded from the bus's events alone. */
import { describe, expect, it } from 'vitest';
import { Bus } from '../../../src/core/bus.js';
import { EV, type DecisionLine } from '../../../src/core/events.js';
import { TradingState } from '../../../src/safety/trading-state.js';
import { LAG_WINDOW, LiveModel } from '../../../src/telemetry/live-model.js';

const started = (symbols: string[]) => ({ name: EV.RUN_STARTED, run_id: 'run-1', pid: 42, symbols, flags: { FLAG_MULTI_SYMBOL: true, FLAG_REALTIME: true, STAGING_MODE: true }, kill_switch: '/abs/FLAG_TRADING_HALTED', feed: 'replay', fallback: undefined, strategy: 'vwap_momentum@1.0.0', bar_interval: '1min' }) as const;

const decision = (symbol: string, action: DecisionLine['action'], confidence: number, bars: number): DecisionLine => ({
  msg: '', symbol, action, confidence, latency_ms: 1, processing_us: 1, bar_start: 0, bar_end: 1, trigger_seq: 1, trigger_ts: 0,
  inputs: { bars: Array.from({ length: bars }, () => ({})) }, inputs_digest: 'x', output_digest: 'y',
});

function setup(durationMs?: number) {
  const bus = new Bus();
  let now = 1_000_000;
  // The runner's own trading state, which the safety monitor sets and the order gate reads.
  const trading = new TradingState();
  const model = new LiveModel(bus, { now: () => now, durationMs, lookback: 4, memory: () => ({ rss: 100 * 1048576, heap_used: 20 * 1048576 }), trading: () => trading });
  return { bus, model, trading, advance: (ms: number) => void (now += ms) };
}

describe('LiveModel', () => {
  it('keeps per-symbol figures: data age growing between heartbeats, lag percentiles, decisions, last action, warm-up, position', () => {
    const { bus, model, advance } = setup(60_000);
    bus.emit(started(['SPY', 'QQQ']));
    advance(1000);
    bus.emit({ name: EV.HEARTBEAT_OK, symbol: 'SPY', age_ms: 200, lag_ms: 3, state: 'ACTIVE' });
    for (let i = 1; i <= 99; i += 1) bus.emit({ name: EV.HEARTBEAT_OK, symbol: 'QQQ', age_ms: 100, lag_ms: i, state: 'ACTIVE' });
    bus.emit({ name: EV.DECISION_LOGGED, record: decision('SPY', 'HOLD', 0, 2), now: 0 });
    bus.emit({ name: EV.DECISION_LOGGED, record: decision('SPY', 'BUY', 0.65, 4), now: 0 });
    bus.emit({ name: EV.ORDER_SUBMITTED, order_id: 1, symbol: 'SPY', side: 'BUY', qty: 1 });
    bus.emit({ name: EV.ORDER_FILLED, order_id: 1, symbol: 'SPY', side: 'BUY', qty: 1, price: 640, position: 1 });
    bus.emit({ name: EV.DECISION_LOGGED, record: decision('QQQ', 'HOLD', 0, 1), now: 0 });
    advance(500);
    const s = model.snapshot();
    expect(s).toMatchObject({ run_id: 'run-1', pid: 42, phase: 'running', elapsed_ms: 1500, duration_ms: 60_000, remaining_ms: 58_500, decisions: 3, orders: { submitted: 1, filled: 1, rejected: 0 }, memory: { rss: 100 * 1048576 } });
    expect(s.symbols.map((x) => x.symbol)).toEqual(['SPY', 'QQQ']);
    expect(s.symbols[0]).toEqual({ symbol: 'SPY', state: 'ACTIVE', data: 'ok', age_ms: 700, lag_p50_ms: 3, lag_p99_ms: 3, decisions: 2, bars: 4, lookback: 4, last_action: 'BUY', last_confidence: 0.65, position: 1 });
    // The lag window is the last LAG_WINDOW heartbeats: 40..99 of 1..99.
    expect(s.symbols[1]).toMatchObject({ lag_p50_ms: 69, lag_p99_ms: 99, bars: 1, last_action: 'HOLD' });
    expect(LAG_WINDOW).toBe(60);
    // Plain JSON: what a status command or a metrics scrape may read as it is.
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });

  it('ends a run its --duration stopped at 100 %, though RUN_STARTED came a moment after the timer started; a signal stops it where it was', () => {
    const a = setup(6000);
    a.advance(40); // the duration timer runs from here; RUN_STARTED is written a little later
    a.bus.emit(started(['SPY']));
    a.advance(5960);
    a.bus.emit({ name: EV.RUN_STOPPED, reason: 'duration' });
    expect(a.model.snapshot()).toMatchObject({ phase: 'stopped', elapsed_ms: 6000, remaining_ms: 0 });
    const b = setup(6000);
    b.bus.emit(started(['SPY']));
    b.advance(2500);
    b.bus.emit({ name: EV.RUN_STOPPED, reason: 'SIGTERM' });
    expect(b.model.snapshot()).toMatchObject({ phase: 'stopped', elapsed_ms: 2500, remaining_ms: 3500 });
  });

  it('follows the trading state: the kill switch halts every symbol until it is resumed, a breach holds its symbol HALTED', () => {
    const { bus, model, trading } = setup();
    bus.emit(started(['SPY', 'QQQ']));
    bus.emit({ name: EV.HEARTBEAT_OK, symbol: 'SPY', age_ms: 0, lag_ms: 1, state: 'ACTIVE' });
    bus.emit({ name: EV.KILL_SWITCH_DETECTED, file: '/abs/FLAG_TRADING_HALTED', file_mtime_ms: 0, detected_ms: 0, delay_ms: 5, present_at_start: false, note: null });
    trading.set('kill_switch', 'HALTED');
    bus.emit({ name: EV.TRADING_HALTED, source: 'kill_switch' });
    bus.emit({ name: EV.KILL_SWITCH_VERIFIED, probes: 2, results: {}, since_detection_ms: 1, symbols: ['SPY', 'QQQ'] });
    let s = model.snapshot();
    expect(s.trading).toEqual({ state: 'HALTED', sources: ['kill_switch'] });
    expect(s.kill_switch).toEqual({ file: '/abs/FLAG_TRADING_HALTED', state: 'verified' });
    expect(s.symbols.map((x) => x.state)).toEqual(['HALTED', 'HALTED']);
    expect(s.duration_ms).toBeNull();
    expect(s.remaining_ms).toBeNull();

    bus.emit({ name: EV.KILL_SWITCH_CLEARED, file: '/abs/FLAG_TRADING_HALTED' });
    trading.set('kill_switch', 'ACTIVE');
    bus.emit({ name: EV.TRADING_RESUMED });
    bus.emit({ name: EV.STALENESS_BREACH, symbol: 'QQQ', age_ms: 6000, max_lag_ms: 5000, never: false });
    // A heartbeat for another symbol must not lift QQQ's breach; its own recovery and next heartbeat do.
    bus.emit({ name: EV.HEARTBEAT_OK, symbol: 'QQQ', age_ms: 0, lag_ms: 1, state: 'ACTIVE' });
    s = model.snapshot();
    expect(s.trading.state).toBe('ACTIVE');
    expect(s.symbols.find((x) => x.symbol === 'QQQ')).toMatchObject({ state: 'HALTED', data: 'ok' });
    bus.emit({ name: EV.STALENESS_RECOVERED, symbol: 'QQQ', stale_for_ms: 7000 });
    bus.emit({ name: EV.HEARTBEAT_OK, symbol: 'QQQ', age_ms: 0, lag_ms: 1, state: 'ACTIVE' });
    expect(model.snapshot().symbols.find((x) => x.symbol === 'QQQ')?.state).toBe('ACTIVE');
  });

  it('shows the trading state the order gate reads, including changes no event announces: the cluster halt key cleared, memory REDUCING lifted', () => {
    const { bus, model, trading } = setup();
    bus.emit(started(['SPY']));
    trading.set('kill_switch_remote', 'HALTED');
    trading.set('memory', 'REDUCING');
    expect(model.snapshot().trading).toEqual({ state: 'HALTED', sources: ['kill_switch_remote', 'memory'] });
    expect(model.snapshot().symbols[0]?.state).toBe('HALTED');
    // `trader resume --nats-url`: the monitor lifts the remote source (a view folded from events kept it).
    trading.set('kill_switch_remote', 'ACTIVE');
    expect(model.snapshot().trading).toEqual({ state: 'REDUCING', sources: ['memory'] });
    // Memory back under its bound: the monitor lifts REDUCING without an event.
    trading.set('memory', 'ACTIVE');
    expect(model.snapshot().trading).toEqual({ state: 'ACTIVE', sources: [] });
  });

  it('tracks the feed connection, symbols added and removed, and the stop', () => {
    const { bus, model, advance } = setup(10_000);
    bus.emit(started(['SPY']));
    expect(model.snapshot().feed.connection).toBe('connecting');
    bus.emit({ name: EV.FEED_CONNECTED, venue: 'replay', url: 'ws://127.0.0.1:1', connection: 1, symbols: ['SPY'], source: 'primary', tagged: false });
    bus.emit({ name: EV.WEBSOCKET_DISCONNECT, url: 'ws://127.0.0.1:1', connection: 1, code: 1006, reason: '', source: 'primary', tagged: false });
    bus.emit({ name: EV.RECONNECT_ATTEMPT, url: 'ws://127.0.0.1:1', attempt: 2, delay_ms: 250, source: 'primary', tagged: false });
    expect(model.snapshot().feed).toMatchObject({ connection: 'reconnecting', attempt: 2, disconnects: 1 });
    bus.emit({ name: EV.RECONNECT_SUCCESS, url: 'ws://127.0.0.1:1', connection: 2, attempt: 2, downtime_ms: 300, symbols: ['SPY'], source: 'primary', tagged: false });
    bus.emit({ name: EV.SYMBOL_ADDED, symbol: 'TSLA', symbols: ['SPY', 'TSLA'] });
    bus.emit({ name: EV.SYMBOL_REMOVED, symbol: 'SPY', position: 0 });
    expect(model.snapshot().feed).toMatchObject({ connection: 'connected', reconnects: 1 });
    expect(model.snapshot().symbols.map((x) => x.symbol)).toEqual(['TSLA']);
    advance(12_000);
    bus.emit({ name: EV.RUN_STOPPED, reason: 'duration' });
    advance(5000);
    // Elapsed stops at the stop; remaining never goes below zero.
    expect(model.snapshot()).toMatchObject({ phase: 'stopped', elapsed_ms: 12_000, remaining_ms: 0 });
  });
});
