/**
 * One run's part of the report: its trace scanned once (figures, validate's determinism check,
 * the chain, the log bound to the trace line by line) and its log's ERROR/EXCEPTION lines, read at
 * the same time. `trader report` judges one of these; a report over shards judges several
 * (report/shard-merge.ts). It lives beside the scan: the scan's chunks run report's and validate's
 * analyzers, so those folders cannot import the scan back.
 */
import type { ChartSeries } from '../report/chart-series.js';
import { scanTrace, type TraceScan } from './scan.js';
import type { RunRecord } from '../trace/schema.js';
import { chainVerdict, type ChainVerdict } from '../validate/chain-verdict.js';
import { DeterminismChecker, type DeterminismResult } from '../validate/determinism.js';
import { ReportCollector } from '../report/collect.js';
import { LogBinder, type LogBinding } from '../report/log-binding.js';
import { requireLogFile, scanLogErrors } from '../report/log-errors.js';

export interface RunAnalysis {
  scan: TraceScan;
  c: ReportCollector;
  determinism: DeterminismResult;
  chain: ChainVerdict;
  logBinding: LogBinding;
  errors: { count: number; first: string[] };
}

/** `charts`: gather the HTML report's chart data (true: this run's own; a series: shared with other shards). */
export async function analyseRun(log: string, trace: string, key: string | undefined, charts?: ChartSeries | boolean): Promise<RunAnalysis> {
  // A missing log fails at once; the log is then read as the trace's chunks are folded (its binding
  // and its ERROR/EXCEPTION lines in one read), or on its own when the trace cannot bind it.
  requireLogFile(log);
  const scan = await scanTrace(trace, { traceKey: key }, (run) => {
    const c = new ReportCollector(run, charts);
    const options = { required: run.symbols };
    const checker = new DeterminismChecker(options);
    const binder = run.log_level && run.log_format ? new LogBinder(log, trace, run.log_format, run.run_id) : undefined;
    const logOptions = run.log_level && run.log_format ? { level: run.log_level, format: run.log_format, timezone: run.timezone } : null;
    return {
      task: { run, checker: options, figures: true, log: logOptions },
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
  const errors = binder ? binder.errors() : await scanLogErrors(log);
  return { scan, c, determinism: checker.finish(), chain: chainVerdict(scan.run, scan.chain, key !== undefined), logBinding, errors };
}

/** A run record without log_level/log_format (an older trader): the log cannot be checked against it. */
function unbound(run: RunRecord): LogBinding {
  return { pass: false, matched: 0, mismatch: `the run record has no log_level/log_format (run ${run.run_id}): the log cannot be checked against the trace` };
}
