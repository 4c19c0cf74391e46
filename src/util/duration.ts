const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
};

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h)$/;

/**
 * Parses "30min", "5s", "250ms", "1.5h" into milliseconds. Returns undefined when the text is not a
 * duration, so callers can name the flag or config field in their own message.
 */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? Number.NaN);
  return Number.isFinite(ms) && ms > 0 ? Math.round(ms) : undefined;
}

export const DURATION_HELP = 'a positive number with a unit: ms, s, m/min or h (e.g. 250ms, 5s, 30min)';

export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}min`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
