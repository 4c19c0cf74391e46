/**
 * How a trace record is rendered in the human log, in one place: the journal writes log lines with
 * it and the report checks, with the same function, that the log is the trace's rendering.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';
export const LEVEL_RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
/** pino's numbers for our levels, as a --log-format json line carries them. */
export const PINO_LEVEL: Record<Level, number> = { debug: 20, info: 30, warn: 40, error: 50 };

export const isLevel = (v: unknown): v is Level => v === 'debug' || v === 'info' || v === 'warn' || v === 'error';

/** `[HH:MM:SS] LEVEL msg` (no level word for info), the runbook's line form. */
export function textLogLine(stamp: string, level: Level, msg: string): string {
  return `[${stamp}] ${level === 'info' ? '' : `${level.toUpperCase()} `}${msg}`;
}

/**
 * What a --log-format json line must agree with: its level, event and msg (pino stamps its own
 * time, so the time is not compared).
 */
export function jsonLogKey(level: number | string, event: unknown, msg: unknown): string {
  return JSON.stringify([level, event, msg]);
}
