/**
 * The kill switch proves itself: right after a detection, one probe order per symbol goes through
 * the gate real orders take (OrderRouter.probe: the pre-trade poll, the safety checks, the risk
 * gate; never the broker). Every probe refused reason=TRADING_HALTED → KILL_SWITCH_VERIFIED.
 * Anything else means the gate would trade through the halt: an ERROR, and trading is forced
 * HALTED by a source of its own ('kill_switch_verify') that clearing the kill switch does not lift.
 */
import type { RejectReason } from '../engine/risk.js';
import type { Bus } from '../core/bus.js';
import { EV } from '../core/events.js';
import { round } from '../util/stats.js';

interface Prober {
  probe(symbol: string, quote: { bid: number; ask: number } | null): RejectReason | undefined;
}

export function proveHalt(
  symbols: string[],
  prober: Prober,
  quote: (symbol: string) => { bid: number; ask: number } | null,
  /** The monitor's own halt for a failed proof. */
  proofFailed: () => void,
  bus: Bus,
  sinceDetectionMs: () => number,
): boolean {
  const results = symbols.map((symbol) => ({ symbol, reason: prober.probe(symbol, quote(symbol)) ?? 'ACCEPTED' }));
  const sinceMs = round(sinceDetectionMs(), 1);
  const failed = results.filter((r) => r.reason !== 'TRADING_HALTED');
  const fields = { probes: results.length, results: Object.fromEntries(results.map((r) => [r.symbol, r.reason])), since_detection_ms: sinceMs };
  if (failed.length === 0) {
    bus.emit({ name: EV.KILL_SWITCH_VERIFIED, ...fields, symbols });
    return true;
  }
  proofFailed();
  bus.emit({ name: EV.KILL_SWITCH_VERIFY_FAILED, ...fields, failed });
  return false;
}
