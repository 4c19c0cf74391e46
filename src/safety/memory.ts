/**
 * Memory samples and their judgement.
 *
 * The judged figure is the runner's RETAINED memory: heap used + external right after a full
 * garbage collection. RSS is shown but not judged: V8 and the allocator keep freed pages, so RSS
 * moves with garbage that is not a leak, while what survives a full GC is exactly what a leak
 * grows. The growth is expressed as a share of the process's footprint (RSS at the segment's
 * baseline), which is what the runbook's "< 5 % growth" is about (`ps aux`): a 1 MiB step of JIT
 * code and caches in a 14 MiB heap is not a 7 % leak of a 90 MiB process. Growth is measured per segment against that segment's first sample after its warm-up:
 * the run's start opens the first segment, and every SYMBOL_ADDED opens a new one (a new symbol's
 * pipeline and buffers are a legitimate step up, not a leak). A real leak keeps growing within a
 * segment and fails it; the row takes the worst segment.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface MemorySample {
  atMs: number;
  rss: number;
  heapUsed: number;
  external: number;
  /** The heap figures were read right after a full GC. */
  afterGc: boolean;
}

/** The judged figure of a sample. */
export const retained = (s: MemorySample): number => s.heapUsed + s.external;

interface SegmentTrend {
  /** 0 for the run's start, +1 at each re-baseline (SYMBOL_ADDED). */
  segment: number;
  baselineRetained: number;
  latestRetained: number;
  /** RSS when the baseline was taken: the footprint the growth is a share of. */
  baselineRss: number;
  /** (latest − baseline) of the retained figure, over the baseline's RSS. */
  growth: number;
  slopeBytesPerMin: number;
  samples: number;
}

export interface MemoryTrend {
  /** The segment the last sample belongs to. */
  current: SegmentTrend;
  /** The segment with the highest growth among those with at least 2 samples (else the current one). */
  worst: SegmentTrend;
  /** Segments with at least 2 post-warm-up samples: the ones a growth figure means something for. */
  judgedSegments: number;
  /** Post-warm-up samples over every segment. */
  samples: number;
  /** RSS over the whole run after the first warm-up (informational: includes every step up). */
  baselineRss: number;
  latestRss: number;
  rssGrowth: number;
  rssSlopeBytesPerMin: number;
}

interface Segment {
  segment: number;
  warmUntilMs: number;
  points: Array<[number, number]>;
  baseline: number | undefined;
  baselineRss: number | undefined;
}

/** At most this many points are kept per series for the slope (a sample every 10 s: 27 hours). */
const MAX_POINTS = 10_000;

export class MemoryTracker {
  private readonly segments: Segment[] = [];
  private readonly rss: Array<[number, number]> = [];
  private samples = 0;

  constructor(private readonly warmupMs: number, startMs: number) {
    this.segments.push({ segment: 0, warmUntilMs: startMs + warmupMs, points: [], baseline: undefined, baselineRss: undefined });
  }

  /** A new symbol was added at `atMs`: after a fresh warm-up, the next sample is a new baseline. */
  rebaseline(atMs: number): void {
    const last = this.segments[this.segments.length - 1] as Segment;
    this.segments.push({ segment: last.segment + 1, warmUntilMs: atMs + this.warmupMs, points: [], baseline: undefined, baselineRss: undefined });
  }

  /** Adds a sample; undefined while the current segment warms up. */
  add(sample: MemorySample): MemoryTrend | undefined {
    const seg = this.segments[this.segments.length - 1] as Segment;
    if (sample.atMs < seg.warmUntilMs) return undefined;
    const value = retained(sample);
    seg.baseline ??= value;
    seg.baselineRss ??= sample.rss;
    push(seg.points, [sample.atMs, value]);
    push(this.rss, [sample.atMs, sample.rss]);
    this.samples += 1;
    return this.trend();
  }

  trend(): MemoryTrend | undefined {
    const trends = this.segments.filter((s) => s.baseline !== undefined).map(segmentTrend);
    const current = trends[trends.length - 1];
    const firstRss = this.rss[0];
    const lastRss = this.rss[this.rss.length - 1];
    if (!current || !firstRss || !lastRss) return undefined;
    const judged = trends.filter((t) => t.samples >= 2);
    const worst = judged.reduce<SegmentTrend | undefined>((w, t) => (w === undefined || t.growth > w.growth ? t : w), undefined) ?? current;
    return {
      current,
      worst,
      judgedSegments: judged.length,
      samples: this.samples,
      baselineRss: firstRss[1],
      latestRss: lastRss[1],
      rssGrowth: (lastRss[1] - firstRss[1]) / firstRss[1],
      rssSlopeBytesPerMin: slope(this.rss) * 60_000,
    };
  }
}

function segmentTrend(s: Segment): SegmentTrend {
  const baseline = s.baseline as number;
  const baselineRss = Math.max(s.baselineRss as number, baseline);
  const latest = (s.points[s.points.length - 1] as [number, number])[1];
  return { segment: s.segment, baselineRetained: baseline, latestRetained: latest, baselineRss, growth: (latest - baseline) / baselineRss, slopeBytesPerMin: slope(s.points) * 60_000, samples: s.points.length };
}

function push(points: Array<[number, number]>, point: [number, number]): void {
  points.push(point);
  if (points.length > MAX_POINTS) points.splice(0, points.length - MAX_POINTS);
}

/** Least-squares slope of y over x (per ms). */
function slope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return 0;
  const x0 = (points[0] as [number, number])[0];
  let sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const [t, y] of points) {
    const x = t - x0;
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const den = n * sxx - sx * sx;
  return den === 0 ? 0 : (n * sxy - sx * sy) / den;
}

let gc: (() => void) | null | undefined;

/**
 * A full GC, exposed at run time (the bin cannot pass --expose-gc to node). Returns false where the
 * engine refuses; the sample then says so and its heap figure includes garbage.
 */
function collectGarbage(): boolean {
  if (gc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    } catch {
      gc = null;
    }
  }
  if (!gc) return false;
  gc();
  return true;
}

export function sampleMemory(atMs: number): MemorySample {
  const afterGc = collectGarbage();
  const m = process.memoryUsage();
  return { atMs, rss: m.rss, heapUsed: m.heapUsed, external: m.external, afterGc };
}
