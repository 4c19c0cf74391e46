/**
 * Everything the report needs, folded in chunk by chunk in file order: per-symbol decisions and
 * latency, heartbeat lag (summed where the chunk was read, see chunk-figures.ts), staleness
 * windows, orders, the kill-switch timeline, disconnect/recovery pairs and memory samples.
 * Determinism is the validate core's job.
 */
import { EV } from '../core/events.js';
import { MemoryTracker } from '../safety/memory.js';
import type { RunRecord, TraceRecord } from '../trace/schema.js';
import { ChartSeries } from './chart-series.js';
import type { ChunkFigures } from './chunk-figures.js';

export interface SymbolFigures {
  decisions: number;
  actions: { BUY: number; SELL: number; HOLD: number };
  latencies: Float64Blocks;
  lagSum: number;
  lagCount: number;
  lagMax: number;
  /** The largest data age a heartbeat showed (ms). */
  ageMax: number;
  staleness: Array<{ from: string; to: string | null }>;
  orders: { submitted: number; filled: number; rejected: number };
}

export interface Disconnect {
  at: string;
  source: string | undefined;
  recoveredAt: string | null;
  how: string | null;
  downtimeMs: number | null;
}

/** One appearance of the kill-switch file and what the runner proved about it. */
interface KillSwitchEpisode {
  at: string;
  /** null when the file was there at start (no detection happened late or early). */
  delayMs: number | null;
  presentAtStart: boolean;
  /** KILL_SWITCH_VERIFIED followed it: the runner's probe order was refused reason=TRADING_HALTED. */
  verified: boolean;
  verifiedAfterMs: number | null;
  /** KILL_SWITCH_VERIFY_FAILED followed it: a probe passed the gate (or was refused for another reason). */
  verifyFailed: boolean;
}

export interface KillSwitchFigures {
  detectedAt: string | null;
  delayMs: number | null;
  presentAtStart: boolean;
  episodes: KillSwitchEpisode[];
  /** ORDER_SUBMITTED and ORDER_FILLED while halted (from a detection until a TRADING_RESUMED). */
  ordersAfter: number;
  /** Real orders refused while halted; probes are counted apart. */
  rejectedAfter: number;
  probes: number;
  resumedAt: string | null;
}

export class ReportCollector {
  readonly symbols = new Map<string, SymbolFigures>();
  /** The HTML report's chart data (chart-series.ts), bounded whatever the trace's length; only when an HTML report is asked for. */
  readonly charts: ChartSeries | undefined;
  readonly disconnects: Disconnect[] = [];
  readonly memory = new MemoryTracker(0, 0);
  memorySamples = 0;
  /** Judged samples whose heap figures were not read after a full GC. */
  memoryNotAfterGc = 0;
  breaches = 0;
  maxBreachAgeMs = 0;
  killSwitch: KillSwitchFigures = { detectedAt: null, delayMs: null, presentAtStart: false, episodes: [], ordersAfter: 0, rejectedAfter: 0, probes: 0, resumedAt: null };
  endedAt: string | null = null;
  /** RUN_SUMMARY's own counts, checked against the trace's (evidence.ts). */
  summary: { decisions: unknown; orders: unknown } | null = null;
  private halted = false;

  /**
   * `charts`: true for this run's own chart data, a series shared by several runs' collectors (the
   * shards of one run, on one time axis), or none (no --html: nothing is folded for charts).
   */
  constructor(readonly run: RunRecord, charts?: ChartSeries | boolean) {
    this.charts = charts === true ? new ChartSeries(Date.parse(run.started_at)) : charts || undefined;
    for (const s of run.symbols) this.figures(s);
  }

  /** Folds in the next chunk (chunks come in file order). */
  merge(chunk: ChunkFigures): void {
    for (const part of chunk.symbols) {
      const f = this.figures(part.symbol);
      for (const k of ['BUY', 'SELL', 'HOLD'] as const) f.actions[k] += part.actions[k];
      f.latencies.push(part.latencies);
      f.decisions += part.latencies.length;
      this.charts?.decisions(part.symbol, part.at, part.latencies);
      this.charts?.lags(part.symbol, part.lagAt, part.lags);
      f.lagSum += part.lagSum;
      f.lagCount += part.lagCount;
      f.lagMax = Math.max(f.lagMax, part.lagMax);
      f.ageMax = Math.max(f.ageMax, part.ageMax);
    }
    for (const raw of chunk.others) this.add(JSON.parse(raw) as TraceRecord);
  }

