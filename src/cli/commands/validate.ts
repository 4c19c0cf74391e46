/**
 * `trader validate` (alias validate-determinism): the offline determinism check of a trace.
 * Prints the runbook's lines, or one JSON object with --json:
 *   {"trace","window_ms","from","symbols":[{"symbol","decisions","inconsistencies"}],
 *    "independence":{"pass","violations"},"problems":[{"line","symbol","what"}],"cut_last_line","pass"}
 * Exit 0 when everything passes, 1 on any inconsistency (or a requested symbol without decisions).
 */
import { DeterminismChecker, type DeterminismResult } from '../../validate/determinism.js';
import { lastRecordMs } from '../../validate/window.js';
import { scanTrace } from '../../offline/scan.js';

export interface ValidateOptions {
  trace: string;
  symbols?: string[];
  windowMs?: number;
  json: boolean;
}

export async function validate(opts: ValidateOptions): Promise<number> {
  const fromMs = opts.windowMs === undefined ? undefined : lastRecordMs(opts.trace) - opts.windowMs;
  const scan = await scanTrace(opts.trace, (run) => {
    const options = { symbols: opts.symbols ?? run.symbols, ...(fromMs !== undefined ? { fromMs } : {}) };
    const checker = new DeterminismChecker(run, options);
    return { task: { run, checker: options, figures: false }, merge: (r, lineOffset) => checker.merge(r.determinism, lineOffset), state: checker };
  });
  const result = scan.state.finish();
  const out = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  if (scan.cutLastLine) process.stderr.write(`trader: warning: ${opts.trace}: the last line is cut (the run was killed mid-write); validated every complete record\n`);
  if (opts.json) {
    out(JSON.stringify({ trace: opts.trace, window_ms: opts.windowMs ?? null, from: fromMs === undefined ? null : new Date(fromMs).toISOString(), ...result, cut_last_line: scan.cutLastLine }));
  } else {
    printResult(result, out);
    for (const p of result.problems) out(`   line ${p.line} (${p.symbol}): ${p.what}`);
  }
  return result.pass ? 0 : 1;
}

function printResult(result: DeterminismResult, write: (line: string) => void): void {
  for (const s of result.symbols) {
    const ok = s.inconsistencies === 0 && s.decisions > 0;
    write(`${ok ? '✅' : '❌'} ${s.symbol}: ${s.decisions} decisions, ${s.inconsistencies} inconsistencies`);
  }
  write(`${result.independence.pass ? '✅' : '❌'} Cross-symbol independence: ${result.independence.pass ? 'PASS' : 'FAIL'}`);
}
