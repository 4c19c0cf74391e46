// Opening-range breakout, the classic 09:30 strategy: the high and the low of the session's first
// range_bars bars are the opening range; once it is complete, a close above its high is a BUY, a
// close below its low a SELL, and anything inside it a HOLD.
//
// How it finds the session's opening range from what a strategy sees. A strategy gets only the
// last `lookback` closed bars of its symbol (oldest first) and no clock. So:
//  - lookback is session_bars (default 400, a whole 6.5-hour session of 1-minute bars): until the
//    session is that long, the inputs hold every bar since the runner's first one;
//  - the session starts at the first bar after a gap of at least session_gap_minutes between one
//    bar's end and the next one's start (the overnight break), or else at the oldest bar in the
//    inputs; only bar times are used, never the wall clock, so a replay finds the same session.
// Start the runner before the open (as the runbook does): started mid-session, the "opening
// range" is the range of the first range_bars bars the runner saw. Once the session has more bars
// than session_bars its start has scrolled out of the inputs and the strategy HOLDs with
// confidence 0 (raise session_bars for longer sessions or shorter bars: every decision record in
// the trace carries all of them).

export const name = 'opening_range';
export const version = '1.0.0';

export const lookback = { param: 'session_bars', plus: 0 };

export const params = {
  range_bars: { type: 'integer', min: 1, max: 120, default: 5, description: 'bars in the opening range (5 one-minute bars: 09:30-09:35)' },
  session_bars: { type: 'integer', min: 2, max: 5000, default: 400, description: 'bars of history kept; the session must fit in it' },
  session_gap_minutes: { type: 'number', min: 1, default: 60, description: 'a gap this long between bars starts a new session' },
  breakout_bps: { type: 'number', min: 0, default: 0, description: 'how far past the range a close must be, basis points' },
};

export function decide(inputs, p) {
  const bars = inputs.bars;
  const gapMs = p.session_gap_minutes * 60000;
  let open = 0;
  for (let i = bars.length - 1; i > 0; i -= 1) {
    if (bars[i].start - bars[i - 1].end >= gapMs) {
      open = i;
      break;
    }
  }
  // The session's start scrolled out of the inputs: the opening range is unknown.
  if (open === 0 && bars.length >= p.session_bars) return { action: 'HOLD', confidence: 0, reason: 'session start not in the inputs' };
  const session = bars.slice(open);
  if (session.length <= p.range_bars) return { action: 'HOLD', confidence: 0, reason: 'opening range forming' };
  let high = -Infinity;
  let low = Infinity;
  for (const bar of session.slice(0, p.range_bars)) {
    if (bar.high > high) high = bar.high;
    if (bar.low < low) low = bar.low;
  }
  const close = session[session.length - 1].close;
  const margin = p.breakout_bps / 1e4;
  const width = high - low;
  if (close > high * (1 + margin)) return { action: 'BUY', confidence: strength(close - high, width), reason: `close ${close} above opening high ${high}` };
  if (close < low * (1 - margin)) return { action: 'SELL', confidence: strength(low - close, width), reason: `close ${close} below opening low ${low}` };
  return { action: 'HOLD', confidence: 1, reason: `inside opening range ${low}-${high}` };
}

// 0.5 just past the range, approaching 0.99 as the breakout reaches the range's own width.
function strength(distance, width) {
  const ratio = width > 0 ? distance / width : 1;
  return Math.round(Math.min(0.99, 0.5 + 0.5 * Math.min(1, ratio)) * 100) / 100;
}
