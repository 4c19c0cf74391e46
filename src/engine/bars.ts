/**
 * Event-time bars. A bar covers [start, start + interval) of exchange time and closes when the
 * first event at or past its end arrives, so bar contents depend only on the symbol's own event
 * sequence, never on the wall clock or on when frames happened to be read.
 */
import type { MarketEvent } from '../feeds/events.js';
import type { StrategyBar } from '../strategy/types.js';

/** One closed bar: the strategy's view of it is the engine's (defined once, in the strategy contract). */
export type Bar = StrategyBar;

interface OpenBar {
  bar: Bar;
  notional: number;
}

export class BarBuilder {
  private current: OpenBar | undefined;

  constructor(private readonly intervalMs: number) {}

  /** Adds an event; returns the bar it closed, if any. Events older than the open bar are ignored by the caller's ordering rule. */
  add(event: MarketEvent): Bar | undefined {
    const start = Math.floor(event.exchTs / this.intervalMs) * this.intervalMs;
    let closed: Bar | undefined;
    if (this.current && start > this.current.bar.start) {
      closed = this.finish(this.current);
      this.current = undefined;
    }
    if (!this.current) {
      const price = priceOf(event);
      if (price === undefined) return closed;
      this.current = {
        // Keys in sorted order: decision inputs are digested as canonical JSON, and this makes that cheap.
        bar: { close: price, end: start + this.intervalMs, high: price, low: price, open: price, quotes: 0, start, trades: 0, volume: 0, vwap: price },
        notional: 0,
      };
    }
    this.apply(this.current, event);
    return closed;
  }

  /** The start of the bar being built, so callers can drop events that belong to a closed bar. */
  get openBarStart(): number | undefined {
    return this.current?.bar.start;
  }

  private apply(open: OpenBar, event: MarketEvent): void {
    const bar = open.bar;
    if (event.kind === 'trade') {
      if (bar.trades === 0) {
        // The first trade sets the bar's prices; quote mids only stand in until a trade prints.
        bar.open = bar.high = bar.low = event.price;
      }
      bar.high = Math.max(bar.high, event.price);
      bar.low = Math.min(bar.low, event.price);
      bar.close = event.price;
      bar.volume += event.size;
      open.notional += event.price * event.size;
      bar.trades += 1;
    } else {
      bar.quotes += 1;
      if (bar.trades === 0) {
        const mid = (event.bid + event.ask) / 2;
        bar.high = Math.max(bar.high, mid);
        bar.low = Math.min(bar.low, mid);
        bar.close = mid;
      }
    }
  }

  private finish(open: OpenBar): Bar {
    const bar = open.bar;
    bar.vwap = bar.volume > 0 ? round6(open.notional / bar.volume) : bar.close;
    bar.close = round6(bar.close);
    bar.high = round6(bar.high);
    bar.low = round6(bar.low);
    bar.open = round6(bar.open);
    return bar;
  }
}

function priceOf(event: MarketEvent): number | undefined {
  if (event.kind === 'trade') return event.price;
  return (event.bid + event.ask) / 2;
}

export const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;
