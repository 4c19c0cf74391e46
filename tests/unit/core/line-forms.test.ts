/**
 * The runbook's line forms (issue 12 §2): a heartbeat names a state other than ACTIVE, the halt
 * lines show in the runbook's T+1 grep, the warm-up is explained with the staging config's numbers.
 */
import { describe, expect, it } from 'vitest';
import { Bus } from '../../../src/core/bus.js';
import { describe as describeEvent, EV, type RunEvent } from '../../../src/core/events.js';
import { announceWarmup } from '../../../src/telemetry/warmup-notice.js';

const line = (e: RunEvent): string => `${e.name}: ${describeEvent(e).text}`;
/** The runbook's T+1 watch: `grep -E "(HEARTBEAT|STALENESS|DECISION)"`. */
const runbookGrep = /(HEARTBEAT|STALENESS|DECISION)/;

describe('heartbeat lines', () => {
  it('say nothing more for an ACTIVE symbol, and state=… last for any other', () => {
    expect(line({ name: EV.HEARTBEAT_OK, symbol: 'SPY', age_ms: 200, lag_ms: 1, state: 'ACTIVE' })).toBe('HEARTBEAT_OK: SPY last_update=0.2s lag=1ms');
    expect(line({ name: EV.HEARTBEAT_OK, symbol: 'SPY', age_ms: 200, lag_ms: 1, state: 'HALTED' })).toBe('HEARTBEAT_OK: SPY last_update=0.2s lag=1ms state=HALTED');
    expect(line({ name: EV.HEARTBEAT_DEGRADED, symbol: 'QQQ', age_ms: 2000, lag_ms: 1, state: 'REDUCING', dropped_since: 5 })).toBe('HEARTBEAT_DEGRADED: QQQ last_update=2.0s lag=1ms dropped_since=5 (data arrives, none accepted) state=REDUCING');
    expect(line({ name: EV.HEARTBEAT_NO_DATA, symbol: 'AAPL', received: 0, waited_ms: 2000, unknown: true, state: 'HALTED' })).toBe('HEARTBEAT_NO_DATA: AAPL unknown to the feed waiting=2.0s state=HALTED');
  });
});

describe('the halt lines', () => {
  const halt: RunEvent[] = [
    { name: EV.KILL_SWITCH_DETECTED, file: '/abs/FLAG_TRADING_HALTED', file_mtime_ms: 0, detected_ms: 212, delay_ms: 212, present_at_start: false, note: 'drill' },
    { name: EV.TRADING_HALTED, source: 'kill_switch' },
    { name: EV.KILL_SWITCH_VERIFIED, probes: 2, results: { SPY: 'TRADING_HALTED', QQQ: 'TRADING_HALTED' }, since_detection_ms: 1.4, symbols: ['SPY', 'QQQ'] },
    { name: EV.KILL_SWITCH_VERIFY_FAILED, probes: 1, results: { SPY: 'ACCEPTED' }, since_detection_ms: 1, failed: [{ symbol: 'SPY', reason: 'ACCEPTED' }] },
    { name: EV.TRADING_STILL_HALTED },
  ];

  it('show in the runbook\'s grep, saying what stops: the orders from decisions', () => {
    for (const e of halt) {
      expect(line(e)).toMatch(runbookGrep);
      expect(line(e)).toMatch(/ DECISION_ORDERS=HALTED$/);
    }
    expect(line(halt[0] as RunEvent)).toBe('KILL_SWITCH_DETECTED: /abs/FLAG_TRADING_HALTED exists (detection_delay=212ms) note="drill" DECISION_ORDERS=HALTED');
    expect(line(halt[1] as RunEvent)).toBe('TRADING_HALTED: no new orders accepted DECISION_ORDERS=HALTED');
    expect(line({ name: EV.TRADING_RESUMED })).toMatch(/ DECISION_ORDERS=ACTIVE$/);
  });

  it('keep the runbook\'s own wording before the token', () => {
    expect(line(halt[0] as RunEvent)).toMatch(/^KILL_SWITCH_DETECTED: \S*FLAG_TRADING_HALTED exists/);
    expect(line(halt[1] as RunEvent)).toMatch(/^TRADING_HALTED: no new orders accepted/);
  });
});

describe('the warm-up', () => {
  it('is one DECISION_WARMUP line per symbol after RUN_STARTED and per added symbol, with the staging config\'s numbers', () => {
    const bus = new Bus();
    const lines: string[] = [];
    bus.subscribe((e) => lines.push(line(e)));
    // staging_multi.yaml: bar_interval 1m, vwap_momentum lookback_bars 3 → a lookback of 4 bars.
    announceWarmup(bus, { strategy: 'vwap_momentum@1.0.0', lookback: 4, barIntervalMs: 60_000 });
    bus.emit({ name: EV.RUN_STARTED, run_id: 'r', pid: 1, symbols: ['SPY', 'QQQ'], flags: { FLAG_MULTI_SYMBOL: true, FLAG_REALTIME: true, STAGING_MODE: true }, kill_switch: '/k', feed: 'replay', fallback: undefined, strategy: 'vwap_momentum@1.0.0', bar_interval: '1min' });
    bus.emit({ name: EV.SYMBOL_ADDED, symbol: 'TSLA', symbols: ['SPY', 'QQQ', 'TSLA'] });
    expect(lines.map((l) => l.split(':')[0])).toEqual(['RUN_STARTED', 'DECISION_WARMUP', 'DECISION_WARMUP', 'SYMBOL_ADDED', 'DECISION_WARMUP']);
    expect(lines[1]).toBe("DECISION_WARMUP: symbol=SPY lookback=4 bars of 1min (vwap_momentum@1.0.0): the first decision on a full lookback comes when SPY's bar 4 closes, 3min to 4min after its first data (the first bar is partial); decisions before it are warm-up on fewer bars");
    expect(lines[4]).toMatch(/^DECISION_WARMUP: symbol=TSLA /);
    expect(lines.filter((l) => l.startsWith('DECISION_WARMUP')).every((l) => runbookGrep.test(l) && !l.includes('latency='))).toBe(true);
  });

  it('is not announced for a strategy that needs one bar', () => {
    const bus = new Bus();
    const names: string[] = [];
    bus.subscribe((e) => names.push(e.name));
    announceWarmup(bus, { strategy: 's@1', lookback: 1, barIntervalMs: 1000 });
    bus.emit({ name: EV.SYMBOL_ADDED, symbol: 'TSLA', symbols: ['TSLA'] });
    expect(names).toEqual(['SYMBOL_ADDED']);
  });
});
