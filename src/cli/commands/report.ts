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
import { buildReport } from '../../report/build.js';
import { ReportCollector } from '../../report/collect.js';
import { judgeCompletion, judgeEvidence } from '../../report/evidence.js';
import { renderHtml } from '../../report/html.js';
import { LogBinder, type LogBinding } from '../../report/log-binding.js';
import { requireLogFile, scanLogErrors } from '../../report/log-errors.js';
import { buildMatrix } from '../../report/matrix.js';
import { renderTable } from '../../report/render.js';
import type { CriterionId } from '../../report/schema.js';
import { scanTrace } from '../../offline/scan.js';
import { traceKey } from '../../trace/chain.js';
import type { RunRecord } from '../../trace/schema.js';
import { chainVerdict } from '../../validate/chain-verdict.js';
import { DeterminismChecker } from '../../validate/determinism.js';
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
  // A missing log fails at once; the log is then read as the trace's chunks are folded (its binding
  // and its ERROR/EXCEPTION lines in one read), or on its own when the trace cannot bind it.
  requireLogFile(opts.log);
  const scan = await scanTrace(opts.trace, { traceKey: key }, (run) => {
    const c = new ReportCollector(run);
    const options = { required: run.symbols };
    const checker = new DeterminismChecker(options);
    const binder = run.log_level && run.log_format ? new LogBinder(opts.log, opts.trace, run.log_format, run.run_id) : undefined;
    const log = run.log_level && run.log_format ? { level: run.log_level, format: run.log_format, timezone: run.timezone } : null;
    return {
      task: { run, checker: options, figures: true, log },
      merge: (r, lineOffset) => {
        checker.merge(r.determinism, lineOffset);
        if (r.figures) c.merge(r.figures);
        if (r.log) binder?.merge(r.log, lineOffset);
      },
      state: { c, checker, binder },
    };
  });
  const { c, checker, binder } = scan.state;
  const logBinding = binder?.finish() ?? unbound(scan.run);
  const errors = binder ? binder.errors() : await scanLogErrors(opts.log);
  if (!c.endedAt) {
    const going = runStillGoing(scan.run.pid);
    if (going) throw inputError(`${opts.trace}: the run is still in progress (pid ${scan.run.pid}, ${going}; no RUN_STOPPED yet): report once it has stopped`);
  }
  const smoke = readSmoke(opts.smoke);
  const determinism = checker.finish();
  const chain = chainVerdict(scan.run, scan.chain, key !== undefined);
  const evidence = judgeEvidence(scan.run, chain, scan.chain, logBinding, determinism, c);
  const completion = judgeCompletion(c, scan.cutLastLine);
  const matrix = buildMatrix({ c, determinism, evidence, completion, errorLines: errors.count, smoke, waive: opts.waive });
  const result = buildReport({ c, determinism, evidence, matrix, errors, paths: { log: opts.log, trace: opts.trace, smoke: smoke ? opts.smoke : null }, cutLastLine: scan.cutLastLine, waive: opts.waive });

  if (scan.cutLastLine) process.stderr.write(`trader: warning: ${opts.trace}: the last line is cut (the run was killed mid-write); reported every complete record\n`);
  writeOutput('--output', opts.output, `${JSON.stringify(result, null, 2)}\n`);
  if (opts.html) writeOutput('--html', opts.html, renderHtml(result, c.series, c.memorySeries));
  process.stdout.write(`${renderTable(result).join('\n')}\n`);
  process.stdout.write(`report written to ${opts.output}${opts.html ? ` and ${opts.html}` : ''}\n`);
  return result.decision === 'GO' ? 0 : 1;
}

/** A run record without log_level/log_format (an older trader): the log cannot be checked against it. */
function unbound(run: RunRecord): LogBinding {
  return { pass: false, matched: 0, mismatch: `the run record has no log_level/log_format (run ${run.run_id}): the log cannot be checked against the trace` };
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
