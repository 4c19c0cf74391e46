/**
 * One symbol's decision path: events → event-time bars → strategy → decision. It owns only that
 * symbol's state; the runner keeps one per symbol, which is what makes symbols independent.
 */
import type { MarketEvent } from '../feeds/events.js';
import { StrategyFailure, StrategyViolation } from '../strategy/failures.js';
import type { Strategy, StrategyInputs, StrategyOutput } from '../strategy/types.js';
import { inputsTextAndDigest, outputDigestOf } from '../trace/decision-line.js';
import { BarBuilder, round6, type Bar } from './bars.js';
import { PriceGuard, type Judged, type PriceLimits } from './price-guard.js';
import { SequenceGuard, type SequenceGap, type SequenceReset } from './sequence-guard.js';
import { append, NONE } from '../util/lists.js';

/** Everything the strategy sees for one decision; recorded verbatim in the trace. */
export type DecisionInputs = StrategyInputs;

export interface Decision {
  symbol: string;
  bar: Bar;
  /** The event that closed the bar (its exchange time is the decision's latency origin). */
  trigger: MarketEvent;
  inputs: DecisionInputs;
  output: StrategyOutput;
  inputsDigest: string;
  /** The inputs' canonical text, which inputsDigest hashes: the trace line carries this same text. */
  inputsText: string;
  outputDigest: string;
  /** The bar may miss data: a sequence gap or a disconnect fell inside it or just before it. */
  dataGap: boolean;
}

/** A bar closed but the strategy could not decide on it: the symbol must stop trading. */
export interface FailedDecision {
  symbol: string;
  bar: Bar;
  trigger: MarketEvent;
  error: StrategyViolation | StrategyFailure;
}

export type EventOutcome = 'accepted' | 'duplicate' | 'out_of_order' | 'late' | 'bad_value' | 'outlier';

/** What happened to one event; an event held for confirmation gets its verdict in a later step. */
export interface Verdict {
  event: MarketEvent;
  outcome: EventOutcome;
  /** Why it was not accepted. */
  detail?: string;
}

export interface PipelineStep {
  /** The verdicts settled by this event, in order: possibly an earlier held event's, then its own. */
  verdicts: Verdict[];
  /** The event itself is held for confirmation (a far sequence jump, or a first price). */
  held: boolean;
  /** Decisions on the bars this step closed, in order. */
  decisions: Decision[];
  /** Bars this step closed on which the strategy failed (at most one: the pipeline stops deciding after it). */
  failures: FailedDecision[];
  gap?: SequenceGap;
  reset?: SequenceReset;
  reanchored?: { from: number; to: number };
}

interface PipelineLimits {
  maxSeqJump: number;
  prices: PriceLimits;
}

export class SymbolPipeline {
  private readonly bars: BarBuilder;
  private readonly history: Bar[] = [];
  private notional = 0;
  private volume = 0;
  private quote: { bid: number; ask: number } | null = null;
  private readonly sequence: SequenceGuard<Judged & { seq: number; ts: number }>;
  private readonly prices: PriceGuard;
  private gapInOpenBar = false;
  private gapInNextBar = false;
  /** The strategy failed on this symbol once: it is not trusted with it again in this run. */
  private deciding = true;

  constructor(
    readonly symbol: string,
    barIntervalMs: number,
    private readonly strategy: Strategy,
    limits: PipelineLimits,
  ) {
    this.bars = new BarBuilder(barIntervalMs);
    this.sequence = new SequenceGuard(limits.maxSeqJump);
    this.prices = new PriceGuard(limits.prices);
  }

