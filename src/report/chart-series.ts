/**
 * The HTML report's chart data, gathered in the report's one offline pass and bounded whatever
 * the trace's size: every time series is a min / sum / max / count per bucket of one time grid
 * shared by all series (so the charts line up), and when a series would need more buckets than
 * it has, the grid's width doubles and every series folds its buckets in pairs. Min, max, sum
 * and count fold exactly, so a 1M-decision trace charts the same extremes and means as a short
 * one, in a fixed ~60 KB per series. The latency histogram has fixed log-spaced bins. Nothing here
 * allocates per record.
 */
import { EV } from '../core/events.js';
import type { TraceRecord } from '../trace/schema.js';
import { round } from '../util/stats.js';

/** Buckets per series before the grid doubles: with 3 lines a symbol, a few symbols stay near 20k points a chart. */
const BUCKETS = 2048;
/** The first bucket width: a drill of a few seconds still shows its shape; 30 min folds to 1.6 s buckets. */
const FIRST_WIDTH_MS = 100;
/** The most points one chart hands the browser (x values times series); more buckets are merged. */
const CHART_POINTS = 20_000;
/** Histogram bins: 8 a doubling, from 2^-7 ms (bin 0 holds everything below, 0 and negatives too) up; the last bin holds the rest. */
const BINS_PER_OCTAVE = 8;
const LOW_LOG2 = -7;
const BINS = 2 + 25 * BINS_PER_OCTAVE;
/** Markers kept per kind: a flapping feed must not make the page unbounded. */
export const MARKERS_PER_KIND = 200;

/** One series' buckets on the shared grid. */
class Envelope {
  readonly min = new Float64Array(BUCKETS).fill(Infinity);
  readonly max = new Float64Array(BUCKETS).fill(-Infinity);
  readonly sum = new Float64Array(BUCKETS);
  readonly count = new Uint32Array(BUCKETS);
  used = 0;

  add(i: number, v: number): void {
    if (v < (this.min[i] as number)) this.min[i] = v;
    if (v > (this.max[i] as number)) this.max[i] = v;
    this.sum[i] = (this.sum[i] as number) + v;
    this.count[i] = (this.count[i] as number) + 1;
    if (i >= this.used) this.used = i + 1;
  }

  /** Buckets 2k and 2k+1 become bucket k (the grid's width doubled). */
  fold(): void {
    const half = BUCKETS / 2;
    for (let k = 0; k < half; k += 1) {
      const a = 2 * k;
      const b = a + 1;
      this.min[k] = Math.min(this.min[a] as number, this.min[b] as number);
      this.max[k] = Math.max(this.max[a] as number, this.max[b] as number);
      this.sum[k] = (this.sum[a] as number) + (this.sum[b] as number);
      this.count[k] = (this.count[a] as number) + (this.count[b] as number);
    }
    this.min.fill(Infinity, half);
    this.max.fill(-Infinity, half);
    this.sum.fill(0, half);
    this.count.fill(0, half);
    this.used = Math.ceil(this.used / 2);
  }
}

type MarkerKind = 'kill_switch' | 'resumed' | 'disconnect' | 'reconnect' | 'failover' | 'symbol_added';

interface Marker {
  /** epoch ms */
  t: number;
  kind: MarkerKind;
  label: string;
}

/** One line of a time chart; `min`/`max` (the bucket's extremes) shade a band around the mean. */
interface TimeLine {
  name: string;
  avg: Array<number | null>;
  min?: Array<number | null>;
  max?: Array<number | null>;
  /** Values the line stands for (records, not buckets). */
  count: number;
}

interface TimeChart {
  /** Width of one point's bucket (ms), after any merge for this chart's point budget. */
  bucketMs: number;
  /** Bucket centres, epoch seconds (uPlot's time unit). */
  x: number[];
  lines: TimeLine[];
}

interface Histogram {
  /** Each bin shown, from its lower to its upper edge (ms); bins are equal steps on a log scale. */
  lower: number[];
  upper: number[];
  counts: Array<{ name: string; values: number[] }>;
}

export interface ChartData {
  latency: TimeChart;
  lag: TimeChart;
  memory: TimeChart;
  histogram: Histogram;
  markers: Marker[];
  /** Markers beyond MARKERS_PER_KIND of a kind, left out of the page. */
  markersLeftOut: number;
  /** The grid's start (epoch ms): the run's start, or the first record's time when the run record's is not a time. */
  startMs: number;
  /** Last time any series or marker saw (epoch ms), for the axis when the run has no RUN_STOPPED. */
  lastMs: number;
}

