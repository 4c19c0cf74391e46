/**
 * The decision path shared by the live runner and `trader replay`: route an event to its symbol's
 * pipeline, refuse to decide on stale data, and log the decision record. Because both commands go
 * through this one class, a replay of a capture reproduces the live run's decisions.
 */
import { maxLagFor, priceLimitsFor, type Config } from '../config/schema.js';
import type { MarketEvent } from '../feeds/events.js';
import { SymbolPipeline, type Decision, type EventOutcome, type PipelineStep, type Verdict } from '../engine/pipeline.js';
import type { Journal, Level } from '../trace/journal.js';
import { RateLimiter } from '../util/rate-limiter.js';
import { round } from '../util/stats.js';

export type DropKind = Exclude<EventOutcome, 'accepted'>;
const DROP_KINDS: readonly DropKind[] = ['duplicate', 'out_of_order', 'late', 'bad_value', 'outlier'];

export interface SymbolCounters {
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
  decisions: number;
  skippedStale: number;
  latencies: number[];
}

/** What one event did: how many events it let through (liveness counts these) and the decisions logged. */
interface PathStep {
  accepted: number;
  decisions: Decision[];
}

/** One line per kind per symbol per second at most; the rest counted in `suppressed`/`total`. */
const PER_EVENT_LOG_INTERVAL_MS = 1000;

interface LimitedLine {
  level: Level;
  event: string;
  symbol: string;
  kind: string | undefined;
}

export class DecisionPath {
  private readonly pipelines = new Map<string, SymbolPipeline>();
  readonly counters = new Map<string, SymbolCounters>();
  private readonly limiter = new RateLimiter(PER_EVENT_LOG_INTERVAL_MS);
  private readonly limitedLines = new Map<string, LimitedLine>();

  constructor(
    private readonly config: Config,
    private readonly journal: Journal,
    /** The clock decisions are stamped with: the wall clock live, the capture's receipt time in replay. */
    private readonly now: () => number,
  ) {}

  get symbols(): string[] {
    return [...this.pipelines.keys()];
  }

  has(symbol: string): boolean {
    return this.pipelines.has(symbol);
  }

  add(symbol: string): void {
    if (this.pipelines.has(symbol)) return;
    const { decision, data_quality: dq } = this.config;
    const band = priceLimitsFor(this.config, symbol);
    this.pipelines.set(
      symbol,
      new SymbolPipeline(symbol, decision.bar_interval, decision.strategy.params, {
        maxSeqJump: dq.max_seq_jump,
        prices: { maxSkewMs: dq.max_clock_skew, bandPct: band.price_band_pct, maxSize: band.max_size, reanchorAfter: dq.reanchor_after },
      }),
    );
    if (!this.counters.has(symbol)) {
      const byKind = Object.fromEntries(DROP_KINDS.map((k) => [k, 0])) as Record<DropKind, number>;
      this.counters.set(symbol, { events: 0, accepted: 0, dropped: 0, byKind, held: 0, droppedSinceAccepted: 0, gaps: 0, resets: 0, reanchors: 0, decisions: 0, skippedStale: 0, latencies: [] });
    }
  }

  remove(symbol: string): void {
    this.pipelines.delete(symbol);
  }

  /** A disconnect: every symbol's open and next bar may miss data. */
  markDataGap(): void {
    for (const pipeline of this.pipelines.values()) pipeline.markDataGap();
  }

  /** A different source (failover) numbers its events afresh; a suspect held from the old one is dropped. */
  resetSequences(): void {
    for (const [symbol, pipeline] of this.pipelines) {
      const verdict = pipeline.resetSequence();
      const counters = this.counters.get(symbol);
      if (verdict && counters) this.count(symbol, [verdict], counters, pipeline);
    }
  }

  quote(symbol: string): { bid: number; ask: number } | null {
    return this.pipelines.get(symbol)?.currentQuote ?? null;
  }

