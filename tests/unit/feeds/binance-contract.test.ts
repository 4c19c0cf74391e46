/**
 * Contract: the Binance.US adapter parses the payloads of Binance.US's documentation (kept in
 * tests/fixtures/venues/binance-docs.json, each naming its source; the combined envelope is
 * derived from the documented shape and says so).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { FrameSink, ParseIssue } from '../../../src/feeds/adapter.js';
import { binanceAdapter, parseBinanceFrame } from '../../../src/feeds/binance.js';
import type { MarketEvent } from '../../../src/feeds/events.js';

const doc = JSON.parse(readFileSync(new URL('../../fixtures/venues/binance-docs.json', import.meta.url), 'utf8')) as { frames: Array<{ id: string; frame: string }> };
const frame = (id: string): string => doc.frames.find((f) => f.id === id)?.frame ?? '';

function parse(...ids: string[]) {
  const out = { events: [] as MarketEvent[], issues: [] as ParseIssue[] };
  const sink: FrameSink = { event: (e) => out.events.push(e), issue: (i) => out.issues.push(i), receivedMs: () => 1_700_000_000_123 };
  for (const id of ids) parseBinanceFrame(frame(id), sink);
  return out;
}

describe('Binance.US contract (documentation examples)', () => {
  it('parses the trade raw (B-1) and in the combined envelope (B-7): string price and size, trade id as seq, T as the time', () => {
    const trade = { kind: 'trade', symbol: 'BNB-BTC', seq: 12345, exchTs: 1672515782136, price: 0.001, size: 100 };
    expect(parse('B-1', 'B-7')).toEqual({ events: [trade, trade], issues: [] });
  });

  it('parses bookTicker (B-2), which has no timestamp: stamped with its receipt time, seq 0', () => {
    expect(parse('B-2')).toEqual({ events: [{ kind: 'quote', symbol: 'BNB-USDT', seq: 0, exchTs: 1_700_000_000_123, bid: 25.3519, bidSize: 31.21, ask: 25.3652, askSize: 40.66 }], issues: [] });
  });

  it('takes the acks silently and counts an error reply as a venue error', () => {
    const r = parse('B-3', 'B-4', 'B-5', 'B-6');
    expect(r.events).toEqual([]);
    expect(r.issues).toEqual([{ kind: 'venue_error', detail: 'binance error 2 Invalid request: request ID must be an unsigned integer' }]);
  });

  it('connects to the override origin with the combined streams of its symbols and subscribes later ones with integer ids', () => {
    const a = binanceAdapter();
    expect(a.connectUrl?.('ws://127.0.0.1:9000/anything?x=1', ['BTC-USD', 'ETH-USD'])).toBe('ws://127.0.0.1:9000/stream?streams=btcusd@trade/btcusd@bookTicker/ethusd@trade/ethusd@bookTicker');
    expect(a.connectUrl?.('wss://stream.binance.us:9443', ['BTC-USD'])).toBe('wss://stream.binance.us:9443/stream?streams=btcusd@trade/btcusd@bookTicker');
    expect(a.subscribeMessages(['SOL-USD']).map((m) => JSON.parse(String(m)))).toEqual([{ method: 'SUBSCRIBE', params: ['solusd@trade', 'solusd@bookTicker'], id: 1 }]);
    expect(a.unsubscribeMessages(['SOL-USD']).map((m) => JSON.parse(String(m)))).toEqual([{ method: 'UNSUBSCRIBE', params: ['solusd@trade', 'solusd@bookTicker'], id: 2 }]);
    expect(a.maxOutboundPerSecond).toBeLessThan(5);
  });
});

describe('Binance.US symbols', () => {
  it('maps a subscribed pair back exactly, even where the quote-currency rule alone would split it elsewhere', () => {
    const events: MarketEvent[] = [];
    const sink: FrameSink = { event: (e) => events.push(e), issue: () => undefined };
    const trade = '{"stream":"xbusd@trade","data":{"e":"trade","E":1,"s":"XBUSD","t":1,"p":"1","q":"1","T":1,"m":true,"M":true}}';
    binanceAdapter({ symbols: ['XB-USD'] }).parse(trade, sink);
    binanceAdapter().parse(trade, sink);
    expect(events.map((e) => e.symbol)).toEqual(['XB-USD', 'X-BUSD']);
  });
});
