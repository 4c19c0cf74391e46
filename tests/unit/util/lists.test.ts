import { describe, expect, it } from 'vitest';
import { append, NONE } from '../../../src/util/lists.js';
import { SymbolPipeline } from '../../../src/engine/pipeline.js';
import { builtinVwapMomentum } from '../../../src/strategy/vwap-momentum.js';
import type { MarketEvent } from '../../../src/feeds/events.js';

describe('the shared empty list of the hot path', () => {
  it('append gives a step its own list and never writes into the shared one', () => {
    const first = append(NONE as number[], 1);
    const second = append(NONE as number[], 2);
    expect(first).toEqual([1]);
    expect(second).toEqual([2]);
    expect(append(first, 3)).toBe(first);
    expect(first).toEqual([1, 3]);
    expect(NONE).toEqual([]);
  });

  it('a push that bypasses append throws instead of filling every later step', () => {
    expect(() => (NONE as number[]).push(1)).toThrow(TypeError);
    expect(NONE).toHaveLength(0);
  });

  it('steps of a pipeline never share a list that one of them filled', () => {
    const p = new SymbolPipeline('SPY', 1000, builtinVwapMomentum({ lookback_bars: 2, momentum_bps: 2, vwap_band_bps: 1 }), { maxSeqJump: 100, prices: { maxSkewMs: 60_000, bandPct: 10, maxSize: 1e7, reanchorAfter: 10 } });
    const t0 = 1_756_128_600_000;
    const trade = (seq: number, ts: number, price = 100): MarketEvent => ({ kind: 'trade', symbol: 'SPY', seq, exchTs: ts, price, size: 10 });
    const steps = [trade(1, t0), trade(2, t0 + 1), trade(2, t0 + 1), trade(3, t0 + 3)].map((e) => p.onEvent(e, e.exchTs));
    // The first price is held, the second confirms both, then a resent event (a duplicate), then an ordinary one.
    expect(steps.map((s) => s.verdicts.map((v) => v.outcome))).toEqual([[], ['accepted', 'accepted'], ['duplicate'], ['accepted']]);
    expect(NONE).toHaveLength(0);
  });
});
