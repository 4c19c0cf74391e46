/**
 * Memory samples and their trend. Growth is measured against the first sample after warm-up (a
 * process's first minute of JIT and buffer allocation is not a leak); the slope is a least-squares
 * fit of RSS over time.
 */
export interface MemorySample {
  atMs: number;
  rss: number;
  heapUsed: number;
  external: number;
}

export interface MemoryTrend {
  baselineRss: number;
  latestRss: number;
  growth: number;
  slopeBytesPerMin: number;
  samples: number;
}

export class MemoryTracker {
  private readonly samples: MemorySample[] = [];
  private baseline: MemorySample | undefined;

  constructor(private readonly warmupMs: number, private readonly startMs: number) {}

  add(sample: MemorySample): MemoryTrend | undefined {
    if (sample.atMs - this.startMs < this.warmupMs) return undefined;
    if (!this.baseline) this.baseline = sample;
    this.samples.push(sample);
    if (this.samples.length > 10_000) this.samples.splice(0, this.samples.length - 10_000);
    return this.trend();
  }

  trend(): MemoryTrend | undefined {
    const base = this.baseline;
    const last = this.samples[this.samples.length - 1];
    if (!base || !last) return undefined;
    return {
      baselineRss: base.rss,
      latestRss: last.rss,
      growth: (last.rss - base.rss) / base.rss,
      slopeBytesPerMin: slope(this.samples) * 60_000,
      samples: this.samples.length,
    };
  }
}

function slope(samples: MemorySample[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  const t0 = samples[0]?.atMs ?? 0;
  let sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const s of samples) {
    const x = s.atMs - t0;
    sx += x;
    sy += s.rss;
    sxx += x * x;
    sxy += x * s.rss;
  }
  const den = n * sxx - sx * sx;
  return den === 0 ? 0 : (n * sxy - sx * sy) / den;
}

export function sampleMemory(atMs: number): MemorySample {
  const m = process.memoryUsage();
  return { atMs, rss: m.rss, heapUsed: m.heapUsed, external: m.external };
}
