/**
 * The plug-in strategies on the shipped replay session: the engine's own pipeline builds the
 * decision inputs from the fixtures, and the module and Python versions of vwap_momentum must
 * give the engine's decision on every one of them; the opening-range module must decide
 * validly and reproducibly along the whole session.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SymbolPipeline } from '../../../src/engine/pipeline.js';
import { loadFixture } from '../../../src/fixtures/store.js';
import { resolveStrategy } from '../../../src/strategy/registry.js';
import { builtinVwapMomentum } from '../../../src/strategy/vwap-momentum.js';
import type { Strategy, StrategyBar } from '../../../src/strategy/types.js';
import { REPO } from '../../helpers/cli.js';

const FIXTURES = join(REPO, 'fixtures/data');
const PARAMS = { lookback_bars: 3, momentum_bps: 2, vwap_band_bps: 1 };
const BAR_MS = 10_000;
/** The pipeline's data-quality limits at their defaults (fixture events are received when stamped). */
const LIMITS = { maxSeqJump: 10_000, prices: { maxSkewMs: 60_000, bandPct: 10, maxSize: 10_000_000, reanchorAfter: 10 } };
const opened: Strategy[] = [];
afterAll(() => {
  for (const s of opened) s.close();
});

const decisionsOf = (symbol: string) => {
  const pipeline = new SymbolPipeline(symbol, BAR_MS, builtinVwapMomentum(PARAMS), LIMITS);
  const out = [];
  for (const event of loadFixture(FIXTURES, symbol)) out.push(...pipeline.onEvent(event, event.exchTs).decisions);
  return out;
};

describe('plug-in strategies on the replay session', () => {
  it.each(['SPY', 'QQQ', 'TSLA'])('%s: the module and the Python process decide exactly as the engine', async (symbol) => {
    expect(existsSync(FIXTURES), 'build first: make build').toBe(true);
    const module = await resolveStrategy({ module: 'strategies/vwap_momentum.mjs', params: PARAMS }, REPO, { budgetMs: 2000 });
    const python = await resolveStrategy({ command: ['python3', 'strategies/momentum.py'], params: PARAMS }, REPO, { budgetMs: 5000, helloTimeoutMs: 30_000 });
    opened.push(module, python);
    const decisions = decisionsOf(symbol);
    expect(decisions.length).toBeGreaterThan(100);
    const actions = new Set<string>();
    for (const d of decisions) {
      expect(d.inputs.bars.length).toBeLessThanOrEqual(module.lookback);
      actions.add(d.output.action);
      expect(module.decide(d.inputs, module.params)).toEqual(d.output);
      expect(python.decide(d.inputs, python.params)).toEqual(d.output);
    }
    expect(actions.size).toBeGreaterThan(1);
  });

  it('opening_range decides validly and reproducibly over the session', async () => {
    const s = await resolveStrategy({ module: 'strategies/opening_range.mjs', params: { range_bars: 5 } }, REPO, { budgetMs: 2000 });
    opened.push(s);
    const history: StrategyBar[] = [];
    const counts: Record<string, number> = { BUY: 0, SELL: 0, HOLD: 0 };
    for (const d of decisionsOf('SPY')) {
      history.push(d.bar);
      if (history.length > s.lookback) history.shift();
      const inputs = { ...d.inputs, bars: history.map((b) => ({ ...b })) };
      const first = s.decide(inputs, s.params);
      expect(s.decide(inputs, s.params)).toEqual(first);
      counts[first.action] = (counts[first.action] ?? 0) + 1;
      if (history.length <= 5) expect(first).toMatchObject({ action: 'HOLD', confidence: 0 });
    }
    // A 35-minute session at 10-second bars fits in the default 400 bars: the range is always known.
    expect(counts.HOLD).toBeGreaterThan(5);
    expect((counts.BUY ?? 0) + (counts.SELL ?? 0)).toBeGreaterThan(0);
  });
});
