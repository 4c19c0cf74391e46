/**
 * One symbol's decision path: events → event-time bars → strategy → decision. It owns only that
 * symbol's state; the runner keeps one per symbol, which is what makes symbols independent.
 */
import type { StrategyParams } from '../config/schema.js';
import type { MarketEvent } from '../feeds/events.js';
import { digest } from '../util/canonical.js';
import { BarBuilder, round6, type Bar } from './bars.js';
import { decide, type DecisionInputs, type DecisionOutput } from './strategy.js';

export interface Decision {
  symbol: string;
  bar: Bar;
  inputs: DecisionInputs;
  output: DecisionOutput;
  inputsDigest: string;
  outputDigest: string;
  /** The bar may miss data: a sequence gap or a disconnect fell inside it or just before it. */
  dataGap: boolean;
}

export type EventOutcome = 'accepted' | 'duplicate' | 'out_of_order' | 'late';

export interface SequenceGap {
  expected: number;
  received: number;
  missing: number;
}

/** How many recent sequence numbers are remembered to tell a duplicate from an out-of-order event. */
const SEEN_WINDOW = 4096;

export class SymbolPipeline {
  private readonly bars: BarBuilder;
  private readonly history: Bar[] = [];
  private notional = 0;
  private volume = 0;
  private quote: { bid: number; ask: number } | null = null;
  private lastSeq = 0;
  private readonly seen = new Set<number>();
  private gapInOpenBar = false;
  private gapInNextBar = false;

  constructor(
    readonly symbol: string,
    barIntervalMs: number,
    private readonly params: StrategyParams,
  ) {
    this.bars = new BarBuilder(barIntervalMs);
  }

  /**
   * Feeds one event. The ordering rule, deterministic and per symbol:
   * - seq not above the highest seen: dropped, as `duplicate` when that seq was seen (within the
   *   last 4096) and `out_of_order` otherwise — events are taken in the order received, a missing
   *   event that arrives after its successors does not rewrite history;
   * - seq more than one above the highest: accepted, and the gap is returned for the record;
   * - exchange time before the open bar: dropped as `late` (a closed bar is never reopened).
   * Events without a sequence (seq 0) are only subject to the time rule.
   * Returns the decision when the event closed a bar.
   */
  onEvent(event: MarketEvent): { outcome: EventOutcome; decision?: Decision; gap?: SequenceGap } {
    let gap: SequenceGap | undefined;
    if (event.seq > 0) {
      if (event.seq <= this.lastSeq) return { outcome: this.seen.has(event.seq) ? 'duplicate' : 'out_of_order' };
      if (this.lastSeq > 0 && event.seq > this.lastSeq + 1) {
        gap = { expected: this.lastSeq + 1, received: event.seq, missing: event.seq - this.lastSeq - 1 };
      }
    }
    const open = this.bars.openBarStart;
    if (open !== undefined && event.exchTs < open) return { outcome: 'late' };
    if (event.seq > 0) this.remember(event.seq);
    if (gap) this.markDataGap();

    const closed = this.bars.add(event);
    const decision = closed ? this.decideOn(closed) : undefined;
    // The triggering event belongs to the next bar: it updates state only after the decision.
    if (event.kind === 'trade') {
      this.notional += event.price * event.size;
      this.volume += event.size;
    } else {
      this.quote = { bid: event.bid, ask: event.ask };
    }
    return { outcome: 'accepted', ...(decision ? { decision } : {}), ...(gap ? { gap } : {}) };
  }

  /**
   * Data may be missing around now (a disconnect, a gap): the open bar and the next one are marked,
   * since the missing events could belong to either.
   */
  markDataGap(): void {
    this.gapInOpenBar = true;
    this.gapInNextBar = true;
  }

  /** A new source (failover) numbers its events afresh. */
  resetSequence(): void {
    this.lastSeq = 0;
    this.seen.clear();
  }

  private remember(seq: number): void {
    this.lastSeq = seq;
    this.seen.add(seq);
    if (this.seen.size > 2 * SEEN_WINDOW) {
      for (const old of this.seen) if (old <= seq - SEEN_WINDOW) this.seen.delete(old);
    }
  }

  get currentQuote(): { bid: number; ask: number } | null {
    return this.quote;
  }

  private decideOn(bar: Bar): Decision {
    this.history.push(bar);
    if (this.history.length > this.params.lookback_bars + 1) this.history.shift();
    // Keys in sorted order (see canonicalJson): the digest is then a single native stringify.
    const inputs: DecisionInputs = {
      bars: this.history.map((b) => ({ ...b })),
      quote: this.quote ? { ask: this.quote.ask, bid: this.quote.bid } : null,
      session_volume: this.volume,
      session_vwap: this.volume > 0 ? round6(this.notional / this.volume) : bar.close,
      symbol: this.symbol,
    };
    const output = decide(inputs, this.params);
    const dataGap = this.gapInOpenBar;
    this.gapInOpenBar = this.gapInNextBar;
    this.gapInNextBar = false;
    return { symbol: this.symbol, bar, inputs, output, inputsDigest: digest(inputs), outputDigest: digest(output), dataGap };
  }
}
