/**
 * What the data-quality rules did, per symbol: exact counts for RUN_SUMMARY, and the per-event
 * lines (SEQUENCE_GAP, SEQUENCE_RESET, PRICE_REANCHORED, EVENT_REJECTED, EVENT_DROPPED) written
 * through one rate limiter, each with its running `total` and how many were `suppressed`. Shared
 * by the live runner and `trader replay` through the decision path; it only counts and logs, it
 * never decides what is accepted (that is the pipeline's job).
 */
import type { PipelineStep, Verdict } from '../engine/pipeline.js';
import type { DataCounters } from '../telemetry/run-stats.js';
import type { Bus } from '../core/bus.js';
import { EV, type RunEvent } from '../core/events.js';
import { RateLimiter } from '../util/rate-limiter.js';

/** One line per event, symbol and kind per second at most; the rest counted in `suppressed`/`total`. */
const PER_EVENT_LOG_INTERVAL_MS = 1000;

interface Counts {
  total: number;
  suppressed: number;
}

export class DataQualityLog {
  private readonly limiter = new RateLimiter(PER_EVENT_LOG_INTERVAL_MS);
  /** Per limiter key, the summary line of the occurrences it suppressed. */
  private readonly summaries = new Map<string, (counts: Counts) => RunEvent>();

  constructor(
    private readonly bus: Bus,
    /** The wall clock live, the capture's receipt time in replay: it paces the lines, never a decision. */
    private readonly now: () => number,
    private readonly reanchorAfter: number,
  ) {}

  /** Records one pipeline step: the gap or reset first (it explains the verdicts), then the verdicts. Returns how many were accepted. */
  step(symbol: string, step: PipelineStep, counters: DataCounters, holding: number): number {
    const { gap, reset, reanchored } = step;
    if (gap) {
      counters.gaps += 1;
      this.limited(`${EV.SEQUENCE_GAP}|${symbol}|`, (c) => ({ name: EV.SEQUENCE_GAP, symbol, ...c, detail: { ...gap } }), (c) => ({ name: EV.SEQUENCE_GAP, symbol, ...c }));
    }
    if (reset) {
      counters.resets += 1;
      this.limited(`${EV.SEQUENCE_RESET}|${symbol}|`, (c) => ({ name: EV.SEQUENCE_RESET, symbol, ...c, detail: { ...reset } }), (c) => ({ name: EV.SEQUENCE_RESET, symbol, ...c }));
    }
    if (reanchored) {
      counters.reanchors += 1;
      const reanchor_after = this.reanchorAfter;
      this.limited(`${EV.PRICE_REANCHORED}|${symbol}|`, (c) => ({ name: EV.PRICE_REANCHORED, symbol, ...c, detail: { ...reanchored }, reanchor_after }), (c) => ({ name: EV.PRICE_REANCHORED, symbol, ...c, reanchor_after }));
    }
    return this.verdicts(symbol, step.verdicts, counters, holding);
  }

  /** Counts verdicts exactly and logs the drops rate-limited; returns how many were accepted. */
  verdicts(symbol: string, verdicts: Verdict[], counters: DataCounters, holding: number): number {
    let accepted = 0;
    for (const v of verdicts) {
      if (v.outcome === 'accepted') {
        accepted += 1;
        counters.droppedSinceAccepted = 0;
        continue;
      }
      counters.dropped += 1;
      counters.byKind[v.outcome] += 1;
      counters.droppedSinceAccepted += 1;
      // Routine drops (a rotation's overlap, a resent event) are info; implausible content is a warning.
      const name = v.outcome === 'bad_value' || v.outcome === 'outlier' ? EV.EVENT_REJECTED : EV.EVENT_DROPPED;
      const kind = v.outcome;
      const detail = { seq: v.event.seq, detail: v.detail ?? null };
      this.limited(`${name}|${symbol}|${kind}`, (c) => ({ name, symbol, kind, ...c, detail }), (c) => ({ name, symbol, kind, ...c }));
    }
    counters.accepted += accepted;
    counters.held = holding;
    return accepted;
  }

  /**
   * Writes the summary line of every kind whose lines were suppressed and whose interval has passed
   * (all of them when `force`, at the end of a run), so the highest `total` of a kind is exact.
   */
  flush(force: boolean): void {
    for (const due of this.limiter.due(this.now(), force)) {
      const summary = this.summaries.get(due.key);
      if (summary) this.bus.emit(summary({ total: due.total, suppressed: due.suppressed }));
    }
  }

  private limited(key: string, occurrence: (counts: Counts) => RunEvent, summary: (counts: Counts) => RunEvent): void {
    const hit = this.limiter.hit(key, this.now());
    if (!this.summaries.has(key)) this.summaries.set(key, summary);
    if (hit) this.bus.emit(occurrence({ total: hit.total, suppressed: hit.suppressed }));
  }
}
