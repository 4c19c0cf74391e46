/**
 * The report's two integrity rows. `evidence`: the trace's hash chain holds (chain-verdict.ts),
 * the log is the trace's rendering (log-binding.ts), and the figures agree with each other (each
 * decision's latency_ms, ts − trigger_ts and msg; RUN_SUMMARY's counts against the trace's).
 * `run_complete`: the run ended with RUN_STOPPED — a killed or crashed run is not evidence.
 */
import type { RunRecord } from '../trace/schema.js';
import type { ChainResult } from '../trace/chain.js';
import type { ChainVerdict } from '../validate/chain-verdict.js';
import type { DeterminismResult } from '../validate/determinism.js';
import type { ReportCollector } from './collect.js';
import type { LogBinding } from './log-binding.js';

export interface Evidence {
  pass: boolean;
  chain: ChainVerdict & { algo: string | null; records: number | null; head: string | null; sealed: { head: string; records: number } | null };
  log: LogBinding;
  figures: { pass: boolean; issues: string[] };
  /** One line for the matrix. */
  observed: string;
}

export function judgeEvidence(run: RunRecord, chain: ChainVerdict, result: ChainResult | null, log: LogBinding, determinism: DeterminismResult, c: ReportCollector): Evidence {
  const issues: string[] = [];
  if (determinism.figureIssues > 0) {
    const first = determinism.problems.find((p) => p.what.startsWith('figures: '));
    issues.push(`${determinism.figureIssues} decision(s) whose latency_ms, ts − trigger_ts and msg disagree${first ? ` (first: line ${first.line}, ${first.what.slice(9)})` : ''}`);
  }
  issues.push(...summaryIssues(c));
  const figures = { pass: issues.length === 0, issues };
  const pass = chain.pass && log.pass && figures.pass;
  const observed = [`chain: ${chain.text}`, `log: ${log.pass ? `${log.matched} lines equal the trace's rendering (run ${run.run_id}, pid ${run.pid})` : (log.mismatch ?? 'not compared')}`, `figures: ${figures.pass ? 'consistent' : issues.join('; ')}`].join(' | ');
  return {
    pass,
    chain: { ...chain, algo: run.chain ?? null, records: result?.records ?? null, head: result?.head ?? null, sealed: result?.stop?.seal ?? null },
    log,
    figures,
    observed,
  };
}

/** RUN_SUMMARY's counts against the records the trace holds. */
function summaryIssues(c: ReportCollector): string[] {
  if (!c.summary) return c.endedAt ? ['no RUN_SUMMARY before RUN_STOPPED'] : [];
  const out: string[] = [];
  const decisions = [...c.symbols.values()].reduce((n, f) => n + f.decisions, 0);
  if (c.summary.decisions !== decisions) out.push(`RUN_SUMMARY says ${String(c.summary.decisions)} decisions, the trace holds ${decisions}`);
  const orders = c.summary.orders as { submitted?: unknown; filled?: unknown; rejected?: unknown } | undefined;
  if (orders !== undefined) {
    for (const kind of ['submitted', 'filled', 'rejected'] as const) {
      const held = [...c.symbols.values()].reduce((n, f) => n + f.orders[kind], 0);
      if (orders?.[kind] !== held) out.push(`RUN_SUMMARY says ${String(orders?.[kind])} orders ${kind}, the trace holds ${held}`);
    }
  }
  return out;
}

/** run_complete: RUN_STOPPED present (the seal itself is the evidence row's). */
export function judgeCompletion(c: ReportCollector, cutLastLine: boolean): { pass: boolean; observed: string } {
  if (c.endedAt) return { pass: true, observed: `RUN_STOPPED at ${c.endedAt}` };
  return { pass: false, observed: `no RUN_STOPPED: the run was killed or crashed${cutLastLine ? ' (its last line is cut)' : ''}` };
}
