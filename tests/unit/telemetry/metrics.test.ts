/**
 * The metrics and health folds over a real bus, with a clock the test sets: what a scrape shows
 * after the events a run emits, and what /healthz says. (The e2e tests scrape a real run.)
 */
import { describe, expect, it } from 'vitest';
import { Bus } from '../../../src/core/bus.js';
import { EV, type DecisionLine } from '../../../src/core/events.js';
import { HealthFold } from '../../../src/telemetry/metrics-health.js';
import { RunMetrics } from '../../../src/telemetry/metrics.js';
import { parseExposition, type Sample } from '../../../src/telemetry/metrics-text.js';

const FLAGS = { FLAG_MULTI_SYMBOL: true, FLAG_REALTIME: true, STAGING_MODE: true };

function setup(): { bus: Bus; clock: { now: number }; scrape: () => Promise<Sample[]>; health: HealthFold } {
  const bus = new Bus();
  const clock = { now: 1_000_000 };
  const metrics = new RunMetrics(() => clock.now);
  metrics.attach(bus);
  const health = new HealthFold();
  health.attach(bus);
  bus.emit({ name: EV.RUN_STARTED, run_id: 'r-1', pid: 1, symbols: ['SPY', 'QQQ'], flags: FLAGS, kill_switch: '/tmp/HALT', feed: 'native', fallback: undefined, strategy: 'vwap_momentum@1.0.0', bar_interval: '1m' });
  return { bus, clock, health, scrape: async () => parseExposition((await metrics.text()).body) };
}

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

const decision = (symbol: string, action: DecisionLine['action'], latencyMs: number): DecisionLine => ({
  msg: `DECISION_LOGGED: symbol=${symbol} confidence=0.50 latency=${latencyMs}ms`,
  symbol,
  action,
  confidence: 0.5,
  latency_ms: latencyMs,
  processing_us: 300,
  bar_start: 0,
  bar_end: 60_000,
  trigger_seq: 1,
  trigger_ts: 60_000,
  inputs: {},
  inputs_digest: 'x',
  output_digest: 'y',
});

