/**
 * The decision path shared by the live runner and `trader replay`: route an event to its symbol's
 * pipeline, refuse to decide on stale data, and log the decision record. Because both commands go
 * through this one class, a replay of a capture reproduces the live run's decisions.
 */
import { maxLagFor, type Config } from '../config/schema.js';
import type { MarketEvent } from '../feeds/events.js';
import { SymbolPipeline, type Decision } from '../engine/pipeline.js';
import type { Journal } from '../trace/journal.js';
import { decisionMsg } from '../trace/decision-line.js';
import { round } from '../util/stats.js';

export interface SymbolCounters {
  events: number;
  dropped: number;
  gaps: number;
  decisions: number;
  skippedStale: number;
  latencies: number[];
}

export class DecisionPath {
  private readonly pipelines = new Map<string, SymbolPipeline>();
  readonly counters = new Map<string, SymbolCounters>();

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
    const { decision } = this.config;
    this.pipelines.set(symbol, new SymbolPipeline(symbol, decision.bar_interval, decision.strategy.params));
    if (!this.counters.has(symbol)) this.counters.set(symbol, { events: 0, dropped: 0, gaps: 0, decisions: 0, skippedStale: 0, latencies: [] });
  }

  remove(symbol: string): void {
    this.pipelines.delete(symbol);
  }

  /** A disconnect: every symbol's open and next bar may miss data. */
  markDataGap(): void {
    for (const pipeline of this.pipelines.values()) pipeline.markDataGap();
  }

  /** A different source (failover) numbers its events afresh. */
  resetSequences(): void {
    for (const pipeline of this.pipelines.values()) pipeline.resetSequence();
  }

  quote(symbol: string): { bid: number; ask: number } | null {
    return this.pipelines.get(symbol)?.currentQuote ?? null;
  }

  /** Feeds one event; returns the logged decision, if the event closed a bar on fresh data. */
  onEvent(event: MarketEvent, recvMs: number, recvNs: bigint): Decision | undefined {
    const pipeline = this.pipelines.get(event.symbol);
    const counters = this.counters.get(event.symbol);
    if (!pipeline || !counters) return undefined;
    counters.events += 1;
    const { outcome, decision, gap } = pipeline.onEvent(event);
    // Dropped events are counted (RUN_SUMMARY), not logged one by one: a duplicate flood must not flood the trace.
    if (outcome !== 'accepted') counters.dropped += 1;
    if (gap) {
      counters.gaps += 1;
      this.journal.event('warn', 'SEQUENCE_GAP', `symbol=${event.symbol} expected=${gap.expected} received=${gap.received} missing=${gap.missing}`, { symbol: event.symbol, ...gap });
    }
    if (!decision) return undefined;
    const lagMs = recvMs - event.exchTs;
    if (lagMs > maxLagFor(this.config, event.symbol)) {
      // A bar closed by data older than the staleness budget is not decided on.
      counters.skippedStale += 1;
      this.journal.event('warn', 'DECISION_SKIPPED', `symbol=${event.symbol} reason=STALE_DATA lag=${Math.round(lagMs)}ms`, { symbol: event.symbol, reason: 'STALE_DATA', lag_ms: round(lagMs, 1) });
      return undefined;
    }
    this.log(decision, event, recvNs, counters);
    return decision;
  }

  private log(decision: Decision, trigger: MarketEvent, recvNs: bigint, counters: SymbolCounters): void {
    const now = this.now();
    const latencyMs = round(Math.max(0, now - trigger.exchTs), 3);
    const processingUs = Number((process.hrtime.bigint() - recvNs) / 1000n);
    const { symbol, output } = decision;
    this.journal.decision(
      {
        msg: decisionMsg({ symbol, action: output.action, confidence: output.confidence, latency_ms: latencyMs }),
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
