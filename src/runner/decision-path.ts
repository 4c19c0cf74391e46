/**
 * The decision path shared by the live runner and `trader replay`: route an event to its symbol's
 * pipeline, refuse to decide on stale data, and log the decision record. Because both commands go
 * through this one class, a replay of a capture reproduces the live run's decisions.
 */
import { maxLagFor, priceLimitsFor, type Config } from '../config/schema.js';
import type { MarketEvent } from '../feeds/events.js';
import { SymbolPipeline, type Decision, type FailedDecision } from '../engine/pipeline.js';
import { StrategyViolation } from '../strategy/failures.js';
import type { Strategy } from '../strategy/types.js';
import type { Bus } from '../core/bus.js';
import { EV } from '../core/events.js';
import { decisionMsg } from '../trace/decision-line.js';
import { round } from '../util/stats.js';
import type { RunStats } from '../telemetry/run-stats.js';
import { clean } from './strategy-log.js';
import { DataQualityLog } from './data-quality-log.js';
import { append, NONE } from '../util/lists.js';

/**
 * What one event did: how many events it let through (liveness counts these), the decisions
 * logged, and the symbols whose strategy failed on it (the caller halts their trading).
 */
interface PathStep {
  accepted: number;
  decisions: Decision[];
  halted: string[];
}

export class DecisionPath {
  private readonly pipelines = new Map<string, SymbolPipeline>();
  private readonly quality: DataQualityLog;
  /** The strategy cannot answer any symbol any more (its process is gone): no pipeline decides. */
  private strategyGone = false;

  constructor(
    private readonly config: Config,
    private readonly strategy: Strategy,
    private readonly bus: Bus,
    /** The run's statistics: the data-quality counts go here (decisions are folded from the bus). */
    private readonly stats: RunStats,
    /** The clock decisions are stamped with: the wall clock live, the capture's receipt time in replay. */
    private readonly now: () => number,
  ) {
    this.quality = new DataQualityLog(bus, now, config.data_quality.reanchor_after);
  }

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
    const pipeline = new SymbolPipeline(symbol, decision.bar_interval, this.strategy, {
      maxSeqJump: dq.max_seq_jump,
      prices: { maxSkewMs: dq.max_clock_skew, bandPct: band.price_band_pct, maxSize: band.max_size, reanchorAfter: dq.reanchor_after },
    });
    if (this.strategyGone) pipeline.stopDeciding();
    this.pipelines.set(symbol, pipeline);
    this.stats.symbol(symbol);
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
      if (verdict) this.quality.verdicts(symbol, [verdict], this.stats.symbol(symbol), pipeline.holding);
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
    if (!pipeline) return { accepted: 0, decisions: NONE, halted: NONE };
    const counters = this.stats.symbol(event.symbol);
    counters.events += 1;
    const step = pipeline.onEvent(event, recvMs);
    const accepted = this.quality.step(event.symbol, step, counters, pipeline.holding);
    let logged: Decision[] = NONE;
    for (const decision of step.decisions) {
      const lagMs = recvMs - decision.trigger.exchTs;
      if (lagMs > maxLagFor(this.config, event.symbol)) {
        // A bar closed by data older than the staleness budget is not decided on.
        this.bus.emit({ name: EV.DECISION_SKIPPED, symbol: event.symbol, reason: 'STALE_DATA', lag_ms: lagMs });
        continue;
      }
      this.log(decision, recvNs);
      logged = append(logged, decision);
    }
    const halted = step.failures.length === 0 ? NONE : step.failures.flatMap((f) => this.failed(f));
    return { accepted, decisions: logged, halted };
  }

  /** The strategy cannot answer any symbol any more: nothing decides, symbols added later included. */
  get strategyStopped(): boolean {
    return this.strategyGone;
  }

  /** The strategy is gone for good (its process exited): no symbol decides again. Returns every symbol. */
  stopDeciding(): string[] {
    this.strategyGone = true;
    for (const pipeline of this.pipelines.values()) pipeline.stopDeciding();
    return this.symbols;
  }

  /**
   * A bar the strategy could not decide on: one ERROR line (never a decision record, and without
   * `latency=`, which marks decisions only), and the symbols to halt: this one, or every one when
   * the strategy cannot answer any more.
   */
  private failed(f: FailedDecision): string[] {
    const { symbol, error } = f;
    const strategy = `${this.strategy.identity.name}@${this.strategy.identity.version}`;
    const at = { symbol, strategy, bar_start: f.bar.start, bar_end: f.bar.end, trigger_seq: f.trigger.seq, detail: clean(error.message, 200) };
    if (error instanceof StrategyViolation) {
      this.bus.emit({ name: EV.STRATEGY_VIOLATION, ...at, call: error.call });
      return [symbol];
    }
    this.bus.emit({ name: EV.DECISION_FAILED, ...at, kind: error.kind, fatal: error.fatal });
    return error.fatal ? this.stopDeciding() : [symbol];
  }

  /** The rate-limited per-event lines' summaries (see DataQualityLog.flush). */
  flushLimited(force: boolean): void {
    this.quality.flush(force);
  }

  private log(decision: Decision, recvNs: bigint): void {
    const now = this.now();
    const trigger = decision.trigger;
    const latencyMs = round(Math.max(0, now - trigger.exchTs), 3);
    const processingUs = Number((process.hrtime.bigint() - recvNs) / 1000n);
    const { symbol, output } = decision;
    this.bus.emit({
      name: EV.DECISION_LOGGED,
      record: {
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
        ...(output.reason === undefined ? {} : { reason: output.reason }),
        ...(decision.dataGap ? { data_gap: true } : {}),
      },
      now,
      inputsText: decision.inputsText,
    });
  }
}
