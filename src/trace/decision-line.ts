/**
 * A decision record's encoding rules, in one module used by the writer and every reader: the
 * digests (canonical JSON, so they do not depend on how a file is laid out) and the log text
 * (`msg`), whose latency is checked against the record's own figures.
 */
import { digest } from '../util/canonical.js';
import { EV } from '../core/events.js';

interface DecisionFigures {
  symbol: string;
  action: string;
  confidence: number;
  latency_ms: number;
}

/** inputs_digest = sha256(canonical(inputs)); the engine's `digest` is this same function. */
export const inputsDigestOf = (inputs: unknown): string => digest(inputs);

/** output_digest = sha256(canonical({action, confidence, reason?})): a reason is part of the output (unchanged for the built-in, which gives none). */
export const outputDigestOf = (output: { action: string; confidence: number; reason?: string | undefined }): string =>
  digest(output.reason === undefined ? { action: output.action, confidence: output.confidence } : { action: output.action, confidence: output.confidence, reason: output.reason });

/** The latency as the log line prints it: one decimal under 10 ms, whole milliseconds above. */
const latencyText = (latencyMs: number): string => (latencyMs < 10 ? latencyMs.toFixed(1) : String(Math.round(latencyMs)));

/**
 * The decision's `msg`, which is also its log line text: the runbook's own prefix
 * (`DECISION_LOGGED: symbol=SPY confidence=0.65 latency=89ms`), our extra fields after it.
 */
export function decisionMsg(d: DecisionFigures): string {
  return `${EV.DECISION_LOGGED}: symbol=${d.symbol} confidence=${d.confidence.toFixed(2)} latency=${latencyText(d.latency_ms)}ms action=${d.action}`;
}

/** The form traces written before the runbook's prefix was restored carry (action= before confidence=): still theirs to verify. */
function legacyDecisionMsg(d: DecisionFigures): string {
  return `${EV.DECISION_LOGGED}: symbol=${d.symbol} action=${d.action} confidence=${d.confidence.toFixed(2)} latency=${latencyText(d.latency_ms)}ms`;
}

/**
 * The ISO `ts` is the decision's own clock truncated to the millisecond, and latency_ms is
 * max(0, that clock − trigger_ts) to the microsecond, so the two may differ by less than 1 ms.
 */
const TS_TOLERANCE_MS = 1.001;

/** Why a decision's latency figures disagree with each other; undefined when they agree. */
export function latencyIssue(r: { ts: unknown; trigger_ts: unknown; latency_ms: unknown; msg: unknown; symbol: string; action: string; confidence: number }): string | undefined {
  const latency = r.latency_ms;
  if (typeof latency !== 'number' || !Number.isFinite(latency) || latency < 0) return 'latency_ms: expected a number >= 0';
  const tsMs = typeof r.ts === 'string' ? Date.parse(r.ts) : Number.NaN;
  if (!Number.isFinite(tsMs) || typeof r.trigger_ts !== 'number') return 'ts or trigger_ts missing: latency_ms cannot be checked';
  const own = Math.max(0, tsMs - r.trigger_ts);
  if (Math.abs(own - latency) > TS_TOLERANCE_MS) return `latency_ms ${latency} disagrees with ts − trigger_ts = ${Math.round(own * 1000) / 1000} ms`;
  const figures = { symbol: r.symbol, action: r.action, confidence: r.confidence, latency_ms: latency };
  const expected = decisionMsg(figures);
  // Either form is fully determined by the figures, so accepting the older one lets nothing through that they disagree with.
  if (r.msg !== expected && r.msg !== legacyDecisionMsg(figures)) return `msg ${JSON.stringify(r.msg)} disagrees with the record's figures (expected ${JSON.stringify(expected)})`;
  return undefined;
}
