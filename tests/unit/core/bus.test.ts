/** The typed bus: delivery order, typed per-event listeners, unsubscribe, and errors reaching the emitter. */
import { describe, expect, it } from 'vitest';
import { Bus } from '../../../src/core/bus.js';
import { describe as describeEvent, EV, type RunEvent } from '../../../src/core/events.js';

describe('Bus', () => {
  it('delivers every event to subscribe() listeners in emit order, then to that event\'s on() listeners', () => {
    const bus = new Bus();
    const seen: string[] = [];
    bus.subscribe((e) => seen.push(`all ${e.name}`));
    bus.on(EV.SYMBOL_ADDED, (e) => seen.push(`added ${e.symbol} of ${e.symbols.join(',')}`));
    bus.on(EV.RUN_STOPPED, (e) => seen.push(`stopped ${e.reason}`));
    bus.emit({ name: EV.SYMBOL_ADDED, symbol: 'TSLA', symbols: ['SPY', 'TSLA'] });
    bus.emit({ name: EV.RUN_STOPPED, reason: 'SIGTERM' });
    expect(seen).toEqual(['all SYMBOL_ADDED', 'added TSLA of SPY,TSLA', 'all RUN_STOPPED', 'stopped SIGTERM']);
  });

  it('stops delivering to a listener once unsubscribed, and keeps the others', () => {
    const bus = new Bus();
    const a: string[] = [];
    const b: string[] = [];
    const offA = bus.on(EV.RUN_STOPPED, (e) => a.push(e.reason));
    const offAll = bus.subscribe((e) => b.push(e.name));
    bus.emit({ name: EV.RUN_STOPPED, reason: 'one' });
    offA();
    bus.emit({ name: EV.RUN_STOPPED, reason: 'two' });
    offAll();
    bus.emit({ name: EV.RUN_STOPPED, reason: 'three' });
    expect(a).toEqual(['one']);
    expect(b).toEqual(['RUN_STOPPED', 'RUN_STOPPED']);
  });

  it('delivers an emit in progress to every listener even when one unsubscribes another during it', () => {
    const bus = new Bus();
    const seen: string[] = [];
    let offB: () => void = () => undefined;
    bus.subscribe(() => {
      seen.push('a');
      offB();
    });
    offB = bus.subscribe(() => seen.push('b'));
    bus.emit({ name: EV.RUN_STOPPED, reason: 'one' });
    bus.emit({ name: EV.RUN_STOPPED, reason: 'two' });
    expect(seen).toEqual(['a', 'b', 'a']);
  });

  it('lets a listener\'s exception reach the emitter, as a direct call would (a journal without a failure handler)', () => {
    const bus = new Bus();
    bus.subscribe(() => {
      throw new Error('ENOSPC');
    });
    expect(() => bus.emit({ name: EV.RUN_STOPPED, reason: 'x' })).toThrow(/ENOSPC/);
  });

  it('passes the emitted object itself: no copy per listener on the hot path', () => {
    const bus = new Bus();
    const got: RunEvent[] = [];
    bus.subscribe((e) => got.push(e));
    bus.on(EV.RUN_STOPPED, (e) => got.push(e));
    const event = { name: EV.RUN_STOPPED, reason: 'x' } as const;
    bus.emit(event);
    expect(got[0]).toBe(event);
    expect(got[1]).toBe(event);
  });
});

describe('the event vocabulary', () => {
  it('names every event by itself', () => {
    for (const [key, value] of Object.entries(EV)) expect(value).toBe(key);
    expect(Object.isFrozen(EV)).toBe(true);
  });

  it('renders the runbook\'s lines exactly, rounding only in the text or the fields as each always has', () => {
    expect(describeEvent({ name: EV.HEARTBEAT_OK, symbol: 'SPY', age_ms: 1249.96, lag_ms: 88.6, state: 'ACTIVE' })).toEqual({ level: 'info', text: 'SPY last_update=1.2s lag=89ms', fields: { symbol: 'SPY', last_update_ms: 1250, lag_ms: 88.6, state: 'ACTIVE' } });
    expect(describeEvent({ name: EV.STALENESS_BREACH, symbol: 'QQQ', age_ms: 6000.04, max_lag_ms: 5000, never: true })).toEqual({
      level: 'error',
      text: 'QQQ last_update=never max_lag=5.0s (no accepted data in 6.0s; symbol HALTED)',
      fields: { symbol: 'QQQ', age_ms: 6000, max_lag_ms: 5000, last_update_ms: null },
    });
    expect(describeEvent({ name: EV.STALENESS_BREACH, symbol: 'QQQ', age_ms: 6000, max_lag_ms: 5000, never: false }).level).toBe('warn');
    // The payload is the trace record when no fields are given: everything but the name.
    expect(describeEvent({ name: EV.ORDER_REJECTED, symbol: 'SPY', side: 'BUY', qty: 1, probe: true, reason: 'TRADING_HALTED', state_source: 'kill_switch' })).toEqual({
      level: 'info',
      text: 'PROBE symbol=SPY side=BUY qty=1 reason=TRADING_HALTED',
      fields: { symbol: 'SPY', side: 'BUY', qty: 1, probe: true, reason: 'TRADING_HALTED', state_source: 'kill_switch' },
    });
    // A rate-limited line and its summary.
    expect(describeEvent({ name: EV.SEQUENCE_GAP, symbol: 'SPY', total: 3, suppressed: 1, detail: { expected: 5, received: 8, missing: 3 } }).text).toBe('symbol=SPY expected=5 received=8 missing=3 total=3 suppressed=1');
    expect(describeEvent({ name: EV.EVENT_DROPPED, symbol: 'SPY', kind: 'duplicate', total: 9, suppressed: 4 })).toEqual({ level: 'info', text: 'symbol=SPY kind=duplicate suppressed=4 total=9', fields: { symbol: 'SPY', kind: 'duplicate', suppressed: 4, total: 9 } });
  });
});
