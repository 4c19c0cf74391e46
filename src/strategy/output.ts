/**
 * The one check of a strategy's answer, the same for every kind: whatever came out of a sandbox
 * or a process is untrusted until it is exactly a decision.
 */
import { StrategyFailure } from './failures.js';
import type { StrategyOutput } from './types.js';

const MAX_REASON_LENGTH = 200;

const ACTIONS: ReadonlySet<unknown> = new Set(['BUY', 'SELL', 'HOLD']);

/**
 * `value` as a StrategyOutput (a fresh object, keys in canonical order), or a StrategyFailure
 * (bad_output) naming what is wrong. `extraKeys` are tolerated and dropped (the protocol's `id`).
 */
export function checkOutput(value: unknown, extraKeys: readonly string[] = []): StrategyOutput {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw bad(`expected an object { action, confidence, reason? }, got ${preview(value)}`);
  const o = value as Record<string, unknown>;
  const unknown = Object.keys(o).find((k) => k !== 'action' && k !== 'confidence' && k !== 'reason' && !extraKeys.includes(k));
  if (unknown !== undefined) throw bad(`unexpected field ${JSON.stringify(unknown)}`);
  if (!ACTIONS.has(o.action)) throw bad(`action must be BUY, SELL or HOLD, got ${preview(o.action)}`);
  const { confidence, reason } = o;
  if (typeof confidence !== 'number' || !Number.isFinite(confidence) || confidence < 0 || confidence > 1) throw bad(`confidence must be a finite number in [0, 1], got ${preview(confidence)}`);
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > MAX_REASON_LENGTH)) throw bad(`reason must be a string of at most ${MAX_REASON_LENGTH} characters`);
  const output: StrategyOutput = { action: o.action as StrategyOutput['action'], confidence };
  if (reason !== undefined) output.reason = reason;
  return output;
}

const bad = (what: string): StrategyFailure => new StrategyFailure('bad_output', `bad output: ${what}`);

function preview(v: unknown): string {
  const text = v === undefined ? 'undefined' : (JSON.stringify(v) ?? String(v));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
