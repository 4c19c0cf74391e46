/**
 * The warm-up, said once per symbol: a strategy decides from the first closed bar, but on fewer
 * bars than its lookback until enough have closed (the built-in then holds at confidence 0.00).
 * On the staging config (1-minute bars, lookback 4) that is three to four minutes of decisions
 * that are not yet real, which looked like a fault when nothing said why. A bus listener: it
 * answers RUN_STARTED and SYMBOL_ADDED with one DECISION_WARMUP line per symbol, right after them.
 */
import type { Bus } from '../core/bus.js';
import { EV } from '../core/events.js';

interface Warmup {
  /** `name@version` of the strategy. */
  strategy: string;
  lookback: number;
  barIntervalMs: number;
}

export function announceWarmup(bus: Bus, w: Warmup): () => void {
  // A lookback of one bar has no warm-up: the first closed bar is a full lookback.
  if (w.lookback <= 1) return () => undefined;
  const say = (symbol: string): void => bus.emit({ name: EV.DECISION_WARMUP, symbol, strategy: w.strategy, lookback: w.lookback, bar_interval_ms: w.barIntervalMs });
  const offStart = bus.on(EV.RUN_STARTED, (e) => {
    for (const s of e.symbols) say(s);
  });
  const offAdded = bus.on(EV.SYMBOL_ADDED, (e) => say(e.symbol));
  return () => {
    offStart();
    offAdded();
  };
}
