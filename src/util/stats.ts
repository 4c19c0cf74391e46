export interface Summary {
  count: number;
  avg: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles; sorts a copy. Empty input gives zeros with count 0. */
export function summarize(values: ArrayLike<number>): Summary {
  return summarizeInPlace(Float64Array.from(values));
}

/** summarize for an array the caller gives up: sorted where it is, no copy (millions of values). */
export function summarizeInPlace(values: Float64Array): Summary {
  const n = values.length;
  if (n === 0) return { count: 0, avg: 0, p50: 0, p95: 0, p99: 0, max: 0 };
  const sorted = values.sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  const rank = (p: number): number => sorted[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))] ?? 0;
  return { count: n, avg: sum / n, p50: rank(0.5), p95: rank(0.95), p99: rank(0.99), max: sorted[n - 1] ?? 0 };
}

export const round = (x: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};
