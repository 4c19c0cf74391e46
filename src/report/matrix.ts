/**
 * The Go/No-Go matrix of SPEC.md: one criterion per row with its threshold, the observed figure
 * and PASS / FAIL / NOT_EXERCISED (or WAIVED). GO only when every row passes or is waived: a
 * criterion the run never exercised is not evidence of safety, and only such a row can be waived.
 */
import { inputError } from '../errors.js';
import type { DeterminismResult } from '../validate/determinism.js';
import type { KillSwitchFigures, ReportCollector } from './collect.js';
import type { Evidence } from './evidence.js';
import type { Criterion, CriterionId } from './schema.js';
import { summarizeInPlace } from '../util/stats.js';
import type { MemoryTrend } from '../safety/memory.js';

/** The runbook's thresholds: the report judges by these whatever the run's config said. */
export const LIMITS = { latencyAvgMs: 150, killSwitchMs: 10_000, memoryGrowth: 0.05, staleMs: 5_000 } as const;

export interface MatrixInputs {
  c: ReportCollector;
  determinism: DeterminismResult;
  evidence: Evidence;
  completion: { pass: boolean; observed: string };
  errorLines: number;
  smoke: { passed: boolean; path: string } | undefined;
  waive: CriterionId[];
}

export function buildMatrix({ c, determinism, evidence, completion, errorLines, smoke, waive }: MatrixInputs): { criteria: Criterion[]; decision: 'GO' | 'NO-GO'; reasons: string[] } {
  const rows: Criterion[] = [];
  const row = (id: CriterionId, title: string, threshold: string, observed: string, status: Criterion['status']): void => {
    if (waive.includes(id) && status === 'FAIL') throw inputError(`--waive ${id}: the ${id} row FAILED (${observed}); only a row the run did not exercise can be waived`);
    rows.push({ id, title, threshold, observed, status: waive.includes(id) && status === 'NOT_EXERCISED' ? 'WAIVED' : status });
  };

  row('run_complete', 'The run completed', 'RUN_STOPPED present', completion.observed, completion.pass ? 'PASS' : 'FAIL');
  row('evidence', 'The evidence is intact', 'chain verified, log = trace rendering, figures consistent', evidence.observed, evidence.pass ? 'PASS' : 'FAIL');

  const decisionLatency = summarizeInPlace(c.latencies());
  const ageMax = Math.max(0, ...[...c.symbols.values()].map((f) => f.ageMax));
  const lagMax = Math.max(0, ...[...c.symbols.values()].map((f) => f.lagMax));
  const worst = Math.max(ageMax, lagMax, decisionLatency.count ? decisionLatency.max : 0);
  const configured = c.run.thresholds.max_lag_ms;
  const looser = configured > LIMITS.staleMs ? `; FLAG: the run's staleness.max_lag ${configured / 1000} s is looser than the runbook's 5 s` : '';
  row(
    'staleness',
    'Zero staleness breaches',
    `0 breaches, data age and lag <= ${LIMITS.staleMs / 1000} s (runbook)`,
    `${c.breaches} breaches${c.breaches ? `, longest age ${(c.maxBreachAgeMs / 1000).toFixed(1)} s` : ''}; max heartbeat age ${(ageMax / 1000).toFixed(1)} s, max lag ${(lagMax / 1000).toFixed(1)} s, max decision latency ${((decisionLatency.count ? decisionLatency.max : 0) / 1000).toFixed(1)} s${looser}`,
    c.breaches === 0 && worst <= LIMITS.staleMs ? 'PASS' : 'FAIL',
  );

  const decisions = determinism.symbols.reduce((n, s) => n + s.decisions, 0);
  const inconsistencies = determinism.symbols.reduce((n, s) => n + s.inconsistencies, 0);
  const silent = determinism.symbols.filter((s) => s.decisions === 0).map((s) => s.symbol);
  row(
    'determinism',
    'All decisions deterministic, symbols independent',
    '0 inconsistencies, independence PASS',
    `${decisions} decisions re-executed, ${inconsistencies} inconsistencies, independence ${determinism.independence.pass ? 'PASS' : 'FAIL'}${silent.length ? `; no decisions for ${silent.join(',')}` : ''}`,
    // validate's own verdict: a run symbol without decisions fails it too.
    decisions === 0 ? 'NOT_EXERCISED' : determinism.pass ? 'PASS' : 'FAIL',
  );

  // The figure is latency_ms, checked against each decision's own ts − trigger_ts and msg: figures that disagree prove nothing.
  const lat = decisionLatency;
  const unchecked = determinism.figureIssues;
  row(
    'latency',
    'Feed → decision latency',
    `avg < ${LIMITS.latencyAvgMs} ms (checked figures)`,
    lat.count ? `avg ${lat.avg.toFixed(2)} ms (p50 ${lat.p50.toFixed(1)}, p95 ${lat.p95.toFixed(1)}, p99 ${lat.p99.toFixed(1)}, max ${lat.max.toFixed(1)})${unchecked ? `; ${unchecked} decision(s) with inconsistent figures` : ''}` : 'no decisions',
    lat.count === 0 ? 'NOT_EXERCISED' : lat.avg < LIMITS.latencyAvgMs && unchecked === 0 ? 'PASS' : 'FAIL',
  );

  const ks = judgeKillSwitch(c.killSwitch);
  row('kill_switch', 'Kill switch halts trading, proved by a probe order', `detected < ${LIMITS.killSwitchMs / 1000} s or present at start; probe verified; 0 orders after`, ks.observed, ks.status);

  row('errors', 'Zero ERROR/EXCEPTION lines in the log', '0 lines', `${errorLines} lines`, errorLines === 0 ? 'PASS' : 'FAIL');

  const open = c.disconnects.filter((d) => d.recoveredAt === null);
  row('reconnects', 'Every WEBSOCKET_DISCONNECT followed by RECONNECT_SUCCESS', 'all recovered', `${c.disconnects.length} disconnects, ${c.disconnects.length - open.length} recovered`, open.length === 0 ? 'PASS' : 'FAIL');

  const mem = judgeMemory(c.memory.trend(), c.memoryNotAfterGc);
  row('memory', 'Memory stable (the runner\'s own retained memory)', `retained growth < ${LIMITS.memoryGrowth * 100} % per segment`, mem.observed, mem.status);

  row('smoke', 'No CI regression (make smoke)', 'smoke PASS', smoke ? `${smoke.passed ? 'PASS' : 'FAIL'} (${smoke.path})` : 'no smoke result found', smoke === undefined ? 'NOT_EXERCISED' : smoke.passed ? 'PASS' : 'FAIL');

  const reasons = rows.filter((r) => r.status === 'FAIL' || r.status === 'NOT_EXERCISED').map((r) => `${r.id}: ${r.status}`);
  return { criteria: rows, decision: reasons.length === 0 ? 'GO' : 'NO-GO', reasons };
}