export class ChartSeries {
  private width = FIRST_WIDTH_MS;
  private readonly all: Envelope[] = [];
  private readonly latency = new Map<string, Envelope>();
  private readonly lag = new Map<string, Envelope>();
  private readonly memory = { rss: this.envelope(), heap_used: this.envelope(), retained: this.envelope() };
  private readonly bins = new Map<string, Uint32Array>();
  private readonly markers: Marker[] = [];
  private readonly perKind = new Map<MarkerKind, number>();
  private left = 0;
  private lastMs = 0;

  /** `t0`: the run's start (epoch ms); NaN (a run record whose started_at is not a time) starts the grid at the first record. */
  constructor(private t0: number) {}

  /** One symbol's decisions of a chunk: their times (epoch ms) and latencies (ms). */
  decisions(symbol: string, at: Float64Array, latencies: Float64Array): void {
    const env = this.line(this.latency, symbol);
    let bins = this.bins.get(symbol);
    if (!bins) {
      bins = new Uint32Array(BINS);
      this.bins.set(symbol, bins);
    }
    for (let i = 0; i < at.length; i += 1) {
      const v = latencies[i] as number;
      const b = binOf(v);
      bins[b] = (bins[b] as number) + 1;
      const k = this.index(at[i] as number);
      if (k >= 0) env.add(k, v);
    }
  }

  /** One symbol's heartbeat lags of a chunk: their times (epoch ms) and lags (ms). */
  lags(symbol: string, at: Float64Array, lags: Float64Array): void {
    const env = this.line(this.lag, symbol);
    for (let i = 0; i < at.length; i += 1) {
      const k = this.index(at[i] as number);
      if (k >= 0) env.add(k, lags[i] as number);
    }
  }

  /** Any other record (memory samples, heartbeats that are not OK, the markers' events). */
  record(r: TraceRecord): void {
    const event = r.event ?? r.type;
    const symbol = typeof r.symbol === 'string' ? r.symbol : '';
    switch (event) {
      case EV.MEMORY_SAMPLE: {
        const k = this.index(Date.parse(String(r.ts)));
        if (k < 0) return;
        for (const key of ['rss', 'heap_used', 'retained'] as const) {
          const v = r[key];
          if (typeof v === 'number') this.memory[key].add(k, v / 1048576);
        }
        return;
      }
      case EV.HEARTBEAT_DEGRADED: {
        // Data arrives but none is accepted: its lag belongs on the chart as much as an OK one's.
        const k = this.index(Date.parse(String(r.ts)));
        if (k >= 0 && typeof r.lag_ms === 'number' && symbol) this.line(this.lag, symbol).add(k, r.lag_ms);
        return;
      }
      case EV.KILL_SWITCH_DETECTED:
        return this.mark(r, 'kill_switch', r.present_at_start === true ? 'kill switch (present at start)' : 'kill switch');
      case EV.TRADING_RESUMED:
        return this.mark(r, 'resumed', 'trading resumed');
      case EV.WEBSOCKET_DISCONNECT:
        return this.mark(r, 'disconnect', typeof r.source === 'string' ? `disconnect (${r.source})` : 'disconnect');
      case EV.RECONNECT_SUCCESS:
        return this.mark(r, 'reconnect', typeof r.source === 'string' ? `reconnect (${r.source})` : 'reconnect');
      case EV.FEED_FAILOVER:
        return this.mark(r, 'failover', `failover to ${typeof r.to === 'string' ? r.to : 'fallback'}`);
      case EV.SYMBOL_ADDED:
        return this.mark(r, 'symbol_added', `+${symbol}`);
      default:
    }
  }

  /** The page's data: each chart merged down to its point budget, values rounded for a compact file. */
  finish(): ChartData {
    return {
      latency: this.chart([...this.latency].map(([name, env]) => ({ name, env, band: true })), 3),
      lag: this.chart([...this.lag].map(([name, env]) => ({ name, env, band: true })), 1),
      memory: this.chart(
        [
          { name: 'RSS', env: this.memory.rss, band: false },
          { name: 'heap used', env: this.memory.heap_used, band: false },
          { name: 'retained (heap + external after GC)', env: this.memory.retained, band: false },
        ],
        2,
      ),
      histogram: this.histogram(),
      markers: this.markers,
      markersLeftOut: this.left,
      startMs: this.t0,
      lastMs: this.lastMs,
    };
  }

