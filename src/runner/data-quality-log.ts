/**
 * What the data-quality rules did, per symbol: exact counts for RUN_SUMMARY, and the per-event
 * lines (SEQUENCE_GAP, SEQUENCE_RESET, PRICE_REANCHORED, EVENT_REJECTED, EVENT_DROPPED) written
 * through one rate limiter, each with its running `total` and how many were `suppressed`. Shared
 * by the live runner and `trader replay` through the decision path; it only counts and logs, it
 * never decides what is accepted (that is the pipeline's job).
 */
import type { EventOutcome, PipelineStep, Verdict } from '../engine/pipeline.js';
import type { Journal } from '../trace/journal.js';
import type { Level } from '../trace/log-line.js';
import { RateLimiter } from '../util/rate-limiter.js';

export type DropKind = Exclude<EventOutcome, 'accepted'>;
const DROP_KINDS: readonly DropKind[] = ['duplicate', 'out_of_order', 'late', 'bad_value', 'outlier'];

export interface DataCounters {
  /** Events received for the symbol. */
  events: number;
  /** Events that reached bars and VWAP. */
  accepted: number;
  /** Events not accepted, all kinds: events = accepted + dropped + held. */
  dropped: number;
  byKind: Record<DropKind, number>;
  /** Events held for confirmation at this moment (a far sequence jump, an unconfirmed first price). */
  held: number;
  /** Events not accepted since the last accepted one: a symbol whose data is all being dropped shows here. */
  droppedSinceAccepted: number;
  gaps: number;
  resets: number;
  reanchors: number;
}

export function newDataCounters(): DataCounters {
  const byKind = Object.fromEntries(DROP_KINDS.map((k) => [k, 0])) as Record<DropKind, number>;
  return { events: 0, accepted: 0, dropped: 0, byKind, held: 0, droppedSinceAccepted: 0, gaps: 0, resets: 0, reanchors: 0 };
}

/** One line per event, symbol and kind per second at most; the rest counted in `suppressed`/`total`. */
const PER_EVENT_LOG_INTERVAL_MS = 1000;

interface LimitedLine {
  level: Level;
  event: string;
  symbol: string;
  kind: string | undefined;
}

export class DataQualityLog {
  private readonly limiter = new RateLimiter(PER_EVENT_LOG_INTERVAL_MS);
  private readonly lines = new Map<string, LimitedLine>();

  constructor(
    private readonly journal: Journal,
    /** The wall clock live, the capture's receipt time in replay: it paces the lines, never a decision. */
    private readonly now: () => number,
    private readonly reanchorAfter: number,
  ) {}

  /** Records one pipeline step: the gap or reset first (it explains the verdicts), then the verdicts. Returns how many were accepted. */
  step(symbol: string, step: PipelineStep, counters: DataCounters, holding: number): number {
    const { gap, reset, reanchored } = step;
    if (gap) {
      counters.gaps += 1;
      this.limited('warn', 'SEQUENCE_GAP', symbol, undefined, `expected=${gap.expected} received=${gap.received} missing=${gap.missing}`, { ...gap });
    }
    if (reset) {
      counters.resets += 1;
      this.limited('warn', 'SEQUENCE_RESET', symbol, undefined, `from=${reset.from} to=${reset.to} (the next event continued from it: resync, nearby decisions marked data_gap)`, { ...reset });
    }
    if (reanchored) {
      counters.reanchors += 1;
      this.limited('warn', 'PRICE_REANCHORED', symbol, undefined, `from=${reanchored.from} to=${reanchored.to} (${this.reanchorAfter} consecutive events agreed outside the band)`, { ...reanchored });
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
      const rejected = v.outcome === 'bad_value' || v.outcome === 'outlier';
      this.limited(rejected ? 'warn' : 'info', rejected ? 'EVENT_REJECTED' : 'EVENT_DROPPED', symbol, v.outcome, `seq=${v.event.seq} detail="${v.detail ?? ''}"`, { seq: v.event.seq, detail: v.detail ?? null });
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
      const line = this.lines.get(due.key);
      if (!line) continue;
      const kind = line.kind === undefined ? '' : `kind=${line.kind} `;
      this.journal.event(line.level, line.event, `symbol=${line.symbol} ${kind}suppressed=${due.suppressed} total=${due.total}`, { symbol: line.symbol, ...(line.kind === undefined ? {} : { kind: line.kind }), suppressed: due.suppressed, total: due.total });
    }
  }

  private limited(level: Level, event: string, symbol: string, kind: string | undefined, text: string, fields: Record<string, string | number | null>): void {
    const key = `${event}|${symbol}|${kind ?? ''}`;
    const hit = this.limiter.hit(key, this.now());
    if (!this.lines.has(key)) this.lines.set(key, { level, event, symbol, kind });
    if (!hit) return;
    const kindText = kind === undefined ? '' : `kind=${kind} `;
    this.journal.event(level, event, `symbol=${symbol} ${kindText}${text} total=${hit.total} suppressed=${hit.suppressed}`, { symbol, ...(kind === undefined ? {} : { kind }), ...fields, total: hit.total, suppressed: hit.suppressed });
  }
}
