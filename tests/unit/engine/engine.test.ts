import { describe, expect, it } from 'vitest';
import { BarBuilder } from '../../../src/engine/bars.js';
import { SymbolPipeline, type PipelineStep } from '../../../src/engine/pipeline.js';
import type { DecisionInputs } from '../../../src/engine/pipeline.js';
import { builtinVwapMomentum, vwapMomentum as decide } from '../../../src/strategy/vwap-momentum.js';
import type { MarketEvent, Trade } from '../../../src/feeds/events.js';
import { canonicalJson, digest } from '../../../src/util/canonical.js';

const PARAMS = { lookback_bars: 2, momentum_bps: 2, vwap_band_bps: 1 };
const T0 = Date.UTC(2025, 7, 25, 13, 30);

const LIMITS = { maxSeqJump: 10_000, prices: { maxSkewMs: 60_000, bandPct: 10, maxSize: 10_000_000, reanchorAfter: 10 } };
/** The verdict on `event` in a step: its outcome, `held` while it waits for confirmation. */
const outcomeOf = (step: PipelineStep, event: MarketEvent): string => step.verdicts.find((v) => v.event === event)?.outcome ?? (step.held ? 'held' : 'none');

const trade = (seq: number, offsetMs: number, price: number, size = 100, symbol = 'SPY'): Trade => ({ kind: 'trade', symbol, seq, exchTs: T0 + offsetMs, price, size });

describe('BarBuilder', () => {
  it('closes a bar on the first event of the next interval with OHLCV and VWAP', () => {
    const bars = new BarBuilder(1000);
    expect(bars.add(trade(1, 0, 10, 100))).toBeUndefined();
    expect(bars.add(trade(2, 400, 12, 300))).toBeUndefined();
    expect(bars.add(trade(3, 900, 9, 100))).toBeUndefined();
    const bar = bars.add(trade(4, 1000, 11));
    expect(bar).toEqual({ start: T0, end: T0 + 1000, open: 10, high: 12, low: 9, close: 9, volume: 500, vwap: 11, trades: 3, quotes: 0 });
    expect(bars.openBarStart).toBe(T0 + 1000);
  });

  it('prices a bar without trades from the quote mids', () => {
    const bars = new BarBuilder(1000);
    bars.add({ kind: 'quote', symbol: 'SPY', seq: 1, exchTs: T0, bid: 10, bidSize: 1, ask: 10.02, askSize: 1 });
    bars.add({ kind: 'quote', symbol: 'SPY', seq: 2, exchTs: T0 + 10, bid: 10.04, bidSize: 1, ask: 10.06, askSize: 1 });
    const bar = bars.add(trade(3, 2500, 11));
    expect(bar).toMatchObject({ open: 10.01, close: 10.05, high: 10.05, volume: 0, vwap: 10.05, quotes: 2, trades: 0 });
  });
});

describe('strategy vwap_momentum', () => {
  const bar = (close: number) => ({ start: 0, end: 1, open: close, high: close, low: close, close, volume: 1, vwap: close, trades: 1, quotes: 0 });
  const inputs = (closes: number[], vwap: number): DecisionInputs => ({ symbol: 'SPY', bars: closes.map(bar), session_vwap: vwap, session_volume: 1000, quote: { bid: 1, ask: 1.01 } });

  it('buys momentum above VWAP, sells momentum below it, holds otherwise', () => {
    expect(decide(inputs([100, 100.05, 100.1], 100), PARAMS).action).toBe('BUY');
    expect(decide(inputs([100, 99.95, 99.9], 100), PARAMS).action).toBe('SELL');
    // Rising, but still below VWAP: momentum against the session's reference is not followed.
    expect(decide(inputs([99, 99.05, 99.1], 100), PARAMS).action).toBe('HOLD');
    expect(decide(inputs([100, 100, 100], 100), PARAMS)).toEqual({ action: 'HOLD', confidence: 1 });
  });

  it('holds with zero confidence while warming up', () => {
    expect(decide(inputs([100, 101], 100), PARAMS)).toEqual({ action: 'HOLD', confidence: 0 });
  });

  it('gives confidence in [0, 1] with two decimals, stronger signals more confident', () => {
    const weak = decide(inputs([100, 100.01, 100.025], 100), PARAMS);
    const strong = decide(inputs([100, 100.5, 101], 100), PARAMS);
    expect(weak.action).toBe('BUY');
    expect(strong.confidence).toBeGreaterThan(weak.confidence);
    for (const c of [weak.confidence, strong.confidence]) {
      expect(c).toBeGreaterThanOrEqual(0);
      expect(c).toBeLessThanOrEqual(1);
      expect(Math.round(c * 100) / 100).toBe(c);
    }
  });

  it('gives byte-identical output for the same inputs', () => {
    const a = inputs([640.1, 640.35, 640.72], 640.2);
    const b = JSON.parse(JSON.stringify(a)) as DecisionInputs;
    expect(canonicalJson(decide(a, PARAMS))).toBe(canonicalJson(decide(b, PARAMS)));
  });
});

