// vwap_momentum as a strategy module: the built-in's logic, line for line, so a config that names
// this file decides exactly as the default does (tests/unit/strategy/examples.test.ts checks it).
//
// Follow the trend at the open only when momentum and the distance from the session VWAP agree:
// BUY when price rose by at least momentum_bps over lookback_bars AND sits vwap_band_bps above the
// session VWAP, SELL in the mirror case, HOLD otherwise.

export const name = 'vwap_momentum_module';
export const version = '1.0.0';

// The bar lookback_bars back and the bar that just closed.
export const lookback = { param: 'lookback_bars', plus: 1 };

export const params = {
  lookback_bars: { type: 'integer', min: 1, max: 100, default: 3, description: 'momentum is measured over this many bars' },
  momentum_bps: { type: 'number', min: 0, default: 2, description: 'momentum threshold, basis points over the lookback' },
  vwap_band_bps: { type: 'number', min: 0, default: 1, description: 'distance from session VWAP threshold, basis points' },
};

export function decide(inputs, p) {
  const bars = inputs.bars;
  const last = bars[bars.length - 1];
  const first = bars[bars.length - 1 - p.lookback_bars];
  if (!last || !first || !(inputs.session_vwap > 0) || !(first.close > 0)) {
    return { action: 'HOLD', confidence: 0 };
  }
  const momentumBps = ((last.close - first.close) / first.close) * 1e4;
  const deviationBps = ((last.close - inputs.session_vwap) / inputs.session_vwap) * 1e4;
  const momentum = momentumBps / Math.max(p.momentum_bps, 1e-9);
  const deviation = deviationBps / Math.max(p.vwap_band_bps, 1e-9);

  if (momentum >= 1 && deviation >= 1) return { action: 'BUY', confidence: signalConfidence(momentum, deviation) };
  if (momentum <= -1 && deviation <= -1) return { action: 'SELL', confidence: signalConfidence(-momentum, -deviation) };
  // HOLD is most certain when there is no move at all, least when one signal is near its threshold.
  const strongest = Math.min(1, Math.max(Math.abs(momentum), Math.abs(deviation)));
  return { action: 'HOLD', confidence: round2(1 - strongest / 2) };
}

// 0.5 at the thresholds, approaching 1 as the weaker of the two signals grows.
function signalConfidence(momentum, deviation) {
  const weaker = Math.min(momentum, deviation);
  return round2(Math.min(0.99, 0.5 + 0.5 * (1 - Math.exp(-(weaker - 1)))));
}

function round2(x) {
  return Math.round(x * 100) / 100;
}
