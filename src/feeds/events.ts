/**
 * Normalized market data: what every venue adapter turns its frames into. Prices in quote
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
