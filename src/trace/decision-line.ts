/**
 * A decision record's encoding rules, in one module used by the writer and every reader: the
 * digests (canonical JSON, so they do not depend on how a file is laid out) and the log text
 * (`msg`), whose latency is checked against the record's own figures.
 */
import { canonicalJson, digest, sha256Hex } from '../util/canonical.js';
import { EV, type DecisionLine } from '../core/events.js';

interface DecisionFigures {
  symbol: string;
  action: string;
  confidence: number;
  latency_ms: number;
}

/** inputs_digest = sha256(canonical(inputs)); the engine's `digest` is this same function. */
export const inputsDigestOf = (inputs: unknown): string => digest(inputs);

/**
 * The inputs' canonical text and its digest, computed once: the engine hashes it for
 * inputs_digest and the journal writes the same text into the decision's trace line.
 */
export function inputsTextAndDigest(inputs: unknown): { text: string; digest: string } {
  const text = canonicalJson(inputs);
  return { text, digest: sha256Hex(text) };
}

/** DecisionLine's required members: with its optional reason and data_gap, all it may hold. */
const REQUIRED_MEMBERS = ['msg', 'symbol', 'action', 'confidence', 'latency_ms', 'processing_us', 'bar_start', 'bar_end', 'trigger_seq', 'trigger_ts', 'inputs', 'inputs_digest', 'output_digest'] as const satisfies ReadonlyArray<keyof DecisionLine>;

/**
 * A decision's trace record as canonical JSON — canonicalJson({type, ts, event, ...record, rec_seq}),
 * written member by member in key order with the inputs' canonical text as the engine computed it
 * (inputsTextAndDigest), instead of sorting the record's keys and re-serializing its inputs. This is
 * the decision's own latency path (receipt → trace line), which runs cold after a bar's worth of
 * market data: every step off it shows in the tail. Undefined for a record that is not exactly
 * DecisionLine's shape; the caller then uses canonicalJson (tests/unit/trace/decision-line.test.ts
 * holds the two equal).
 */
export function decisionRecordText(record: DecisionLine, ts: string, seq: number, inputsText: string): string | undefined {
  // Every required member present, and nothing but them and the two optional ones.
  for (const key of REQUIRED_MEMBERS) if (record[key] === undefined) return undefined;
  let members = 0;
  for (const key in record) if ((record as Record<string, unknown>)[key] !== undefined) members += 1;
  const { data_gap: gap, reason } = record;
  if (members !== REQUIRED_MEMBERS.length + (gap === undefined ? 0 : 1) + (reason === undefined ? 0 : 1)) return undefined;
  const j = JSON.stringify;
  return (
    `{"action":${j(record.action)},"bar_end":${j(record.bar_end)},"bar_start":${j(record.bar_start)},"confidence":${j(record.confidence)}` +
    (gap === undefined ? '' : `,"data_gap":${j(gap)}`) +
    `,"event":"${EV.DECISION_LOGGED}","inputs":${inputsText},"inputs_digest":${j(record.inputs_digest)},"latency_ms":${j(record.latency_ms)},"msg":${j(record.msg)}` +
    `,"output_digest":${j(record.output_digest)},"processing_us":${j(record.processing_us)}` +
    (reason === undefined ? '' : `,"reason":${j(reason)}`) +
    `,"rec_seq":${seq},"symbol":${j(record.symbol)},"trigger_seq":${j(record.trigger_seq)},"trigger_ts":${j(record.trigger_ts)},"ts":${j(ts)},"type":"decision"}`
  );
}

/** output_digest = sha256(canonical({action, confidence, reason?})): a reason is part of the output (unchanged for the built-in, which gives none). */
export function outputDigestOf(output: { action: string; confidence: number; reason?: string | undefined }): string {
  // Outputs repeat (three actions, confidences to the hundredth, a plug-in's few reasons): each
  // one's digest is taken once, on the decision path and in validate alike. The first 4096 are kept.
  const { action, confidence, reason } = output;
  const key = reason === undefined ? `${action}${confidence}` : `${action}${confidence}\u0000${reason}`;
  let known = OUTPUT_DIGESTS.get(key);
  if (known === undefined) {
    known = digest(reason === undefined ? { action, confidence } : { action, confidence, reason });
    if (OUTPUT_DIGESTS.size < MAX_OUTPUT_DIGESTS) OUTPUT_DIGESTS.set(key, known);
  }
  return known;
}

const OUTPUT_DIGESTS = new Map<string, string>();
const MAX_OUTPUT_DIGESTS = 4096;

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
