/**
 * The Go/No-Go matrix of SPEC.md: one criterion per row with its threshold, the observed figure
 * and PASS / FAIL / NOT_EXERCISED (or WAIVED). GO only when every row passes or is waived: a
 * criterion the run never exercised is not evidence of safety.
 */
import type { DeterminismResult } from '../validate/determinism.js';
import type { KillSwitchFigures, ReportCollector } from './collect.js';
import type { Criterion, CriterionId } from './schema.js';
import { summarizeInPlace } from '../util/stats.js';
import type { MemoryTrend } from '../safety/memory.js';

const LIMITS = { latencyAvgMs: 150, killSwitchMs: 10_000, memoryGrowth: 0.05 } as const;

export interface MatrixInputs {
  c: ReportCollector;
  determinism: DeterminismResult;
  /** The decisions were re-executed (--reexecute), not only their digests checked. */
  reexecuted: boolean;
  errorLines: number;
  smoke: { passed: boolean; path: string } | undefined;
  waive: CriterionId[];
}

export function buildMatrix({ c, determinism, reexecuted, errorLines, smoke, waive }: MatrixInputs): { criteria: Criterion[]; decision: 'GO' | 'NO-GO'; reasons: string[] } {
  const rows: Criterion[] = [];
  const row = (id: CriterionId, title: string, threshold: string, observed: string, status: Criterion['status']): void => {
    rows.push({ id, title, threshold, observed, status: waive.includes(id) && status !== 'PASS' ? 'WAIVED' : status });
  };

  row('staleness', 'Zero staleness breaches', '0 breaches (> max_lag 5 s)', `${c.breaches} breaches${c.breaches ? `, longest age ${(c.maxBreachAgeMs / 1000).toFixed(1)} s` : ''}`, c.breaches === 0 ? 'PASS' : 'FAIL');

  const decisions = determinism.symbols.reduce((n, s) => n + s.decisions, 0);
  const inconsistencies = determinism.symbols.reduce((n, s) => n + s.inconsistencies, 0);
  const silent = determinism.symbols.filter((s) => s.decisions === 0).map((s) => s.symbol);
  row(
    'determinism',
    'All decisions deterministic, symbols independent',
    '0 inconsistencies, independence PASS',
    `${decisions} decisions ${reexecuted ? 're-executed' : 'digest-checked'}, ${inconsistencies} inconsistencies, independence ${determinism.independence.pass ? 'PASS' : 'FAIL'}${silent.length ? `; no decisions for ${silent.join(',')}` : ''}`,
    decisions === 0 ? 'NOT_EXERCISED' : inconsistencies === 0 && determinism.independence.pass ? 'PASS' : 'FAIL',
  );

  const lat = summarizeInPlace(c.latencies());
  row('latency', 'Feed → decision latency', `avg < ${LIMITS.latencyAvgMs} ms`, lat.count ? `avg ${lat.avg.toFixed(2)} ms (p50 ${lat.p50.toFixed(1)}, p95 ${lat.p95.toFixed(1)}, p99 ${lat.p99.toFixed(1)}, max ${lat.max.toFixed(1)})` : 'no decisions', lat.count === 0 ? 'NOT_EXERCISED' : lat.avg < LIMITS.latencyAvgMs ? 'PASS' : 'FAIL');

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
 * post-warm-up sample of its segment; a SYMBOL_ADDED starts a new segment. The worst segment with
 * at least 2 samples decides. RSS growth and slope are shown, not judged (see safety/memory.ts).
 */
export function judgeMemory(trend: MemoryTrend | undefined, notAfterGc: number): { observed: string; status: Criterion['status'] } {
  const mib = (b: number): string => `${(b / 1048576).toFixed(2)} MiB`;
  if (!trend || trend.judgedSegments === 0) return { observed: `${trend?.samples ?? 0} post-warm-up samples (a segment needs 2)`, status: 'NOT_EXERCISED' };
  const w = trend.worst;
  const segments = trend.judgedSegments > 1 || trend.current.segment > 0 ? `worst of ${trend.current.segment + 1} segments (re-baselined at each SYMBOL_ADDED): segment ${w.segment}` : 'whole run';
  const gc = notAfterGc ? `; ${notAfterGc} samples NOT after GC (garbage included)` : '';
  const observed = `judged: retained = heap used + external after GC, ${segments}, ${mib(w.baselineRetained)} → ${mib(w.latestRetained)} = ${(w.growth * 100).toFixed(2)} % over ${w.samples} samples, slope ${mib(w.slopeBytesPerMin)}/min; RSS ${(trend.rssGrowth * 100).toFixed(2)} %, slope ${mib(trend.rssSlopeBytesPerMin)}/min (shown, not judged)${gc}`;
  return { observed, status: w.growth < LIMITS.memoryGrowth ? 'PASS' : 'FAIL' };
}
