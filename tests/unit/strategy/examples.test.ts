/**
 * The shipped strategies: the built-in restated in src/strategy/ and strategies/vwap_momentum.mjs
 * decide exactly as the engine's vwap_momentum; the opening-range breakout finds its range from
 * bar times alone.
 */
import { describe, expect, it } from 'vitest';
import { resolveStrategy } from '../../../src/strategy/registry.js';
import type { StrategyBar, StrategyInputs, StrategyParams } from '../../../src/strategy/types.js';
import { vwapMomentum } from '../../../src/strategy/vwap-momentum.js';
import { REPO } from '../../helpers/cli.js';

const MIN = 60_000;
const OPEN = Date.UTC(2025, 7, 25, 13, 30);

const bar = (start: number, close: number, high = close, low = close): StrategyBar => ({ start, end: start + MIN, open: close, high, low, close, volume: 100, vwap: close, trades: 1, quotes: 0 });

/** A deterministic walk of closes, so the cases cover BUY, SELL and HOLD at many confidences. */
function walk(count: number, lookback: number): StrategyInputs[] {
  const out: StrategyInputs[] = [];
  const closes: number[] = [];
  let price = 100;
  let volume = 0;
  let notional = 0;
  for (let i = 0; i < count; i += 1) {
    price = Math.round((price * (1 + (((i * 7919) % 23) - 11) / 4000)) * 100) / 100;
    closes.push(price);
    volume += 100 + (i % 7) * 10;
    notional += price * (100 + (i % 7) * 10);
    const recent = closes.slice(-lookback);
    out.push({
      symbol: 'SPY',
      bars: recent.map((c, j) => bar(OPEN + (i - recent.length + 1 + j) * MIN, c)),
      session_vwap: Math.round((notional / volume) * 1e6) / 1e6,
      session_volume: volume,
      quote: null,
    });
  }
  return out;
}

describe('vwap_momentum, three ways', () => {
  it.each([
    [{ lookback_bars: 3, momentum_bps: 2, vwap_band_bps: 1 }],
    [{ lookback_bars: 1, momentum_bps: 0, vwap_band_bps: 0 }],
    [{ lookback_bars: 5, momentum_bps: 10, vwap_band_bps: 4 }],
  ])('the restated built-in and strategies/vwap_momentum.mjs equal the engine\'s on %o', async (params: StrategyParams) => {
    const module = await resolveStrategy({ module: 'strategies/vwap_momentum.mjs', params }, REPO, { budgetMs: 2000 });
    const builtin = await resolveStrategy({ name: 'vwap_momentum', params }, REPO);
    expect(module.lookback).toBe(builtin.lookback);
    const cases = walk(300, builtin.lookback);
    const actions = new Set<string>();
    for (const inputs of cases) {
      // The engine decides with vwapMomentum (its outputs pinned in tests/unit/engine/engine.test.ts).
      const expected = vwapMomentum(inputs, params);
      actions.add(expected.action);
      expect(builtin.decide(inputs, builtin.params)).toEqual(expected);
      expect(module.decide(inputs, module.params)).toEqual(expected);
    }
    // The walk exercised every branch, so equality above means something.
    expect([...actions].sort()).toEqual(['BUY', 'HOLD', 'SELL']);
    module.close();
  });
});

describe('strategies/opening_range.mjs', () => {
  const load = (params: Record<string, number> = {}) => resolveStrategy({ module: 'strategies/opening_range.mjs', params: { range_bars: 3, ...params } }, REPO, { budgetMs: 2000 });
  const session = (closes: number[], start = OPEN): StrategyBar[] => closes.map((c, i) => bar(start + i * MIN, c, c + 0.1, c - 0.1));
  const inputs = (bars: StrategyBar[]): StrategyInputs => ({ symbol: 'SPY', bars, session_vwap: 100, session_volume: 1000, quote: null });

  it('holds while the range forms, then buys above it, sells below it, holds inside it', async () => {
    const s = await load();
    const opening = [100, 101, 99.5];
    expect(s.decide(inputs(session(opening)), s.params)).toMatchObject({ action: 'HOLD', confidence: 0, reason: 'opening range forming' });
    expect(s.decide(inputs(session([...opening, 101.5])), s.params)).toMatchObject({ action: 'BUY', reason: 'close 101.5 above opening high 101.1' });
    expect(s.decide(inputs(session([...opening, 99])), s.params)).toMatchObject({ action: 'SELL', reason: 'close 99 below opening low 99.4' });
    expect(s.decide(inputs(session([...opening, 100.2])), s.params)).toMatchObject({ action: 'HOLD', confidence: 1 });
    const strong = s.decide(inputs(session([...opening, 104])), s.params);
    const weak = s.decide(inputs(session([...opening, 101.2])), s.params);
    expect(strong.confidence).toBeGreaterThan(weak.confidence);
    s.close();
  });

  it("finds today's session after the overnight gap in bar times", async () => {
    const s = await load();
    const yesterday = session([90, 95, 80, 85, 88], OPEN - 24 * 60 * MIN);
    // Today's range is 99.9-101.1: 101.5 breaks out today, though it is inside yesterday's range.
    const today = session([100, 101, 100.5, 101.5]);
    expect(s.decide(inputs([...yesterday, ...today]), s.params)).toMatchObject({ action: 'BUY', reason: 'close 101.5 above opening high 101.1' });
    s.close();
  });

  it('holds with confidence 0 once the session start has scrolled out of its lookback', async () => {
    const s = await load({ session_bars: 5 });
    expect(s.lookback).toBe(5);
    expect(s.decide(inputs(session([100, 101, 99.5, 104, 104])), s.params)).toMatchObject({ action: 'HOLD', confidence: 0, reason: 'session start not in the inputs' });
    s.close();
  });
});