/**
 * PASS needs the runner's own proof for every appearance of the file: detected within the bound
 * (a file present at start has no delay: the run was HALTED from its first instant), a probe order
 * refused reason=TRADING_HALTED (KILL_SWITCH_VERIFIED), and not one ORDER_SUBMITTED/ORDER_FILLED
 * while halted. "No order went out" alone proves nothing when none was attempted.
 */
export function judgeKillSwitch(ks: KillSwitchFigures): { observed: string; status: Criterion['status'] } {
  const first = ks.episodes[0];
  if (!first) return { observed: 'not triggered during the run', status: 'NOT_EXERCISED' };
  const problems: string[] = [];
  const late = ks.episodes.filter((e) => !e.presentAtStart && (e.delayMs === null || e.delayMs >= LIMITS.killSwitchMs));
  if (late.length) problems.push(`${late.length} detection${late.length > 1 ? 's' : ''} not within ${LIMITS.killSwitchMs / 1000} s`);
  const failed = ks.episodes.filter((e) => e.verifyFailed);
  if (failed.length) problems.push(`probe passed the gate (KILL_SWITCH_VERIFY_FAILED) ${failed.length}×`);
  const unproved = ks.episodes.filter((e) => !e.verified && !e.verifyFailed);
  if (unproved.length) problems.push(`not verified (no KILL_SWITCH_VERIFIED after ${unproved.length === ks.episodes.length ? 'the detection' : `${unproved.length} of ${ks.episodes.length} detections`})`);
  if (ks.ordersAfter) problems.push(`${ks.ordersAfter} ORDER_SUBMITTED/ORDER_FILLED while halted`);
  const when = first.presentAtStart ? 'present at start, HALTED from the first instant' : `detected after ${first.delayMs === null ? '?' : `${Math.round(first.delayMs)} ms`}`;
  const proof = first.verified ? `verified by probe (refused TRADING_HALTED${first.verifiedAfterMs === null ? '' : ` ${first.verifiedAfterMs.toFixed(0)} ms after detection`})` : 'no probe verification';
  const more = ks.episodes.length > 1 ? ` (${ks.episodes.length} detections)` : '';
  const observed = `${when}${more}; ${proof}; ${ks.ordersAfter} orders after, ${ks.rejectedAfter} rejected${problems.length ? ` — ${problems.join('; ')}` : ''}`;
  return { observed, status: problems.length ? 'FAIL' : 'PASS' };
}

/**
 * The judged figure is retained memory (heap used + external after a full GC) against the first
 * post-warm-up sample of its segment, as a share of the process's RSS then; a SYMBOL_ADDED starts a new segment. The worst segment with
 * at least 2 samples decides. RSS growth and slope are shown, not judged (see safety/memory.ts).
 */
export function judgeMemory(trend: MemoryTrend | undefined, notAfterGc: number): { observed: string; status: Criterion['status'] } {
  const mib = (b: number): string => `${(b / 1048576).toFixed(2)} MiB`;
  if (!trend || trend.judgedSegments === 0) return { observed: `${trend?.samples ?? 0} post-warm-up samples (a segment needs 2)`, status: 'NOT_EXERCISED' };
  const w = trend.worst;
  const segments = trend.judgedSegments > 1 || trend.current.segment > 0 ? `worst of ${trend.current.segment + 1} segments (re-baselined at each SYMBOL_ADDED): segment ${w.segment}` : 'whole run';
  const gc = notAfterGc ? `; ${notAfterGc} samples NOT after GC (garbage included)` : '';
  const observed = `judged: retained = heap used + external after GC, ${segments}, ${mib(w.baselineRetained)} → ${mib(w.latestRetained)} = ${(w.growth * 100).toFixed(2)} % of the process's ${mib(w.baselineRss)} RSS over ${w.samples} samples, slope ${mib(w.slopeBytesPerMin)}/min; RSS ${(trend.rssGrowth * 100).toFixed(2)} %, slope ${mib(trend.rssSlopeBytesPerMin)}/min (shown, not judged)${gc}`;
  return { observed, status: w.growth < LIMITS.memoryGrowth ? 'PASS' : 'FAIL' };
}