describe('RunMetrics', () => {
  it('counts decisions by symbol and action and observes their latency in seconds; every watched symbol starts at 0', async () => {
    const { bus, scrape } = setup();
    expect(value(await scrape(), 'trader_decisions_total', { symbol: 'QQQ', action: 'BUY' })).toBe(0);
    bus.emit({ name: EV.DECISION_LOGGED, record: decision('SPY', 'BUY', 40), now: 0 });
    bus.emit({ name: EV.DECISION_LOGGED, record: decision('SPY', 'BUY', 260), now: 0 });
    bus.emit({ name: EV.DECISION_LOGGED, record: decision('SPY', 'HOLD', 100), now: 0 });
    const s = await scrape();
    expect(value(s, 'trader_decisions_total', { symbol: 'SPY', action: 'BUY' })).toBe(2);
    expect(value(s, 'trader_decisions_total', { symbol: 'SPY', action: 'HOLD' })).toBe(1);
    expect(value(s, 'trader_decision_latency_seconds_count', { symbol: 'SPY' })).toBe(3);
    expect(value(s, 'trader_decision_latency_seconds_sum', { symbol: 'SPY' })).toBeCloseTo(0.4, 9);
    expect(value(s, 'trader_decision_latency_seconds_bucket', { symbol: 'SPY', le: '0.15' })).toBe(2);
    expect(value(s, 'trader_run_events_total', { event: 'DECISION_LOGGED', level: 'info' })).toBe(3);
    expect(value(s, 'trader_run_info', { run_id: 'r-1', feed: 'native' })).toBe(1);
  });

  it('advances rate-limited counts to the running totals their lines carry, never double-counting', async () => {
    const { bus, scrape } = setup();
    bus.emit({ name: EV.FEED_PARSE_ERROR, issue: { kind: 'not_json', detail: 'x' }, total: 1, suppressed: 0, by_kind: { not_json: 1 } });
    // 41 more suppressed, reported by the summary line with the totals by kind.
    bus.emit({ name: EV.FEED_PARSE_ERROR, total: 60, suppressed: 59, by_kind: { not_json: 42, oversize: 18 } });
    bus.emit({ name: EV.EVENT_REJECTED, symbol: 'SPY', kind: 'outlier', total: 1, suppressed: 0, detail: { seq: 5, detail: 'p=0.01' } });
    bus.emit({ name: EV.EVENT_REJECTED, symbol: 'SPY', kind: 'outlier', total: 7, suppressed: 6 });
    bus.emit({ name: EV.EVENT_DROPPED, symbol: 'SPY', kind: 'duplicate', total: 3, suppressed: 0, detail: { seq: 9, detail: null } });
    bus.emit({ name: EV.SEQUENCE_GAP, symbol: 'QQQ', total: 12, suppressed: 11 });
    const s = await scrape();
    expect(value(s, 'trader_feed_parse_errors_total', { kind: 'not_json' })).toBe(42);
    expect(value(s, 'trader_feed_parse_errors_total', { kind: 'oversize' })).toBe(18);
    expect(value(s, 'trader_events_dropped_total', { symbol: 'SPY', kind: 'outlier' })).toBe(7);
    expect(value(s, 'trader_events_dropped_total', { symbol: 'SPY', kind: 'duplicate' })).toBe(3);
    expect(value(s, 'trader_sequence_gaps_total', { symbol: 'QQQ' })).toBe(12);
    expect(value(s, 'trader_run_events_total', { event: 'FEED_PARSE_ERROR', level: 'error' })).toBe(2);
  });

  it('ages a symbol\'s data at scrape time, also once its heartbeats stop, and marks a breach HALTED', async () => {
    const { bus, clock, scrape } = setup();
    bus.emit({ name: EV.HEARTBEAT_OK, symbol: 'SPY', age_ms: 200, lag_ms: 3, state: 'ACTIVE' });
    let s = await scrape();
    expect(value(s, 'trader_data_age_seconds', { symbol: 'SPY' })).toBeCloseTo(0.2, 6);
    expect(value(s, 'trader_last_data_timestamp_seconds', { symbol: 'SPY' })).toBeCloseTo((1_000_000 - 200) / 1000, 6);
    expect(value(s, 'trader_feed_lag_last_seconds', { symbol: 'SPY' })).toBeCloseTo(0.003, 9);
    expect(value(s, 'trader_feed_lag_seconds_count', { symbol: 'SPY' })).toBe(1);
    expect(value(s, 'trader_trading_state', { symbol: 'SPY' })).toBe(0);
    clock.now += 6000;
    bus.emit({ name: EV.STALENESS_BREACH, symbol: 'SPY', age_ms: 6200, max_lag_ms: 5000, never: false });
    s = await scrape();
    expect(value(s, 'trader_data_age_seconds', { symbol: 'SPY' })).toBeCloseTo(6.2, 6);
    expect(value(s, 'trader_trading_state', { symbol: 'SPY' })).toBe(2);
    expect(value(s, 'trader_symbol_stale', { symbol: 'SPY' })).toBe(1);
    expect(value(s, 'trader_staleness_breaches_total', { symbol: 'SPY' })).toBe(1);
    expect(value(s, 'trader_staleness_breaches_total', { symbol: 'QQQ' })).toBe(0);
    bus.emit({ name: EV.SYMBOL_REMOVED, symbol: 'SPY', position: 0 });
    s = await scrape();
    expect(value(s, 'trader_data_age_seconds', { symbol: 'SPY' })).toBeUndefined();
    expect(value(s, 'trader_staleness_breaches_total', { symbol: 'SPY' })).toBe(1);
  });

  it('says the feed is up only while the source in use is connected', async () => {
    const { bus, scrape } = setup();
    const up = async (): Promise<number | undefined> => value(await scrape(), 'trader_feed_up');
    expect(await up()).toBe(0);
    bus.emit({ name: EV.FEED_CONNECTED, venue: 'native', url: 'ws://a', connection: 1, symbols: ['SPY'], source: 'primary', tagged: true });
    expect(await up()).toBe(1);
    bus.emit({ name: EV.WEBSOCKET_DISCONNECT, url: 'ws://a', connection: 1, code: 1006, reason: '', source: 'primary', tagged: true });
    expect(await up()).toBe(0);
    bus.emit({ name: EV.FEED_CONNECTED, venue: 'native', url: 'ws://b', connection: 1_000_001, symbols: ['SPY'], source: 'fallback', tagged: true });
    expect(await up()).toBe(0);
    bus.emit({ name: EV.FEED_FAILOVER, from: 'primary', to: 'fallback', reason: 'down 10s' });
    expect(await up()).toBe(1);
    const s = await scrape();
    expect(value(s, 'trader_feed_disconnects_total', { source: 'primary' })).toBe(1);
    expect(value(s, 'trader_feed_switches_total', { to: 'fallback' })).toBe(1);
  });

  it('latches the kill switch until trading resumes, and counts probes apart from the strategy\'s rejections', async () => {
    const { bus, scrape } = setup();
    bus.emit({ name: EV.KILL_SWITCH_DETECTED, file: '/tmp/HALT', file_mtime_ms: 0, detected_ms: 0, delay_ms: 12, present_at_start: false, note: null });
    bus.emit({ name: EV.ORDER_REJECTED, symbol: 'SPY', side: 'BUY', qty: 1, probe: true, reason: 'TRADING_HALTED', state_source: 'kill_switch' });
    bus.emit({ name: EV.ORDER_REJECTED, symbol: 'SPY', side: 'SELL', qty: 1, reason: 'TRADING_HALTED', state_source: 'kill_switch' });
    bus.emit({ name: EV.KILL_SWITCH_CLEARED, file: '/tmp/HALT' });
    let s = await scrape();
    expect([value(s, 'trader_kill_switch_present'), value(s, 'trader_kill_switch_halted'), value(s, 'trader_kill_switch_detections_total')]).toEqual([0, 1, 1]);
    expect(value(s, 'trader_kill_switch_probes_total', { result: 'TRADING_HALTED' })).toBe(1);
    expect(value(s, 'trader_orders_rejected_total', { symbol: 'SPY', reason: 'TRADING_HALTED' })).toBe(1);
    bus.emit({ name: EV.TRADING_RESUMED });
    s = await scrape();
    expect(value(s, 'trader_kill_switch_halted')).toBe(0);
  });
});

