/**
 * The memory judgement on samples shaped like a real drill's (retained ≈ 14 MiB after GC in a
 * ~94 MiB process, a few hundred KiB of jitter, a step up of ~1 MiB when a symbol is added): adding
 * a symbol does not fail the row by itself, a leak does, also when SYMBOL_ADDED re-baselines happen
 * during it. Growth is retained bytes gained over the process's RSS at the baseline.
 */
import { describe, expect, it } from 'vitest';
import { judgeMemory } from '../../../src/report/matrix.js';
import { MemoryTracker, type MemorySample } from '../../../src/safety/memory.js';

const MiB = 1048576;
const WARMUP = 2000;
const EVERY = 500;

/** A sample at `i` × 500 ms whose retained figure (heap + external) is `mib` MiB. */
const sample = (i: number, mib: number): MemorySample => ({ atMs: i * EVERY, rss: 80 * MiB + mib * MiB, heapUsed: (mib - 2.7) * MiB, external: 2.7 * MiB, afterGc: true });

/** The drill's shape: buffers fill during warm-up, then a plateau with a deterministic jitter. */
const plateau = (i: number): number => (i < 4 ? 13.1 + 0.25 * i : 14.1 + 0.3 * Math.min(1, (i - 4) / 2) + 0.05 * Math.sin(i));

function feed(tracker: MemoryTracker, values: Array<[number, number]>, addedAt: number[] = []): void {
  for (const [i, mib] of values) {
    for (const at of addedAt) if (at === i) tracker.rebaseline(i * EVERY);
    tracker.add(sample(i, mib));
  }
}

describe('memory judgement', () => {
  it('passes a plateau, and ignores warm-up samples', () => {
    const tracker = new MemoryTracker(WARMUP, 0);
    feed(tracker, Array.from({ length: 60 }, (_, i): [number, number] => [i, plateau(i)]));
    const trend = tracker.trend();
    expect(trend?.samples).toBe(56);
    expect(trend?.worst.baselineRetained).toBeCloseTo(plateau(4) * MiB, -3);
    const verdict = judgeMemory(trend, 0);
    expect(verdict.status).toBe('PASS');
    expect(verdict.observed).toMatch(/^judged: retained = heap used \+ external after GC, whole run, /);
    expect(verdict.observed).toMatch(/RSS .* \(shown, not judged\)/);
  });

  it('does not fail on a symbol added mid-run (a step of ~7 %), re-baselined after its warm-up', () => {
    const addAt = 30;
    const values = Array.from({ length: 70 }, (_, i): [number, number] => [i, plateau(i) + (i >= addAt ? Math.min(1, (i - addAt) / 3) : 0)]);
    // Judged as one series from the first baseline, the step counts as growth; re-baselined, it does not.
    const single = new MemoryTracker(WARMUP, 0);
    feed(single, values);
    const tracker = new MemoryTracker(WARMUP, 0);
    feed(tracker, values, [addAt]);
    const trend = tracker.trend();
    expect(trend?.judgedSegments).toBe(2);
    const verdict = judgeMemory(trend, 0);
    expect(verdict.status).toBe('PASS');
    expect(verdict.observed).toMatch(/worst of 2 segments \(re-baselined at each SYMBOL_ADDED\)/);
    expect(trend?.worst.growth).toBeLessThan((single.trend()?.worst.growth ?? 0) / 2);
  });

  it('fails a leak of 256 KiB per sample (~30 MiB/min), even with symbols added during it', () => {
    const values = Array.from({ length: 70 }, (_, i): [number, number] => [i, plateau(i) + (i * 256) / 1024]);
    const tracker = new MemoryTracker(WARMUP, 0);
    feed(tracker, values, [20, 40]);
    const trend = tracker.trend();
    const verdict = judgeMemory(trend, 0);
    expect(verdict.status).toBe('FAIL');
    expect(trend?.worst.slopeBytesPerMin).toBeGreaterThan(28 * MiB);
  });

  it('is not exercised before a segment has two samples, and says when heap figures include garbage', () => {
    const tracker = new MemoryTracker(WARMUP, 0);
    feed(tracker, [[0, 13], [2, 13.5], [4, 14]]);
    expect(judgeMemory(tracker.trend(), 0)).toMatchObject({ status: 'NOT_EXERCISED', observed: '1 post-warm-up samples (a segment needs 2)' });
    expect(judgeMemory(undefined, 0).status).toBe('NOT_EXERCISED');
    tracker.add(sample(5, 14));
    expect(judgeMemory(tracker.trend(), 1).observed).toMatch(/1 samples NOT after GC/);
  });
});
