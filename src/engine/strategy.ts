/**
 * The default strategy, `vwap_momentum`: a pure function of one symbol's recent bars and session
 * VWAP. At the open, price discovery makes short-horizon momentum informative, and the session
 * VWAP is the reference institutional flow trades against: a move that has momentum AND has
 * carried price away from VWAP in the same direction is a trend worth following; momentum
 * against VWAP (or no momentum) is noise or mean reversion, so we HOLD.
 *
 * It reads nothing but its arguments: no clock, no randomness, no other symbol.
 */
import type { StrategyParams } from '../config/schema.js';
import type { Bar } from './bars.js';

export const STRATEGY = { name: 'vwap_momentum', version: '1.0.0' } as const;

export type Action = 'BUY' | 'SELL' | 'HOLD';

/** Everything the strategy sees for one decision; recorded verbatim in the trace. */
export interface DecisionInputs {
  symbol: string;
  /** Closed bars, oldest first; the last is the bar that just closed. */
  bars: Bar[];
  session_vwap: number;
  session_volume: number;
  quote: { bid: number; ask: number } | null;
}

export interface DecisionOutput {
  action: Action;
  confidence: number;
}

export function decide(inputs: DecisionInputs, params: StrategyParams): DecisionOutput {
  const { bars } = inputs;
  const last = bars[bars.length - 1];
  const first = bars[bars.length - 1 - params.lookback_bars];
  if (!last || !first || !(inputs.session_vwap > 0) || !(first.close > 0)) {
    return { action: 'HOLD', confidence: 0 };
  }
  const momentumBps = ((last.close - first.close) / first.close) * 1e4;
  const deviationBps = ((last.close - inputs.session_vwap) / inputs.session_vwap) * 1e4;
  const momentum = momentumBps / Math.max(params.momentum_bps, 1e-9);
  const deviation = deviationBps / Math.max(params.vwap_band_bps, 1e-9);

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
