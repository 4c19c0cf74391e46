/**
 * How a trace record is rendered in the human log, in one place: the journal writes log lines with
 * it and the report checks, with the same function, that the log is the trace's rendering.
 */
import { canonicalJson } from '../util/canonical.js';

import type { Level } from '../core/events.js';

export type { Level };
export const LEVEL_RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
/** pino's numbers for our levels, as a --log-format json line carries them. */
export const PINO_LEVEL: Record<Level, number> = { debug: 20, info: 30, warn: 40, error: 50 };

export const isLevel = (v: unknown): v is Level => v === 'debug' || v === 'info' || v === 'warn' || v === 'error';

/** `[HH:MM:SS] LEVEL msg` (no level word for info), the runbook's line form. */
export function textLogLine(stamp: string, level: Level, msg: string): string {
  return `[${stamp}] ${level === 'info' ? '' : `${level.toUpperCase()} `}${msg}`;
}

/** The fields a decision's json log line carries besides its event and msg (the trace record has them all). */
export const DECISION_LOG_FIELDS = ['symbol', 'action', 'confidence', 'latency_ms'] as const;

/** Trace-only fields: never on a json log line. */
const TRACE_ONLY = new Set(['type', 'ts', 'level', 'rec_seq', 'rec_chain']);

/**
 * What a --log-format json line must equal: its level and every field but pino's own time stamp,
 * as canonical JSON (field order does not matter). `record` is a trace record; `pinoLevel` its level.
 */
export function jsonLogKeyOfRecord(record: Record<string, unknown>, pinoLevel: number): string {
  const out: Record<string, unknown> = { level: pinoLevel };
  if (record.type === 'decision') {
    for (const k of [...DECISION_LOG_FIELDS, 'event', 'msg'] as const) out[k] = record[k];
  } else {
    for (const k in record) if (!TRACE_ONLY.has(k)) out[k] = record[k];
  }
  return canonicalJson(out);
}

/** The same key of a json log line as written. */
export function jsonLogKeyOfLine(line: Record<string, unknown>): string {
  const { time: _time, ...rest } = line;
  return canonicalJson(rest);
}