  private envelope(): Envelope {
    const env = new Envelope();
    this.all.push(env);
    return env;
  }

  private line(map: Map<string, Envelope>, symbol: string): Envelope {
    let env = map.get(symbol);
    if (!env) {
      env = this.envelope();
      map.set(symbol, env);
    }
    return env;
  }

  /** The bucket of time `t` (epoch ms), widening the grid until it fits; -1 for a time that is not one. */
  private index(t: number): number {
    if (!Number.isFinite(t)) return -1;
    if (Number.isNaN(this.t0)) this.t0 = t;
    if (t > this.lastMs) this.lastMs = t;
    // A record stamped before the run record (a skewed clock) is charted at the start.
    const offset = Math.max(0, t - this.t0);
    let k = Math.floor(offset / this.width);
    while (k >= BUCKETS) {
      this.width *= 2;
      for (const env of this.all) env.fold();
      k = Math.floor(offset / this.width);
    }
    return k;
  }

  private mark(r: TraceRecord, kind: MarkerKind, label: string): void {
    const t = Date.parse(String(r.ts));
    if (!Number.isFinite(t)) return;
    if (t > this.lastMs) this.lastMs = t;
    const n = this.perKind.get(kind) ?? 0;
    this.perKind.set(kind, n + 1);
    if (n >= MARKERS_PER_KIND) this.left += 1;
    else this.markers.push({ t, kind, label });
  }

  private chart(lines: Array<{ name: string; env: Envelope; band: boolean }>, digits: number): TimeChart {
    const shown = lines.filter((l) => l.env.used > 0);
    const used = Math.max(0, ...shown.map((l) => l.env.used));
    const perX = shown.reduce((n, l) => n + (l.band ? 3 : 1), 0);
    const merge = Math.max(1, Math.ceil((used * perX) / CHART_POINTS));
    const n = Math.ceil(used / merge);
    const bucketMs = this.width * merge;
    const x = Array.from({ length: n }, (_, i) => round((this.t0 + (i + 0.5) * bucketMs) / 1000, 3));
    return {
      bucketMs,
      x,
      lines: shown.map(({ name, env, band }) => {
        const avg: Array<number | null> = new Array<number | null>(n).fill(null);
        const min = band ? new Array<number | null>(n).fill(null) : undefined;
        const max = band ? new Array<number | null>(n).fill(null) : undefined;
        let total = 0;
        for (let i = 0; i < n; i += 1) {
          let lo = Infinity;
          let hi = -Infinity;
          let sum = 0;
          let count = 0;
          for (let j = i * merge; j < Math.min(used, (i + 1) * merge); j += 1) {
            lo = Math.min(lo, env.min[j] as number);
            hi = Math.max(hi, env.max[j] as number);
            sum += env.sum[j] as number;
            count += env.count[j] as number;
          }
          if (count === 0) continue;
          total += count;
          avg[i] = round(sum / count, digits);
          if (min) min[i] = round(lo, digits);
          if (max) max[i] = round(hi, digits);
        }
        return { name, avg, ...(min && max ? { min, max } : {}), count: total };
      }),
    };
  }

  private histogram(): Histogram {
    let first = BINS;
    let last = -1;
    for (const bins of this.bins.values()) {
      for (let b = 0; b < BINS; b += 1) {
        if (bins[b] === 0) continue;
        first = Math.min(first, b);
        last = Math.max(last, b);
      }
    }
    if (last < 0) return { lower: [], upper: [], counts: [] };
    const lower: number[] = [];
    const upper: number[] = [];
    for (let b = first; b <= last; b += 1) {
      lower.push(lowerEdge(b));
      upper.push(lowerEdge(b + 1));
    }
    return {
      lower,
      upper,
      counts: [...this.bins].map(([name, bins]) => ({ name, values: Array.from(bins.subarray(first, last + 1)) })),
    };
  }
}

function binOf(v: number): number {
  if (!(v >= 2 ** LOW_LOG2)) return 0;
  return Math.min(BINS - 1, 1 + Math.floor((Math.log2(v) - LOW_LOG2) * BINS_PER_OCTAVE));
}

/** Bin 0 starts at 0 ms; bin b > 0 at 2^(LOW + (b-1)/8) ms. */
function lowerEdge(b: number): number {
  return b === 0 ? 0 : round(2 ** (LOW_LOG2 + (b - 1) / BINS_PER_OCTAVE), 6);
}
