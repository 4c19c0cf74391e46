/**
 * `trader report` (alias generate-report): the Go/No-Go report from the log and the trace.
 * Prints the matrix and the decision, writes the JSON (and the HTML when asked).
 * Exit 0 on GO, 1 on NO-GO, 2 on bad input.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { inputError } from '../../errors.js';
import { buildReport } from '../../report/build.js';
import { ReportCollector } from '../../report/collect.js';
import { renderHtml } from '../../report/html.js';
import { scanLogErrors } from '../../report/log-errors.js';
import { buildMatrix } from '../../report/matrix.js';
import { renderTable } from '../../report/render.js';
import type { CriterionId } from '../../report/schema.js';
import { scanTrace } from '../../offline/scan.js';
import { DeterminismChecker } from '../../validate/determinism.js';

export interface ReportOptions {
  log: string;
  trace: string;
  output: string;
  html?: string;
  smoke: string;
  waive: CriterionId[];
  /** Re-execute the decisions (validate's full check) instead of checking their digests. */
  reexecute: boolean;
}

export async function report(opts: ReportOptions): Promise<number> {
  // The log and the trace are read at the same time; a missing log fails at once.
  const [errors, scan] = await Promise.all([
    scanLogErrors(opts.log),
    scanTrace(opts.trace, (run) => {
      const c = new ReportCollector(run);
      const checker = new DeterminismChecker(run);
      return {
        task: { run, checker: { digestsOnly: !opts.reexecute }, figures: true },
        merge: (r, lineOffset) => {
          checker.merge(r.determinism, lineOffset);
          if (r.figures) c.merge(r.figures);
        },
        state: { c, checker },
      };
    }),
  ]);
  const { c, checker } = scan.state;
  const smoke = readSmoke(opts.smoke);
  const determinism = checker.finish();
  const matrix = buildMatrix({ c, determinism, reexecuted: opts.reexecute, errorLines: errors.count, smoke, waive: opts.waive });
  const result = buildReport({ c, determinism, matrix, errors, paths: { log: opts.log, trace: opts.trace, smoke: smoke ? opts.smoke : null }, cutLastLine: scan.cutLastLine, waive: opts.waive });

  if (scan.cutLastLine) process.stderr.write(`trader: warning: ${opts.trace}: the last line is cut (the run was killed mid-write); reported every complete record\n`);
  mkdirSync(dirname(opts.output), { recursive: true });
  writeFileSync(opts.output, `${JSON.stringify(result, null, 2)}\n`);
  if (opts.html) {
    mkdirSync(dirname(opts.html), { recursive: true });
    writeFileSync(opts.html, renderHtml(result, c.series, c.memorySeries));
  }
  process.stdout.write(`${renderTable(result).join('\n')}\n`);
  process.stdout.write(`report written to ${opts.output}${opts.html ? ` and ${opts.html}` : ''}\n`);
  return result.decision === 'GO' ? 0 : 1;
}

function readSmoke(path: string): { passed: boolean; path: string } | undefined {
  if (!existsSync(path)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw inputError(`${path}: smoke result is not JSON`);
  }
  const passed = (value as { passed?: unknown } | null)?.passed;
  if (typeof passed !== 'boolean') throw inputError(`${path}: smoke result has no boolean "passed"`);
  return { passed, path };
}