describe('HealthFold', () => {
  it('is unhealthy until the feed is connected and every symbol has data, and names what is wrong', () => {
    const { bus, health } = setup();
    expect(health.check()).toMatchObject({ ok: false, reason: 'feed primary not connected; no data yet: QQQ,SPY' });
    bus.emit({ name: EV.FEED_CONNECTED, venue: 'native', url: 'ws://a', connection: 1, symbols: ['SPY', 'QQQ'], source: 'primary', tagged: false });
    bus.emit({ name: EV.HEARTBEAT_OK, symbol: 'SPY', age_ms: 1, lag_ms: 1, state: 'ACTIVE' });
    expect(health.check()).toMatchObject({ ok: false, reason: 'no data yet: QQQ' });
    bus.emit({ name: EV.HEARTBEAT_OK, symbol: 'QQQ', age_ms: 1, lag_ms: 1, state: 'ACTIVE' });
    expect(health.check()).toMatchObject({ ok: true, reason: 'ok' });
    bus.emit({ name: EV.STALENESS_BREACH, symbol: 'QQQ', age_ms: 5100, max_lag_ms: 5000, never: false });
    expect(health.check()).toMatchObject({ ok: false, reason: 'stale: QQQ', stale: ['QQQ'] });
    bus.emit({ name: EV.STALENESS_RECOVERED, symbol: 'QQQ', stale_for_ms: 800 });
    bus.emit({ name: EV.KILL_SWITCH_DETECTED, file: '/tmp/HALT', file_mtime_ms: 0, detected_ms: 0, delay_ms: 12, present_at_start: false, note: null });
    // The kill switch is the runner obeying, not a fault.
    expect(health.check()).toMatchObject({ ok: true, kill_switch_present: true });
  });
});

describe('parseExposition', () => {
  it('reads names, escaped label values, special values, and skips comments', () => {
    const text = ['# HELP x_total a "help"', '# TYPE x_total counter', 'x_total{a="q\\"uote",b="back\\\\slash",c="new\\nline"} 3', 'y_bucket{le="+Inf"} 7', 'z NaN', 'w -Inf 1700000000000', 'bad line {'].join('\n');
    const s = parseExposition(text);
    expect(s.map((x) => x.name)).toEqual(['x_total', 'y_bucket', 'z', 'w']);
    expect(s[0]?.labels).toEqual({ a: 'q"uote', b: 'back\\slash', c: 'new\nline' });
    expect(s[0]?.value).toBe(3);
    expect(s[1]?.labels.le).toBe('+Inf');
    expect(Number.isNaN(s[2]?.value)).toBe(true);
    expect(s[3]?.value).toBe(-Infinity);
  });
});