  /** Every record but decisions and heartbeats, which chunk-figures.ts sums. */
  private add(r: TraceRecord): void {
    this.charts?.record(r);
    const ts = String(r.ts);
    const symbol = typeof r.symbol === 'string' ? r.symbol : undefined;
    switch (r.event ?? r.type) {
      case EV.STALENESS_BREACH:
        this.breaches += 1;
        this.maxBreachAgeMs = Math.max(this.maxBreachAgeMs, Number(r.age_ms) || 0);
        if (symbol) this.figures(symbol).staleness.push({ from: ts, to: null });
        return;
      case EV.STALENESS_RECOVERED: {
        const open = symbol ? this.figures(symbol).staleness.find((w) => w.to === null) : undefined;
        if (open) open.to = ts;
        return;
      }
      case EV.ORDER_SUBMITTED:
      case EV.ORDER_FILLED:
      case EV.ORDER_REJECTED: {
        if (r.probe === true) {
          // The runner's kill-switch probe: never an order of the strategy's, so not in the order figures.
          this.killSwitch.probes += 1;
          return;
        }
        const kind = r.event === EV.ORDER_SUBMITTED ? 'submitted' : r.event === EV.ORDER_FILLED ? 'filled' : 'rejected';
        if (symbol) this.figures(symbol).orders[kind] += 1;
        if (this.halted && kind === 'rejected') this.killSwitch.rejectedAfter += 1;
        else if (this.halted) this.killSwitch.ordersAfter += 1;
        return;
      }
      case EV.KILL_SWITCH_DETECTED: {
        const presentAtStart = r.present_at_start === true;
        const delayMs = typeof r.detection_delay_ms === 'number' ? r.detection_delay_ms : null;
        if (this.killSwitch.detectedAt === null) {
          this.killSwitch.detectedAt = ts;
          this.killSwitch.delayMs = delayMs;
          this.killSwitch.presentAtStart = presentAtStart;
        }
        this.killSwitch.episodes.push({ at: ts, delayMs, presentAtStart, verified: false, verifiedAfterMs: null, verifyFailed: false });
        this.halted = true;
        return;
      }
      case EV.KILL_SWITCH_VERIFIED:
      case EV.KILL_SWITCH_VERIFY_FAILED: {
        // Only a proof that follows a detection counts, and only for that detection.
        const episode = this.killSwitch.episodes[this.killSwitch.episodes.length - 1];
        if (!episode) return;
        if (r.event === EV.KILL_SWITCH_VERIFY_FAILED) episode.verifyFailed = true;
        else if (!episode.verifyFailed) {
          episode.verified = true;
          episode.verifiedAfterMs = typeof r.since_detection_ms === 'number' ? r.since_detection_ms : null;
        }
        return;
      }
      case EV.TRADING_RESUMED:
        this.halted = false;
        this.killSwitch.resumedAt = ts;
        return;
      case EV.WEBSOCKET_DISCONNECT:
        this.disconnects.push({ at: ts, source: typeof r.source === 'string' ? r.source : undefined, recoveredAt: null, how: null, downtimeMs: null });
        return;
      case EV.RECONNECT_SUCCESS: {
        const open = this.disconnects.find((d) => d.recoveredAt === null && (d.source === undefined || d.source === r.source));
        if (open) {
          open.recoveredAt = ts;
          open.how = 'reconnect';
          open.downtimeMs = typeof r.downtime_ms === 'number' ? r.downtime_ms : null;
        }
        return;
      }
      case EV.FEED_FAILOVER:
        // The fallback took over: the primary's outage is covered, the run kept its data.
        for (const d of this.disconnects) {
          if (d.recoveredAt === null && d.source !== 'fallback') {
            d.recoveredAt = ts;
            d.how = 'failover';
          }
        }
        return;
      case EV.MEMORY_SAMPLE: {
        const at = Date.parse(ts);
        const rss = Number(r.rss);
        // Samples the runner marked as warm-up (growth null) are not a baseline.
        if (r.growth === null || r.growth === undefined) return;
        this.memorySamples += 1;
        const afterGc = r.after_gc === true;
        if (!afterGc) this.memoryNotAfterGc += 1;
        this.memory.add({ atMs: at, rss, heapUsed: Number(r.heap_used), external: Number(r.external), afterGc });
        return;
      }
      case EV.SYMBOL_ADDED:
        // The runner re-baselines here too; its next samples are warm-up (growth null) until it has.
        this.memory.rebaseline(Date.parse(ts));
        return;
      case EV.RUN_SUMMARY:
        this.summary = { decisions: r.decisions, orders: r.orders };
        return;
      case EV.RUN_STOPPED:
        this.endedAt = ts;
        return;
      default:
    }
  }

  /** One symbol's latencies, or every symbol's, in one new array. */
  latencies(symbol?: string): Float64Array {
    const parts = [...this.symbols].filter(([s]) => symbol === undefined || s === symbol).map(([, f]) => f.latencies);
    const all = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) at = p.copyTo(all, at);
    return all;
  }

  private figures(symbol: string): SymbolFigures {
    let f = this.symbols.get(symbol);
    if (!f) {
      f = { decisions: 0, actions: { BUY: 0, SELL: 0, HOLD: 0 }, latencies: new Float64Blocks(), lagSum: 0, lagCount: 0, lagMax: 0, ageMax: 0, staleness: [], orders: { submitted: 0, filled: 0, rejected: 0 } };
      this.symbols.set(symbol, f);
    }
    return f;
  }
}

const BLOCK = 1 << 16;

/**
 * Millions of numbers arriving a few dozen at a time, in fixed blocks of 64k: 8 bytes each plus at
 * most one part-filled block, where one array per arrival cost ~3× that in buffer overhead and a
 * doubling array up to 2× in copies.
 */
class Float64Blocks {
  private readonly blocks: Float64Array[] = [];
  private used = BLOCK;
  length = 0;

  push(values: Float64Array): void {
    for (let from = 0; from < values.length; ) {
      if (this.used === BLOCK) {
        this.blocks.push(new Float64Array(BLOCK));
        this.used = 0;
      }
      const n = Math.min(BLOCK - this.used, values.length - from);
      (this.blocks[this.blocks.length - 1] as Float64Array).set(values.subarray(from, from + n), this.used);
      this.used += n;
      from += n;
      this.length += n;
    }
  }

  /** Copies every value into `target` from `at`; returns where the next copy goes. */
  copyTo(target: Float64Array, at: number): number {
    let left = this.length;
    for (const block of this.blocks) {
      const n = Math.min(BLOCK, left);
      target.set(block.subarray(0, n), at);
      at += n;
      left -= n;
    }
    return at;
  }
}