  /**
   * Feeds one event received at `recvMs` (the wall clock live, the capture's receipt time in
   * replay: the data-quality rules read no other clock). Returns how many events reached the bars
   * (a held event can be released by a later one) and the decisions logged on fresh data.
   */
  onEvent(event: MarketEvent, recvMs: number, recvNs: bigint): PathStep {
    const pipeline = this.pipelines.get(event.symbol);
    const counters = this.counters.get(event.symbol);
    if (!pipeline || !counters) return { accepted: 0, decisions: [] };
    counters.events += 1;
    const step = pipeline.onEvent(event, recvMs);
    // A gap or reset is logged before the verdicts it explains.
    this.record(event.symbol, step, counters);
    const accepted = this.count(event.symbol, step.verdicts, counters, pipeline);
    const logged: Decision[] = [];
    for (const decision of step.decisions) {
      const lagMs = recvMs - decision.trigger.exchTs;
      if (lagMs > maxLagFor(this.config, event.symbol)) {
        // A bar closed by data older than the staleness budget is not decided on.
        counters.skippedStale += 1;
        this.journal.event('warn', 'DECISION_SKIPPED', `symbol=${event.symbol} reason=STALE_DATA lag=${Math.round(lagMs)}ms`, { symbol: event.symbol, reason: 'STALE_DATA', lag_ms: round(lagMs, 1) });
        continue;
      }
      this.log(decision, recvNs, counters);
      logged.push(decision);
    }
    return { accepted, decisions: logged };
  }

  /**
   * Writes the summary line of every kind whose lines were suppressed and whose interval has passed
   * (all of them when `force`, at the end of a run), so the counts in the log add up.
   */
  flushLimited(force: boolean): void {
    for (const due of this.limiter.due(this.now(), force)) {
      const line = this.limitedLines.get(due.key);
      if (!line) continue;
      const kind = line.kind === undefined ? '' : `kind=${line.kind} `;
      this.journal.event(line.level, line.event, `symbol=${line.symbol} ${kind}suppressed=${due.suppressed} total=${due.total}`, { symbol: line.symbol, ...(line.kind === undefined ? {} : { kind: line.kind }), suppressed: due.suppressed, total: due.total });
    }
  }

  /** Counts the verdicts (exactly: RUN_SUMMARY) and logs the drops rate-limited; returns how many were accepted. */
  private count(symbol: string, verdicts: Verdict[], counters: SymbolCounters, pipeline: SymbolPipeline): number {
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
    counters.held = pipeline.holding;
    return accepted;
  }

  private record(symbol: string, step: PipelineStep, counters: SymbolCounters): void {
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
      this.limited('warn', 'PRICE_REANCHORED', symbol, undefined, `from=${reanchored.from} to=${reanchored.to} (${this.config.data_quality.reanchor_after} consecutive events agreed outside the band)`, { ...reanchored });
    }
  }

  /** A per-event line, written only when the rate limiter allows, with the running counts. */
  private limited(level: Level, event: string, symbol: string, kind: string | undefined, text: string, fields: Record<string, string | number | null>): void {
    const key = `${event}|${symbol}|${kind ?? ''}`;
    const hit = this.limiter.hit(key, this.now());
    if (!this.limitedLines.has(key)) this.limitedLines.set(key, { level, event, symbol, kind });
    if (!hit) return;
    const kindText = kind === undefined ? '' : `kind=${kind} `;
    this.journal.event(level, event, `symbol=${symbol} ${kindText}${text} total=${hit.total} suppressed=${hit.suppressed}`, { symbol, ...(kind === undefined ? {} : { kind }), ...fields, total: hit.total, suppressed: hit.suppressed });
  }

  private log(decision: Decision, recvNs: bigint, counters: SymbolCounters): void {
    const now = this.now();
    const trigger = decision.trigger;
    const latencyMs = round(Math.max(0, now - trigger.exchTs), 3);
    const processingUs = Number((process.hrtime.bigint() - recvNs) / 1000n);
    const { symbol, output } = decision;
    const latencyText = latencyMs < 10 ? latencyMs.toFixed(1) : String(Math.round(latencyMs));
    this.journal.decision(
      {
        msg: `DECISION_LOGGED: symbol=${symbol} action=${output.action} confidence=${output.confidence.toFixed(2)} latency=${latencyText}ms`,
        symbol,
        action: output.action,
        confidence: output.confidence,
        latency_ms: latencyMs,
        processing_us: processingUs,
        bar_start: decision.bar.start,
        bar_end: decision.bar.end,
        trigger_seq: trigger.seq,
        trigger_ts: trigger.exchTs,
        inputs: decision.inputs,
        inputs_digest: decision.inputsDigest,
        output_digest: decision.outputDigest,
        ...(decision.dataGap ? { data_gap: true } : {}),
      },
      now,
    );
    counters.decisions += 1;
    counters.latencies.push(latencyMs);
  }
}
