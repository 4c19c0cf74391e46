/**
 * The per-symbol plausibility rule: what may reach bars and VWAP. Pure; the receipt time is passed
 * in with each event (the wall clock live, the capture's receipt time in replay), so a replay
 * judges every event exactly as the live run did.
 *
 * - `bad_value`: the exchange time is further than `maxSkewMs` from the receipt time (a year-2100
 *   stamp would otherwise open a bar in 2100 and make every later event "late").
 * - `outlier`: a size above `maxSize`, or a price outside ±`bandPct` % of the reference price (a
 *   LULD-style band). For a quote both sides must be inside the band.
 * - The reference is the last accepted price (trade price or quote mid). There is none at first:
 *   the first event is held as a candidate and only becomes the reference when the next event
 *   agrees with it (within the band); when it does not, the older one is dropped as `outlier` and
 *   the newer becomes the candidate. A first poison print therefore never reaches a bar.
 * - A real move larger than the band (a reopening after a halt) must not silence the symbol:
 *   `reanchorAfter` consecutive outliers that agree with each other move the reference to them
 *   (the last of them is accepted). A lone bad print is broken up by the good events around it.
 */
import type { MarketEvent } from '../feeds/events.js';
import { append, NONE } from '../util/lists.js';

export interface PriceLimits {
  maxSkewMs: number;
  bandPct: number;
  maxSize: number;
  reanchorAfter: number;
}

export interface Judged {
  event: MarketEvent;
  recvMs: number;
}

type PriceDrop = 'bad_value' | 'outlier';

interface PriceStep {
  take: Judged[];
  dropped: Array<{ item: Judged; kind: PriceDrop; detail: string }>;
  held: boolean;
  /** The reference moved to a new level after a run of agreeing outliers. */
  reanchored?: { from: number; to: number };
}

export class PriceGuard {
  private reference: number | undefined;
  private candidate: Judged | undefined;
  /** The current run of consecutive outliers that agree with each other. */
  private run: { price: number; count: number } | undefined;

  constructor(private readonly limits: PriceLimits) {}

  check(item: Judged): PriceStep {
    const step: PriceStep = { take: NONE, dropped: NONE, held: false };
    const { event, recvMs } = item;
    const skew = event.exchTs - recvMs;
    if (Math.abs(skew) > this.limits.maxSkewMs) {
      step.dropped = append(step.dropped, { item, kind: 'bad_value', detail: `exchange time ${isoOrRaw(event.exchTs)} is ${formatSkew(skew)} from receipt (max_clock_skew ${formatSkew(this.limits.maxSkewMs)})` });
      return step;
    }
    const size = event.kind === 'trade' ? event.size : Math.max(event.bidSize, event.askSize);
    if (size > this.limits.maxSize) {
      step.dropped = append(step.dropped, { item, kind: 'outlier', detail: `${describe(event)} size ${size} above max_size ${this.limits.maxSize}` });
      return step;
    }
    const price = priceOf(event);
    if (this.reference === undefined) {
      const candidate = this.candidate;
      if (candidate === undefined) {
        this.candidate = item;
        step.held = true;
        return step;
      }
      if (this.inBand(event, priceOf(candidate.event))) {
        this.candidate = undefined;
        this.reference = price;
        step.take = [candidate, item];
      } else {
        step.dropped = append(step.dropped, { item: candidate, kind: 'outlier', detail: `${describe(candidate.event)}: the first price, not confirmed by the next (${describe(event)})` });
        this.candidate = item;
        step.held = true;
      }
      return step;
    }
    if (this.inBand(event, this.reference)) {
      this.run = undefined;
      this.reference = price;
      step.take = append(step.take, item);
      return step;
    }
    const run = this.run !== undefined && this.inBand(event, this.run.price) ? { price, count: this.run.count + 1 } : { price, count: 1 };
    if (run.count >= this.limits.reanchorAfter) {
      step.reanchored = { from: this.reference, to: price };
      this.reference = price;
      this.run = undefined;
      step.take = append(step.take, item);
      return step;
    }
    this.run = run;
    step.dropped = append(step.dropped, { item, kind: 'outlier', detail: `${describe(event)} outside ±${this.limits.bandPct}% of reference ${this.reference}` });
    return step;
  }

  /** Whether an event is held as the first-price candidate. */
  get holding(): boolean {
    return this.candidate !== undefined;
  }

  private inBand(event: MarketEvent, reference: number): boolean {
    const lo = reference * (1 - this.limits.bandPct / 100);
    const hi = reference * (1 + this.limits.bandPct / 100);
    if (event.kind === 'trade') return event.price >= lo && event.price <= hi;
    return event.bid >= lo && event.ask <= hi;
  }
}

const priceOf = (event: MarketEvent): number => (event.kind === 'trade' ? event.price : (event.bid + event.ask) / 2);

function describe(event: MarketEvent): string {
  return event.kind === 'trade' ? `trade p=${event.price} s=${event.size}` : `quote bp=${event.bid} ap=${event.ask}`;
}

function isoOrRaw(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}

function formatSkew(ms: number): string {
  const abs = Math.abs(ms);
  const sign = ms < 0 ? '-' : '';
  if (abs >= 86_400_000 * 365) return `${sign}${(abs / (86_400_000 * 365.25)).toFixed(1)}y`;
  // Just under the hour (receipt jitter on a skew of exactly 1 h) still reads as hours.
  if (abs >= 3_570_000) return `${sign}${(abs / 3_600_000).toFixed(1)}h`;
  if (abs >= 1000) return `${sign}${(abs / 1000).toFixed(1)}s`;
  return `${sign}${Math.round(abs)}ms`;
}