  /**
   * Feeds one event received at `recvMs`. The rules, deterministic and per symbol, in order:
   * 1. the sequence rule (sequence-guard.ts): duplicates and out-of-order events dropped, gaps
   *    recorded, a far jump held until the next event confirms it (SEQUENCE_RESET) or not
   *    (`bad_value`);
   * 2. the plausibility rule (price-guard.ts): clock skew → `bad_value`, size or price band →
   *    `outlier`, the first price held until a second agrees;
   * 3. exchange time before the open bar: dropped as `late` (a closed bar is never reopened).
   * Only what passes all three reaches bars and VWAP, and only that moves the sequence ceiling.
   */
  onEvent(event: MarketEvent, recvMs: number): PipelineStep {
    const step: PipelineStep = { verdicts: NONE, held: false, decisions: NONE, failures: NONE };
    const seqStep = this.sequence.check({ event, recvMs, seq: event.seq, ts: event.exchTs });
    // Indexed loops: for…of over these (mostly shared, frozen) empty lists allocated an iterator per event.
    for (let i = 0; i < seqStep.dropped.length; i += 1) {
      const d = seqStep.dropped[i];
      step.verdicts = append(step.verdicts, { event: d.item.event, outcome: d.kind, detail: d.detail });
    }
    step.held = seqStep.held;
    if (seqStep.gap) {
      step.gap = seqStep.gap;
      this.markDataGap();
    }
    if (seqStep.reset) {
      step.reset = seqStep.reset;
      this.markDataGap();
    }
    for (let i = 0; i < seqStep.take.length; i += 1) {
      const item = seqStep.take[i];
      const priceStep = this.prices.check(item);
      for (let j = 0; j < priceStep.dropped.length; j += 1) {
        const d = priceStep.dropped[j];
        step.verdicts = append(step.verdicts, { event: d.item.event, outcome: d.kind, detail: d.detail });
      }
      if (priceStep.held && item.event === event) step.held = true;
      if (priceStep.reanchored) step.reanchored = priceStep.reanchored;
      for (let j = 0; j < priceStep.take.length; j += 1) this.feed(priceStep.take[j].event, step);
    }
    return step;
  }

  /** How many events are held for confirmation (0, 1 or 2): they have no verdict yet. */
  get holding(): number {
    return (this.sequence.holding ? 1 : 0) + (this.prices.holding ? 1 : 0);
  }

  private feed(event: MarketEvent, step: PipelineStep): void {
    const open = this.bars.openBarStart;
    if (open !== undefined && event.exchTs < open) {
      step.verdicts = append(step.verdicts, { event, outcome: 'late', detail: `exchange time before the open bar (${new Date(open).toISOString()})` });
      return;
    }
    if (!this.sequence.commit({ seq: event.seq, ts: event.exchTs })) {
      step.verdicts = append(step.verdicts, { event, outcome: 'duplicate', detail: `seq=${event.seq} already accepted` });
      return;
    }
    step.verdicts = append(step.verdicts, { event, outcome: 'accepted' });
    const closed = this.bars.add(event);
    if (closed) this.decideOn(closed, event, step);
    // The triggering event belongs to the next bar: it updates state only after the decision.
    if (event.kind === 'trade') {
      this.notional += event.price * event.size;
      this.volume += event.size;
    } else {
      this.quote = { bid: event.bid, ask: event.ask };
    }
  }

  /**
   * Data may be missing around now (a disconnect, a gap): the open bar and the next one are marked,
   * since the missing events could belong to either.
   */
  markDataGap(): void {
    this.gapInOpenBar = true;
    this.gapInNextBar = true;
  }

  /** A new source (failover) numbers its events afresh; returns the verdict on a held suspect of the old one. */
  resetSequence(): Verdict | undefined {
    const held = this.sequence.reset();
    return held ? { event: held.event, outcome: 'bad_value', detail: `seq=${held.seq} held when the source changed` } : undefined;
  }

  /** No more decisions for this symbol (its strategy failed, or is gone); bars and VWAP go on. */
  stopDeciding(): void {
    this.deciding = false;
  }

  get currentQuote(): { bid: number; ask: number } | null {
    return this.quote;
  }

  private decideOn(bar: Bar, trigger: MarketEvent, step: PipelineStep): void {
    this.history.push(bar);
    if (this.history.length > this.strategy.lookback) this.history.shift();
    const dataGap = this.gapInOpenBar;
    this.gapInOpenBar = this.gapInNextBar;
    this.gapInNextBar = false;
    if (!this.deciding) return;
    // Keys in sorted order (see canonicalJson): the digest is then a single native stringify.
    const inputs: DecisionInputs = {
      bars: this.history.map((b) => ({ ...b })),
      quote: this.quote ? { ask: this.quote.ask, bid: this.quote.bid } : null,
      session_volume: this.volume,
      session_vwap: this.volume > 0 ? round6(this.notional / this.volume) : bar.close,
      symbol: this.symbol,
    };
    let output: StrategyOutput;
    try {
      output = this.strategy.decide(inputs, this.strategy.params);
    } catch (error) {
      // The contract (src/strategy/types.ts): decide throws these two and nothing else; anything else is a bug of ours.
      if (!(error instanceof StrategyViolation || error instanceof StrategyFailure)) throw error;
      this.deciding = false;
      step.failures = append(step.failures, { symbol: this.symbol, bar, trigger, error });
      return;
    }
    const canonical = inputsTextAndDigest(inputs);
    step.decisions = append(step.decisions, { symbol: this.symbol, bar, trigger, inputs, output, inputsDigest: canonical.digest, inputsText: canonical.text, outputDigest: outputDigestOf(output), dataGap });
  }
}
