/**
 * The built-in `vwap_momentum` as a Strategy, the default of `decision.strategy`: a pure function
 * of one symbol's recent bars and session VWAP. At the open, price discovery makes short-horizon
 * momentum informative and the session VWAP is the level institutional flow trades against: a move
 * with momentum that has also carried price away from VWAP is a trend; momentum against VWAP is
 * noise or mean reversion, so HOLD. It reads nothing but its arguments. Its outputs are pinned in
 * tests/unit/engine/engine.test.ts, and strategies/vwap_momentum.mjs and momentum.py to it.
 */
import { checkParams, lookbackFor } from './params.js';
import type { ParamsSchema, Strategy, StrategyInputs, StrategyOutput, StrategyParams } from './types.js';

const NAME = 'vwap_momentum';
const VERSION = '1.0.0';

/** The same parameters, bounds and defaults as the config schema's `decision.strategy.params`. */
const PARAMS_SCHEMA: ParamsSchema = {
  lookback_bars: { type: 'integer', min: 1, max: 100, default: 3, description: 'momentum is measured over this many bars' },
  momentum_bps: { type: 'number', min: 0, default: 2, description: 'momentum threshold, basis points over the lookback' },
  vwap_band_bps: { type: 'number', min: 0, default: 1, description: 'distance from session VWAP threshold, basis points' },
};

/** The bar `lookback_bars` back and the bar that just closed. */
const LOOKBACK = { param: 'lookback_bars', plus: 1 } as const;

export function vwapMomentum(inputs: StrategyInputs, params: StrategyParams): StrategyOutput {
  const lookbackBars = params.lookback_bars ?? 3;
  const momentumThreshold = params.momentum_bps ?? 2;
  const bandThreshold = params.vwap_band_bps ?? 1;
  const { bars } = inputs;
  const last = bars[bars.length - 1];
  const first = bars[bars.length - 1 - lookbackBars];
  if (!last || !first || !(inputs.session_vwap > 0) || !(first.close > 0)) {
    return { action: 'HOLD', confidence: 0 };
  }
  const momentumBps = ((last.close - first.close) / first.close) * 1e4;
  const deviationBps = ((last.close - inputs.session_vwap) / inputs.session_vwap) * 1e4;
  const momentum = momentumBps / Math.max(momentumThreshold, 1e-9);
  const deviation = deviationBps / Math.max(bandThreshold, 1e-9);

  if (momentum >= 1 && deviation >= 1) return { action: 'BUY', confidence: signalConfidence(momentum, deviation) };
  if (momentum <= -1 && deviation <= -1) return { action: 'SELL', confidence: signalConfidence(-momentum, -deviation) };
  // HOLD is most certain when there is no move at all, least when one signal is near its threshold.
  const strongest = Math.min(1, Math.max(Math.abs(momentum), Math.abs(deviation)));
  return { action: 'HOLD', confidence: round2(1 - strongest / 2) };
}

/** 0.5 at the thresholds, approaching 1 as the weaker of the two signals grows. */
function signalConfidence(momentum: number, deviation: number): number {
  const weaker = Math.min(momentum, deviation);
  return round2(Math.min(0.99, 0.5 + 0.5 * (1 - Math.exp(-(weaker - 1)))));
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** The built-in bound to `params` (already checked by the caller; see registry.ts). */
export function builtinVwapMomentum(params: StrategyParams): Strategy {
  const bars = lookbackFor(LOOKBACK, params);
  if (!bars.ok) throw new Error(`vwap_momentum: ${bars.error}`);
  return {
    identity: { kind: 'builtin', name: NAME, version: VERSION, digest: null, source: 'builtin' },
    paramsSchema: PARAMS_SCHEMA,
    params,
    lookback: bars.bars,
    validateParams: (raw) => checkParams(PARAMS_SCHEMA, raw),
    decide: vwapMomentum,
    close: () => undefined,
  };
}

export const VWAP_MOMENTUM = { name: NAME, paramsSchema: PARAMS_SCHEMA } as const;
