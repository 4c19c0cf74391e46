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
}

export type EventOutcome = 'accepted' | 'duplicate' | 'late';

export class SymbolPipeline {
  private readonly bars: BarBuilder;
  private readonly history: Bar[] = [];
  private notional = 0;
  private volume = 0;
  private quote: { bid: number; ask: number } | null = null;
  private lastSeq = 0;

  constructor(
    readonly symbol: string,
    barIntervalMs: number,
    private readonly params: StrategyParams,
  ) {
    this.bars = new BarBuilder(barIntervalMs);
  }

  /**
   * Feeds one event. Deterministic ordering rule: an event whose seq is not above the last one
   * seen is a duplicate and dropped; an event older than the open bar is late and dropped (a closed
   * bar is never reopened). Returns the decision when the event closed a bar.
   */
  onEvent(event: MarketEvent): { outcome: EventOutcome; decision?: Decision } {
    if (event.seq > 0 && event.seq <= this.lastSeq) return { outcome: 'duplicate' };
    const open = this.bars.openBarStart;
    if (open !== undefined && event.exchTs < open) return { outcome: 'late' };
    if (event.seq > 0) this.lastSeq = event.seq;

    const closed = this.bars.add(event);
    const decision = closed ? this.decideOn(closed) : undefined;
    // The triggering event belongs to the next bar: it updates state only after the decision.
    if (event.kind === 'trade') {
      this.notional += event.price * event.size;
      this.volume += event.size;
    } else {
      this.quote = { bid: event.bid, ask: event.ask };
    }
    return decision ? { outcome: 'accepted', decision } : { outcome: 'accepted' };
  }

  get currentQuote(): { bid: number; ask: number } | null {
    return this.quote;
  }

  private decideOn(bar: Bar): Decision {
    this.history.push(bar);
    if (this.history.length > this.params.lookback_bars + 1) this.history.shift();
    const inputs: DecisionInputs = {
      symbol: this.symbol,
      bars: this.history.map((b) => ({ ...b })),
      session_vwap: this.volume > 0 ? round6(this.notional / this.volume) : bar.close,
      session_volume: this.volume,
      quote: this.quote ? { ...this.quote } : null,
    };
    const output = decide(inputs, this.params);
    return { symbol: this.symbol, bar, inputs, output, inputsDigest: digest(inputs), outputDigest: digest(output) };
  }
}
