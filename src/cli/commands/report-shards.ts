/**
 * `trader report` over several traces (several --trace paths, a glob or a directory): the shards
 * of one run, each judged alone by the single-trace code, then together into ONE Go/No-Go matrix
 * (report/shard-merge.ts) with two more rows, shards_complete and shard_partition. Each shard's log
 * is the .log whose RUN_STARTED names the shard's run id: among --log's files (paths, a glob, a
 * directory) when given, else beside each trace. One trace given as a file keeps report's own path.
 */
import { ChartSeries } from '../../report/chart-series.js';
import { inputError, usageError } from '../../errors.js';
import { findLogs, isSet, judgeComplete, judgePartition, loadShardSet, shardName, type ShardMember } from '../../cluster/trace-set.js';
import { analyseRun } from '../../offline/report-pass.js';
import { buildReport } from '../../report/build.js';
import { judgeCompletion, judgeEvidence } from '../../report/evidence.js';
import { renderHtml } from '../../report/html.js';
import { runStillGoing } from '../../report/in-progress.js';
import { buildMatrix } from '../../report/matrix.js';
import { renderTable } from '../../report/render.js';
import type { CriterionId } from '../../report/schema.js';
import { mergeShardReports, type ShardPart } from '../../report/shard-merge.js';
import { requireDistinct, requireWritableFile } from '../../runtime/paths.js';
import { traceKey } from '../../trace/chain.js';
import { readSmoke, report, writeOutput } from './report.js';

interface AnyReportOptions {
  logs: string[];
  traces: string[];
  output: string;
  html?: string;
  smoke: string;
  waive: CriterionId[];
}

export async function reportAny(opts: AnyReportOptions): Promise<number> {
  const { logs, traces, ...rest } = opts;
  if (!isSet(traces)) {
    if (logs.length === 0) throw usageError("required option '--log <file>' not specified");
    // As before --log took several files: given again for one trace, the last one counts (scripts repeat it to override).
    return report({ ...rest, log: logs[logs.length - 1] as string, trace: traces[0] as string });
  }
  return reportShards(opts);
}

async function reportShards(opts: AnyReportOptions): Promise<number> {
  const key = traceKey(process.env);
  const { members, skipped } = loadShardSet(opts.traces);
  for (const path of skipped) process.stderr.write(`trader: note: ${path} is not a shard's trace (no --shard): left out\n`);
  const logs = findLogs(members, opts.logs.length ? opts.logs : undefined);
  // The outputs are checked before the work: never one of the inputs, never unwritable.
  requireDistinct([
    ...members.flatMap((m) => [{ flag: '--log', path: logs.get(m) as string }, { flag: '--trace', path: m.path }]),
    { flag: '--smoke', path: opts.smoke },
    { flag: '--output', path: opts.output },
    ...(opts.html ? [{ flag: '--html', path: opts.html }] : []),
  ]);
  requireWritableFile({ flag: '--output', path: opts.output });
  if (opts.html) requireWritableFile({ flag: '--html', path: opts.html });
  const smoke = readSmoke(opts.smoke);
  const parts: ShardPart[] = [];
  // One time axis for the page: every shard's decisions, lags, samples and markers go into one series.
  // Chart data only for an HTML report: every shard on one time axis.
  const charts = opts.html ? new ChartSeries(Math.min(...members.map((m) => Date.parse(m.run.started_at)))) : undefined;
  // One shard after the other: each scan already uses the worker threads it is given.
  for (const m of members) {
    const log = logs.get(m) as string;
    const a = await analyseRun(log, m.path, key, charts);
    if (!a.c.endedAt) {
      const going = runStillGoing(a.scan.run.pid);
      if (going) throw inputError(`${m.path}: ${shardName(m)} is still in progress (pid ${a.scan.run.pid}, ${going}; no RUN_STOPPED yet): report once every shard has stopped`);
    }
    const evidence = judgeEvidence(a.scan.run, a.chain, a.scan.chain, a.logBinding, a.determinism, a.c);
    const completion = judgeCompletion(a.c, a.scan.cutLastLine);
    const matrix = buildMatrix({ c: a.c, determinism: a.determinism, evidence, completion, errorLines: a.errors.count, smoke, waive: [] });
    const alone = buildReport({ c: a.c, determinism: a.determinism, evidence, matrix, errors: a.errors, paths: { log, trace: m.path, smoke: smoke ? opts.smoke : null }, cutLastLine: a.scan.cutLastLine, waive: [] });
    parts.push({ name: shardName(m), index: m.shard.index, count: m.shard.count, trace: m.path, log, a, alone });
    if (a.scan.cutLastLine) process.stderr.write(`trader: warning: ${m.path}: the last line is cut (the run was killed mid-write); reported every complete record\n`);
  }
  const ran = (m: ShardMember): string[] => {
    const part = parts.find((p) => p.trace === m.path);
    return [...m.run.symbols, ...(part ? [...part.a.c.symbols].filter(([, f]) => f.decisions > 0).map(([s]) => s) : [])];
  };
  const result = mergeShardReports({ parts, complete: judgeComplete(members), partition: judgePartition(members, ran), waive: opts.waive });
  writeOutput('--output', opts.output, `${JSON.stringify(result, null, 2)}\n`);
  if (opts.html && charts) {
    // Memory samples of all shards share the memory chart (per bucket: their mean); the memory row judges each shard alone.
    writeOutput('--html', opts.html, renderHtml(result, charts.finish(), (members[0] as ShardMember).run.timezone));
  }
  process.stdout.write(`${renderTable(result).join('\n')}\n`);
  // Alone, a shard may lack what the set has (a shard with no symbol makes no decision): shown, not judged.
  process.stdout.write('Shards, each judged alone (without --waive):\n');
  for (const p of parts) {
    const open = p.alone.criteria.filter((r) => r.status !== 'PASS').map((r) => `${r.id} ${r.status}`);
    process.stdout.write(`  ${p.name} ${p.alone.decision}${open.length ? ` (${open.join(', ')})` : ''}: ${p.trace}, ${p.log}\n`);
  }
  process.stdout.write(`report written to ${opts.output}${opts.html ? ` and ${opts.html}` : ''}\n`);
  return result.decision === 'GO' ? 0 : 1;
}
