/**
 * `trader validate` (alias validate-determinism): the offline determinism check of a trace, and
 * its hash chain. Prints the runbook's lines and the chain's, or one JSON object with --json:
 *   {"trace","window_ms","from","symbols":[{"symbol","decisions","inconsistencies"}],
 *    "independence":{"pass","violations"},"figureIssues","problems":[{"line","symbol","what"}],
 *    "chain":{"pass","text","keyed","line","records","head","sealed"},"cut_last_line","pass"}
 * Exit 0 when everything passes, 1 on any inconsistency, a requested symbol without decisions or
 * a chain that does not verify. A trace not yet sealed by RUN_STOPPED (a run still going, as at
 * the runbook's T+5) is noted, not failed: `trader report` is where an unfinished run fails.
 */
import type { DeterminismResult } from '../../validate/determinism.js';
import { checkTrace } from '../../offline/validate-pass.js';
import { lastRecordMs } from '../../validate/window.js';
import { traceKey } from '../../trace/chain.js';

export interface ValidateOptions {
  trace: string;
  symbols?: string[];
  windowMs?: number;
  json: boolean;
}

export async function validate(opts: ValidateOptions): Promise<number> {
  const fromMs = opts.windowMs === undefined ? undefined : lastRecordMs(opts.trace) - opts.windowMs;
  const key = traceKey(process.env);
  const { scan, result, chain } = await checkTrace(opts.trace, key, { ...(opts.symbols ? { symbols: opts.symbols } : {}), ...(fromMs !== undefined ? { fromMs } : {}) });
  const seal = scan.chain?.stop?.seal ?? null;
  const pass = result.pass && chain.pass;
  const out = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  if (scan.cutLastLine) process.stderr.write(`trader: warning: ${opts.trace}: the last line is cut (the run was killed mid-write); validated every complete record\n`);
  if (opts.json) {
    const chainJson = { ...chain, records: scan.chain?.records ?? null, head: scan.chain?.head ?? null, sealed: seal !== null };
    out(JSON.stringify({ trace: opts.trace, window_ms: opts.windowMs ?? null, from: fromMs === undefined ? null : new Date(fromMs).toISOString(), ...result, chain: chainJson, cut_last_line: scan.cutLastLine, pass }));
  } else {
    printResult(result, out);
    out(`${chain.pass ? '✅' : '❌'} Trace chain: ${chain.text}`);
    if (chain.pass && !seal) out('⚠️  Trace not sealed: no RUN_STOPPED yet (a run still going, or one that was killed)');
    for (const p of result.problems) out(`   line ${p.line} (${p.symbol}): ${p.what}`);
  }
  return pass ? 0 : 1;
}

function printResult(result: DeterminismResult, write: (line: string) => void): void {
  for (const s of result.symbols) {
    const ok = s.inconsistencies === 0 && s.decisions > 0;
    write(`${ok ? '✅' : '❌'} ${s.symbol}: ${s.decisions} decisions, ${s.inconsistencies} inconsistencies`);
  }
  write(`${result.independence.pass ? '✅' : '❌'} Cross-symbol independence: ${result.independence.pass ? 'PASS' : 'FAIL'}`);
}
