/**
 * validate's check of one trace: every decision re-executed (determinism.ts) and the hash chain
 * verified, in one scan. `trader validate` runs it on one trace, or on each shard of a run.
 */
import { scanTrace, type TraceScan } from './scan.js';
import { chainVerdict, type ChainVerdict } from '../validate/chain-verdict.js';
import { DeterminismChecker, type DeterminismResult } from '../validate/determinism.js';

export interface TraceCheck {
  scan: TraceScan;
  result: DeterminismResult;
  chain: ChainVerdict;
}

interface TraceCheckOptions {
  /** Only these symbols (default: all); each must have decisions (default: each of the run's symbols must). */
  symbols?: string[];
  fromMs?: number;
}

export async function checkTrace(path: string, key: string | undefined, opts: TraceCheckOptions = {}): Promise<TraceCheck> {
  const scan = await scanTrace(path, { traceKey: key }, (run) => {
    const options = { required: opts.symbols ?? run.symbols, ...(opts.symbols ? { symbols: opts.symbols } : {}), ...(opts.fromMs !== undefined ? { fromMs: opts.fromMs } : {}) };
    const checker = new DeterminismChecker(options);
    return { task: { run, checker: options, figures: false, log: null }, merge: (r, lineOffset) => checker.merge(r.determinism, lineOffset), state: checker };
  });
  return { scan, result: scan.state.finish(), chain: chainVerdict(scan.run, scan.chain, key !== undefined) };
}
