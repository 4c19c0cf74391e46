import { describe, expect, it } from 'vitest';
import { decodeEvent, encodeEvent, subjectOf, symbolOfSubject } from '../../../src/cluster/md-codec.js';
import type { MarketEvent } from '../../../src/core/market.js';

describe('the stream message of a market event', () => {
  it('carries the event, its venue sequence and ingest\'s receipt time unchanged', () => {
    const events: MarketEvent[] = [
      { kind: 'trade', symbol: 'SPY', seq: 42, exchTs: 1_764_070_000_123, price: 512.31, size: 100 },
      { kind: 'quote', symbol: 'BTC-USD', seq: 7, exchTs: 1_764_070_000_124, bid: 90_000.5, bidSize: 0.25, ask: 90_001, askSize: 1.5 },
    ];
    for (const event of events) expect(decodeEvent(encodeEvent(event, 1_764_070_000_125.375))).toEqual({ event, recvMs: 1_764_070_000_125.375 });
  });

  it('is refused when it is not a market event ingest would write', () => {
    const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));
    expect(decodeEvent(new TextEncoder().encode('{not json'))).toBeUndefined();
    expect(decodeEvent(enc({ type: 'trade', sym: 'SPY', seq: 1, ts: 1, p: 1, s: 1 }))).toBeUndefined(); // no receipt time
    expect(decodeEvent(enc({ type: 'trade', sym: 'spy', seq: 1, ts: 1, p: 1, s: 1, r: 1 }))).toBeUndefined();
    expect(decodeEvent(enc({ type: 'quote', sym: 'SPY', seq: 1, ts: 1, bp: 1, bs: 1, ap: 'x', as: 1, r: 1 }))).toBeUndefined();
    // Held to a venue frame's bounds (the native parser's): no zero price, no crossed quote, no ts 0.
    expect(decodeEvent(enc({ type: 'trade', sym: 'SPY', seq: 1, ts: 1, p: 0, s: 1, r: 1 }))).toBeUndefined();
    expect(decodeEvent(enc({ type: 'quote', sym: 'SPY', seq: 1, ts: 1, bp: 10, bs: 1, ap: 9, as: 1, r: 1 }))).toBeUndefined();
    expect(decodeEvent(enc({ type: 'trade', sym: 'SPY', seq: 1, ts: 0, p: 1, s: 1, r: 1 }))).toBeUndefined();
    expect(decodeEvent(enc({ type: 'subscribed', sym: 'SPY', symbols: ['SPY'], r: 1 }))).toBeUndefined();
  });

  it('goes on md.<venue>.<symbol>, a dot in a symbol kept out of the subject\'s tokens', () => {
    expect(subjectOf('alpaca', 'SPY')).toBe('md.alpaca.SPY');
    expect(subjectOf('alpaca', 'BRK.B')).toBe('md.alpaca.BRK_B');
    // A consumer reads the symbol back off the subject before it decodes anything.
    for (const symbol of ['SPY', 'BRK.B', 'BTC-USD']) expect(symbolOfSubject(subjectOf('native', symbol))).toBe(symbol);
  });
});
