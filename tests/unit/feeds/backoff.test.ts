import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF } from '../../../src/feeds/backoff.js';

describe('backoffDelay', () => {
  const noJitter = { ...DEFAULT_BACKOFF, jitter: 0 };

  it('retries at once, then doubles up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 9, 12, 30].map((n) => backoffDelay(n, noJitter, 0.5))).toEqual([0, 250, 500, 1000, 2000, 4000, 30_000, 30_000, 30_000]);
  });

  it('spreads delays by ±jitter and never past the cap', () => {
    const policy = { ...DEFAULT_BACKOFF, jitter: 0.2 };
    expect(backoffDelay(4, policy, 0)).toBe(800);
    expect(backoffDelay(4, policy, 0.999999)).toBe(1200);
    expect(backoffDelay(20, policy, 0.999999)).toBe(30_000);
    expect(backoffDelay(20, policy, 0)).toBe(24_000);
  });
});