describe('digests', () => {
  it('do not depend on key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}');
    expect(digest({ a: 1, b: 2 })).toBe(digest({ b: 2, a: 1 }));
    expect(digest({ a: 1 })).not.toBe(digest({ a: 2 }));
    expect(digest({ a: 1 })).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('SymbolPipeline', () => {
  function feed(events: MarketEvent[]) {
    const p = new SymbolPipeline('SPY', 1000, builtinVwapMomentum(PARAMS), LIMITS);
    return events.flatMap((e) => p.onEvent(e, e.exchTs).decisions);
  }
  const series = (): MarketEvent[] => Array.from({ length: 40 }, (_, i) => trade(i + 1, i * 250, 100 + Math.sin(i / 3) + i * 0.01));

  it('decides once per closed bar, on that symbol\'s data only', () => {
    const decisions = feed(series());
    expect(decisions).toHaveLength(9);
    for (const d of decisions) {
      expect(d?.inputs.symbol).toBe('SPY');
      expect(d?.inputs.bars.length).toBeLessThanOrEqual(PARAMS.lookback_bars + 1);
      expect(d?.inputsDigest).toBe(digest(d?.inputs));
      expect(d?.outputDigest).toBe(digest(d?.output));
    }
  });

  it('is deterministic and drops duplicates and late events by a fixed rule', () => {
    const events = series();
    const noisy: MarketEvent[] = [];
    for (const e of events) {
      noisy.push(e);
      if (e.seq % 5 === 0) noisy.push({ ...e }); // duplicate
    }
    noisy.splice(20, 0, trade(999, -5000, 100)); // late: older than the open bar, seq ahead
    const clean = feed(events).map((d) => d?.outputDigest);
    const again = feed(events).map((d) => d?.outputDigest);
    expect(again).toEqual(clean);
    const p = new SymbolPipeline('SPY', 1000, builtinVwapMomentum(PARAMS), LIMITS);
    const outcomes = noisy.flatMap((e) => p.onEvent(e, e.exchTs).verdicts.map((v) => v.outcome));
    expect(outcomes.filter((o) => o === 'duplicate').length).toBeGreaterThanOrEqual(8);
    expect(outcomes).toContain('late');
  });
});

describe('SymbolPipeline sequence rules', () => {
  it('records gaps, drops duplicates and out-of-order events, and marks decisions near a gap', () => {
    const p = new SymbolPipeline('SPY', 1000, builtinVwapMomentum(PARAMS), LIMITS);
    const r = (seq: number, offset: number) => {
      const e = trade(seq, offset, 100);
      const step = p.onEvent(e, e.exchTs);
      return { ...step, outcome: outcomeOf(step, e), decision: step.decisions[0] };
    };
    expect(r(1, 0).outcome).toBe('held'); // the first price waits for a second that agrees
    const second = r(2, 100);
    expect(second.verdicts.map((v) => v.outcome)).toEqual(['accepted', 'accepted']);
    expect(r(2, 100).outcome).toBe('duplicate'); // the same event again
    const gapped = r(6, 200);
    expect(gapped.gap).toEqual({ expected: 3, received: 6, missing: 3 });
    expect(r(4, 210).outcome).toBe('out_of_order');
    const first = r(7, 1000).decision; // closes bar 0, which had the gap
    const next = r(8, 2000).decision; // closes bar 1, right after it
    const third = r(9, 3000).decision; // clean
    expect([first?.dataGap, next?.dataGap, third?.dataGap]).toEqual([true, true, false]);
  });

  it('starts numbering afresh after resetSequence (a new source)', () => {
    const p = new SymbolPipeline('SPY', 1000, builtinVwapMomentum(PARAMS), LIMITS);
    for (const e of [trade(500, 0, 100), trade(501, 5, 100)]) p.onEvent(e, e.exchTs);
    expect(p.resetSequence()).toBeUndefined();
    const e = trade(1, 10, 100);
    expect(p.onEvent(e, e.exchTs)).toEqual({ verdicts: [{ event: e, outcome: 'accepted' }], held: false, decisions: [], failures: [] });
  });
});
