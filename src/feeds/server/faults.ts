/**
 * Fault injection for drills, applied on the server's send path. Every random choice comes from a
 * seeded generator, so a drill with the same scenario misbehaves the same way each time.
 */
import { z } from 'zod';
import type { MarketEvent } from '../events.js';
import { mulberry32 } from '../../fixtures/generator.js';
import { SYMBOL_PATTERN } from '../events.js';

const rate = z.number().min(0).max(1);
const ticker = z.string().refine((s) => SYMBOL_PATTERN.test(s), 'expected a ticker');
const ms = z.number().int().positive();

export const faultsSchema = z.strictObject({
  seed: z.number().int().default(7),
  /** Close every connection abruptly (no close frame) every N ms. */
  drop_every_ms: ms.optional(),
  /** Close every connection at these times (ms after the first subscription, when the session starts). */
  drop_at_ms: z.array(z.number().int().min(0)).default([]),
  /** Stop sending data and stop answering pings, without closing, for `for_ms` starting at `after_ms`. */
  stall: z.strictObject({ after_ms: z.number().int().min(0), for_ms: ms }).optional(),
  /** Per event, the chance of an extra malformed frame (bad JSON, wrong shapes, bad numbers, unknown symbols). */
  malformed_rate: rate.default(0),
  /** Send a 2 MiB garbage frame (over the client's 1 MiB frame limit) this often. */
  oversize_every_ms: ms.optional(),
  /** Per event, the chance it is withheld while its seq is spent: the client sees a gap. */
  gap_rate: rate.default(0),
  /** Per event, the chance it is sent twice. */
  duplicate_rate: rate.default(0),
  /** Per event, the chance it is held back and sent after the next one. */
  out_of_order_rate: rate.default(0),
  /** These symbols stop sending data (subscriptions still succeed): a staleness drill. */
  silent_symbols: z.array(ticker).default([]),
  /**
   * Poison-tick drill: this often, per symbol, three bad events after a real one — a trade stamped
   * in the year 2100, a trade with seq 2^53, and a $0.01 × 1,000,000 print.
   */
  poison_every_ms: ms.optional(),
  /** These symbols' exchange clocks are off by this much (ms, e.g. { QQQ: 3600000 }): all their events are implausible. */
  clock_skew_ms: z.record(ticker, z.number().int()).default({}),
  /** Announce a rotation ({"type":"reconnect"}) to every connection this often, closing each 2 s later (1012). */
  rotate_every_ms: ms.optional(),
  /**
   * Slow-client drill: at this time (ms after the session starts) every subscribed connection is
   * told it is too slow, in its protocol's words (Alpaca: error 407), and closed.
   */
  slow_client_at_ms: z.number().int().min(0).optional(),
  /** Hold every new connection's handshake this long before accepting it. */
  delay_connections_ms: z.number().int().min(0).default(0),
  /** After `after_ms`, refuse new connections (HTTP 503) for `for_ms`. */
  refuse: z.strictObject({ after_ms: z.number().int().min(0), for_ms: ms }).optional(),
});

export type Faults = z.output<typeof faultsSchema>;
export const NO_FAULTS: Faults = faultsSchema.parse({});

const MALFORMED: Array<(e: MarketEvent) => string> = [
  () => '{"type":"trade","sym":',
  () => 'not json at all',
  (e) => JSON.stringify({ type: 'trade', sym: e.symbol, seq: e.seq, ts: e.exchTs, p: 'NaN', s: 100 }),
  (e) => JSON.stringify({ type: 'trade', sym: e.symbol, seq: e.seq, ts: e.exchTs, p: -12.5, s: 100 }),
  (e) => JSON.stringify({ type: 'trade', sym: e.symbol, seq: e.seq, ts: e.exchTs, p: 1e15, s: 100 }),
  (e) => JSON.stringify({ type: 'quote', sym: e.symbol, seq: e.seq, ts: e.exchTs, bp: 10, bs: 1, ap: 9, as: 1 }),
  (e) => JSON.stringify({ type: 'trade', sym: 'ZZZZ', seq: e.seq, ts: e.exchTs, p: 1, s: 1 }),
  () => JSON.stringify({ type: 'bogus', payload: [1, 2, 3] }),
  () => '[1,2,3]',
  () => 'null',
];

/** A year-2100 exchange time: far past any plausible clock skew. */
const FAR_FUTURE_MS = Date.UTC(2100, 0, 1);
/** 2^53: the first integer a double cannot step past by one, a classic broken counter. */
const POISON_SEQ = 2 ** 53;

/**
 * The poison ticks sent after `event` (already numbered `seq`): `nextSeq` spends a sequence number
 * as a broken venue would for each of its own frames; the seq-2^53 one spends none.
 */
export function poisonTicks(event: MarketEvent, nowMs: number, nextSeq: () => number): MarketEvent[] {
  const price = event.kind === 'trade' ? event.price : (event.bid + event.ask) / 2;
  const base = { kind: 'trade' as const, symbol: event.symbol };
  return [
    { ...base, seq: nextSeq(), exchTs: FAR_FUTURE_MS, price, size: 100 },
    { ...base, seq: POISON_SEQ, exchTs: nowMs, price, size: 100 },
    { ...base, seq: nextSeq(), exchTs: nowMs, price: 0.01, size: 1_000_000 },
  ];
}

/** The per-event decisions of the fault plan, drawn from one seeded stream. */
export class FaultPlan {
  private readonly rnd: () => number;
  private malformedIndex = 0;
  private readonly lastPoisonMs = new Map<string, number>();

  constructor(readonly faults: Faults) {
    this.rnd = mulberry32(faults.seed);
  }

  get perEvent(): boolean {
    const f = this.faults;
    return f.malformed_rate > 0 || f.gap_rate > 0 || f.duplicate_rate > 0 || f.out_of_order_rate > 0;
  }

  withhold(): boolean {
    return this.faults.gap_rate > 0 && this.rnd() < this.faults.gap_rate;
  }

  duplicate(): boolean {
    return this.faults.duplicate_rate > 0 && this.rnd() < this.faults.duplicate_rate;
  }

  holdBack(): boolean {
    return this.faults.out_of_order_rate > 0 && this.rnd() < this.faults.out_of_order_rate;
  }

  malformed(event: MarketEvent): string | undefined {
    if (!(this.faults.malformed_rate > 0 && this.rnd() < this.faults.malformed_rate)) return undefined;
    const make = MALFORMED[this.malformedIndex++ % MALFORMED.length] as (e: MarketEvent) => string;
    return make(event);
  }

  /** Whether `symbol` is due its poison ticks now (the first are one interval after its first event). */
  poisonDue(symbol: string, nowMs: number): boolean {
    const every = this.faults.poison_every_ms;
    if (every === undefined) return false;
    const last = this.lastPoisonMs.get(symbol);
    if (last !== undefined && nowMs - last < every) return false;
    this.lastPoisonMs.set(symbol, nowMs);
    return last !== undefined;
  }

  /** How far `symbol`'s exchange clock is off (0 for most). */
  skewMs(symbol: string): number {
    return this.faults.clock_skew_ms[symbol] ?? 0;
  }

  stalledAt(sinceStartMs: number): boolean {
    const s = this.faults.stall;
    return s !== undefined && sinceStartMs >= s.after_ms && sinceStartMs < s.after_ms + s.for_ms;
  }

  refusingAt(sinceStartMs: number): boolean {
    const r = this.faults.refuse;
    return r !== undefined && sinceStartMs >= r.after_ms && sinceStartMs < r.after_ms + r.for_ms;
  }
}
