/**
 * `trader report` (alias generate-report): the Go/No-Go report from the log and the trace.
 * Prints the matrix and the decision, writes the JSON (and the HTML when asked).
 * Exit 0 on GO, 1 on NO-GO, 2 on bad input.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { inputError, usageError } from '../../errors.js';
import { requireDistinct, requireWritableFile } from '../../runtime/paths.js';
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
  // The outputs are checked before the work: never one of the inputs, never unwritable.
  requireDistinct([
    { flag: '--log', path: opts.log },
    { flag: '--trace', path: opts.trace },
    { flag: '--smoke', path: opts.smoke },
    { flag: '--output', path: opts.output },
    ...(opts.html ? [{ flag: '--html', path: opts.html }] : []),
  ]);
  requireWritableFile({ flag: '--output', path: opts.output });
  if (opts.html) requireWritableFile({ flag: '--html', path: opts.html });
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
  writeOutput('--output', opts.output, `${JSON.stringify(result, null, 2)}\n`);
  if (opts.html) writeOutput('--html', opts.html, renderHtml(result, c.series, c.memorySeries));
  process.stdout.write(`${renderTable(result).join('\n')}\n`);
  process.stdout.write(`report written to ${opts.output}${opts.html ? ` and ${opts.html}` : ''}\n`);
  return result.decision === 'GO' ? 0 : 1;
}

function writeOutput(flag: string, path: string, text: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  } catch (err) {
    throw usageError(`${flag} ${path}: cannot write the report (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
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
