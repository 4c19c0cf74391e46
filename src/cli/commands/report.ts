/**
 * `trader report` (alias generate-report): the Go/No-Go report from the log and the trace.
 * Prints the matrix and the decision, writes the JSON (and the HTML when asked).
 * Exit 0 on GO, 1 on NO-GO, 2 on bad input — a run still in progress, or --waive on a row that
 * FAILED, included. The determinism row is validate's full check, run over the same scan, so the
 * two commands cannot disagree.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { inputError, usageError } from '../../errors.js';
import { requireDistinct, requireWritableFile } from '../../runtime/paths.js';
import { analyseRun } from '../../offline/report-pass.js';
import { buildReport } from '../../report/build.js';
import { judgeCompletion, judgeEvidence } from '../../report/evidence.js';
import { renderHtml } from '../../report/html.js';
import { buildMatrix } from '../../report/matrix.js';
import { renderTable } from '../../report/render.js';
import type { CriterionId } from '../../report/schema.js';
import { traceKey } from '../../trace/chain.js';
import { runStillGoing } from '../../report/in-progress.js';

export interface ReportOptions {
  log: string;
  trace: string;
  output: string;
  html?: string;
  smoke: string;
  /** Rows the operator accepts as not exercised (a FAILED one is refused). */
  waive: CriterionId[];
}

export async function report(opts: ReportOptions): Promise<number> {
  const key = traceKey(process.env);
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
  const { scan, c, determinism, chain, logBinding, errors } = await analyseRun(opts.log, opts.trace, key, opts.html !== undefined);
  if (!c.endedAt) {
    const going = runStillGoing(scan.run.pid);
    if (going) throw inputError(`${opts.trace}: the run is still in progress (pid ${scan.run.pid}, ${going}; no RUN_STOPPED yet): report once it has stopped`);
  }
  const smoke = readSmoke(opts.smoke);
  const evidence = judgeEvidence(scan.run, chain, scan.chain, logBinding, determinism, c);
  const completion = judgeCompletion(c, scan.cutLastLine);
  const matrix = buildMatrix({ c, determinism, evidence, completion, errorLines: errors.count, smoke, waive: opts.waive });
  const result = buildReport({ c, determinism, evidence, matrix, errors, paths: { log: opts.log, trace: opts.trace, smoke: smoke ? opts.smoke : null }, cutLastLine: scan.cutLastLine, waive: opts.waive });

  if (scan.cutLastLine) process.stderr.write(`trader: warning: ${opts.trace}: the last line is cut (the run was killed mid-write); reported every complete record\n`);
  writeOutput('--output', opts.output, `${JSON.stringify(result, null, 2)}\n`);
  if (opts.html && c.charts) writeOutput('--html', opts.html, renderHtml(result, c.charts.finish(), scan.run.timezone));
  process.stdout.write(`${renderTable(result).join('\n')}\n`);
  process.stdout.write(`report written to ${opts.output}${opts.html ? ` and ${opts.html}` : ''}\n`);
  return result.decision === 'GO' ? 0 : 1;
}

export function writeOutput(flag: string, path: string, text: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  } catch (err) {
    throw usageError(`${flag} ${path}: cannot write the report (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

export function readSmoke(path: string): { passed: boolean; path: string } | undefined {
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
