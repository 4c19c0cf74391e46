/**
 * The kill switch proves itself: right after a detection, one probe order per symbol goes through
 * the gate real orders take (OrderRouter.probe: the pre-trade poll, the safety checks, the risk
 * gate; never the broker). Every probe refused reason=TRADING_HALTED → KILL_SWITCH_VERIFIED.
 * Anything else means the gate would trade through the halt: an ERROR, and trading is forced
 * HALTED by a source of its own ('kill_switch_verify') that clearing the kill switch does not lift.
 */
import type { RejectReason } from '../engine/risk.js';
import type { TradingState } from '../safety/trading-state.js';
import type { Journal } from '../trace/journal.js';
import { round } from '../util/stats.js';

interface Prober {
  probe(symbol: string, quote: { bid: number; ask: number } | null): RejectReason | undefined;
}

export function proveHalt(
  symbols: string[],
  prober: Prober,
  quote: (symbol: string) => { bid: number; ask: number } | null,
  state: TradingState,
  journal: Journal,
  sinceDetectionMs: () => number,
): boolean {
  const results = symbols.map((symbol) => ({ symbol, reason: prober.probe(symbol, quote(symbol)) ?? 'ACCEPTED' }));
  const sinceMs = round(sinceDetectionMs(), 1);
  const failed = results.filter((r) => r.reason !== 'TRADING_HALTED');
  const fields = { probes: results.length, results: Object.fromEntries(results.map((r) => [r.symbol, r.reason])), since_detection_ms: sinceMs };
  if (failed.length === 0) {
    journal.event('info', 'KILL_SWITCH_VERIFIED', `probe orders rejected reason=TRADING_HALTED symbols=${symbols.join(',')} verified ${sinceMs.toFixed(1)}ms after detection`, { ...fields, verified: true });
    return true;
  }
  state.set('kill_switch_verify', 'HALTED');
  journal.event('error', 'KILL_SWITCH_VERIFY_FAILED', `probe ${failed.map((r) => `${r.symbol}=${r.reason}`).join(' ')} (expected reason=TRADING_HALTED); trading forced HALTED`, { ...fields, verified: false });
  return false;
}
