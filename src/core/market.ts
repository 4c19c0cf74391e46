/**
 * Normalized market data: what every venue adapter turns its frames into, and its native wire
 * form (the fixtures are stored in it, the feed server sends it). Pure types and constants: the
 * config, the feeds and the fixtures all read them, so they live below all three. Prices in quote
 * currency, sizes in shares/coins, `exchTs` in epoch milliseconds as stamped by the venue, `seq` a
 * per-symbol sequence number (0 when the venue has none).
 */
export interface Trade {
  kind: 'trade';
  symbol: string;
  seq: number;
  exchTs: number;
  price: number;
  size: number;
}

export interface Quote {
  kind: 'quote';
  symbol: string;
  seq: number;
  exchTs: number;
  bid: number;
  bidSize: number;
  ask: number;
  askSize: number;
}

export type MarketEvent = Trade | Quote;

/** A market event as the runner received it: `recvMs` is wall-clock receipt, `recvNs` a monotonic mark. */
export interface Received {
  event: MarketEvent;
  recvMs: number;
  recvNs: bigint;
}

/** Symbols are upper-case tickers, optionally with one dash (BTC-USD). */
export const SYMBOL_PATTERN = /^[A-Z][A-Z0-9.]{0,9}(?:-[A-Z]{2,5})?$/;

/** The native protocol's data frames (feeds/protocol.ts documents the protocol). */
export interface WireTrade {
  type: 'trade';
  sym: string;
  seq: number;
  ts: number;
  p: number;
  s: number;
}

export interface WireQuote {
  type: 'quote';
  sym: string;
  seq: number;
  ts: number;
  bp: number;
  bs: number;
  ap: number;
  as: number;
}

export type WireEvent = WireTrade | WireQuote;

export function toWire(event: MarketEvent): WireEvent {
  return event.kind === 'trade'
    ? { type: 'trade', sym: event.symbol, seq: event.seq, ts: event.exchTs, p: event.price, s: event.size }
    : {
        type: 'quote',
        sym: event.symbol,
        seq: event.seq,
        ts: event.exchTs,
        bp: event.bid,
        bs: event.bidSize,
        ap: event.ask,
        as: event.askSize,
      };
}
