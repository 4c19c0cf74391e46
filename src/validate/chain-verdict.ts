/**
 * What the hash chain proves about a trace, one answer for validate and report. The chain is
 * keyed (HMAC) when the run had TRADER_TRACE_KEY; then only a holder of the key could have
 * re-chained an edited file. An unkeyed chain still catches a cut, a removed, moved or edited
 * record — unless the editor re-chained the rest, which anyone can: that limit is shown, not failed.
 */
import type { ChainResult } from '../trace/chain.js';
import type { RunRecord } from '../trace/schema.js';

export interface ChainVerdict {
  pass: boolean;
  /** One line for the operator. */
  text: string;
  keyed: boolean;
  /** The first broken line, when the chain is broken. */
  line: number | null;
}

export function chainVerdict(run: RunRecord, result: ChainResult | null, keyAvailable: boolean): ChainVerdict {
  const keyed = run.chain === 'hmac-sha256';
  if (run.chain === undefined) return { pass: false, keyed, line: 1, text: 'the trace has no hash chain (the run record has no "chain"): written by an older trader, or rewritten' };
  if (keyed && !keyAvailable) return { pass: false, keyed, line: null, text: 'the trace is keyed (hmac-sha256) but TRADER_TRACE_KEY is not set here: the chain cannot be verified' };
  if (!result) return { pass: false, keyed, line: null, text: 'the chain was not verified' };
  if (result.broken) return { pass: false, keyed, line: result.broken.line, text: `chain broken at line ${result.broken.line}: ${result.broken.what}` };
  const after = result.stop?.recordsAfter ?? 0;
  if (result.stop && after > 0) return { pass: false, keyed, line: result.stop.line, text: `${after} record(s) after RUN_STOPPED (line ${result.stop.line}): nothing may follow the seal` };
  if (!keyed && keyAvailable) {
    return { pass: false, keyed, line: null, text: `the trace is unkeyed (sha256) but TRADER_TRACE_KEY is set: a keyed run's trace re-chained without the key, or a run started without the key (${result.records} records)` };
  }
  return { pass: true, keyed, line: null, text: `${result.records} records chained, head ${result.head ?? ''}, ${keyed ? 'hmac-sha256 (keyed)' : 'sha256 (unkeyed: anyone can re-chain)'}` };
}
