/**
 * Reconnect delays: the first retry at once (most drops are a single lost socket), then capped
 * exponential growth with ±jitter so a fleet of runners does not reconnect in lockstep.
 */
export interface BackoffPolicy {
  initialMs: number;
  factor: number;
  maxMs: number;
  /** Fraction of the delay added or removed at random, 0..1. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 250, factor: 2, maxMs: 30_000, jitter: 0.2 };

/** Delay before reconnect attempt `attempt` (1-based); `random` in [0, 1). */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: number): number {
  if (attempt <= 1) return 0;
  const base = Math.min(policy.maxMs, policy.initialMs * policy.factor ** (attempt - 2));
  const jittered = base * (1 + policy.jitter * (2 * random - 1));
  return Math.round(Math.min(policy.maxMs, Math.max(0, jittered)));
}
