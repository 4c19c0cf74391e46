/**
 * Contract: the Alpaca adapter parses the messages Alpaca's documentation publishes (kept verbatim
 * in tests/fixtures/venues/alpaca-docs.json, each naming its source), and classifies every
 * documented error code as the run must treat it: fatal, reconnect, or a counted venue error.
 */
import { readFileSync } from 'node:fs';
import { encode, encodeTimeSpecToTimestamp, EXT_TIMESTAMP, ExtensionCodec } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import type { FrameSink, ParseIssue } from '../../../src/feeds/adapter.js';
import { alpacaAdapter, parseAlpacaFrame, parseRfc3339Ms } from '../../../src/feeds/alpaca.js';
import type { MarketEvent } from '../../../src/feeds/events.js';
import { fromVenueSymbol, toVenueSymbol } from '../../../src/feeds/symbols.js';

interface Doc {
  control: Array<{ id: string; frame: string }>;
  quotes: Array<{ id: string; frame?: string; bare?: string }>;
  trades: Array<{ id: string; bare: string }>;
  errors: Array<{ frame: string }>;
}
const doc = JSON.parse(readFileSync(new URL('../../fixtures/venues/alpaca-docs.json', import.meta.url), 'utf8')) as Doc;

function collect(frame: string) {
  const out = { events: [] as MarketEvent[], issues: [] as ParseIssue[], fatal: [] as string[], reconnect: [] as string[], subscribed: [] as string[][], authenticated: 0 };
  const sink: FrameSink = {
    event: (e) => out.events.push(e),
    issue: (i) => out.issues.push(i),
    fatal: (c) => out.fatal.push(c),
    reconnect: (r) => out.reconnect.push(r),
    subscribed: (s) => out.subscribed.push(s),
    authenticated: () => (out.authenticated += 1),
  };
  parseAlpacaFrame(frame, sink);
  return out;
}

describe('Alpaca contract (documentation examples)', () => {
  it('parses the documented trade (A-8) into a trade with seq 0 and the exchange time in ms', () => {
    const r = collect(`[${doc.trades[0]?.bare ?? ''}]`);
    expect(r.issues).toEqual([]);
    expect(r.events).toEqual([{ kind: 'trade', symbol: 'AAPL', seq: 0, exchTs: Date.UTC(2021, 1, 22, 15, 51, 44, 208), price: 126.55, size: 1 }]);
  });

  it('parses every documented quote, with 3 and 9 fractional digits', () => {
    const events = doc.quotes.flatMap((q) => collect(q.frame ?? `[${q.bare ?? ''}]`).events);
    expect(events).toEqual([
      { kind: 'quote', symbol: 'FAKEPACA', seq: 0, exchTs: Date.UTC(2024, 6, 24, 7, 56, 53, 639), bid: 133.85, bidSize: 4, ask: 135.77, askSize: 5 },
      { kind: 'quote', symbol: 'FAKEPACA', seq: 0, exchTs: Date.UTC(2024, 6, 24, 7, 56, 58, 641), bid: 133.85, bidSize: 4, ask: 135.77, askSize: 5 },
      { kind: 'quote', symbol: 'AMD', seq: 0, exchTs: Date.UTC(2021, 1, 22, 15, 51, 45, 335), bid: 87.66, bidSize: 1, ask: 87.68, askSize: 4 },
    ]);
  });

  it('reads the control frames: authenticated once, and the subscription lists whatever keys the endpoint sends', () => {
    const [connected, authenticated, full, short] = doc.control.map((c) => collect(c.frame));
    expect(connected?.authenticated).toBe(0);
    expect(authenticated?.authenticated).toBe(1);
    expect(full?.subscribed).toEqual([['AAPL', 'AMD', 'CLDR']]);
    expect(short?.subscribed).toEqual([['FAKEPACA']]);
    expect([connected, authenticated, full, short].flatMap((r) => r?.issues ?? [])).toEqual([]);
  });

  it('treats auth failures, the connection limit and a missing subscription as fatal; 407 and 500 reconnect; the rest are counted', () => {
    const byCode = Object.fromEntries(doc.errors.map((e) => {
      const r = collect(e.frame);
      const code = (JSON.parse(e.frame) as Array<{ code: number }>)[0]?.code ?? 0;
      return [code, r.fatal.length ? 'fatal' : r.reconnect.length ? 'reconnect' : r.issues.length ? 'counted' : 'ignored'];
    }));
    expect(byCode).toEqual({ 400: 'counted', 401: 'fatal', 402: 'fatal', 403: 'fatal', 404: 'fatal', 405: 'counted', 406: 'fatal', 407: 'reconnect', 409: 'fatal', 500: 'reconnect' });
    expect(collect('[{"T":"error","code":402,"msg":"auth failed"}]').fatal).toEqual(['alpaca error 402 auth failed']);
  });

  it('rejects a trade whose time is not RFC-3339 and a crossed quote, without throwing', () => {
    const r = collect('[{"T":"t","S":"SPY","p":1,"s":1,"t":"yesterday"},{"T":"q","S":"SPY","bp":2,"bs":1,"ap":1,"as":1,"t":"2021-02-22T15:51:45Z"}]');
    expect(r.events).toEqual([]);
    expect(r.issues.map((i) => i.kind)).toEqual(['bad_shape', 'bad_value']);
    expect(collect('not json').issues.map((i) => i.kind)).toEqual(['bad_json']);
  });

  it('reads RFC-3339 with 0 to 9 fractional digits and offsets', () => {
    expect(parseRfc3339Ms('2021-02-22T19:15:00Z')).toBe(Date.UTC(2021, 1, 22, 19, 15, 0));
    expect(parseRfc3339Ms('2021-02-22T19:15:00.5Z')).toBe(Date.UTC(2021, 1, 22, 19, 15, 0, 500));
    expect(parseRfc3339Ms('2021-02-22T14:15:00.123456789-05:00')).toBe(Date.UTC(2021, 1, 22, 19, 15, 0, 123));
    expect(parseRfc3339Ms('2021-02-22 19:15:00Z')).toBeUndefined();
  });

  it('in msgpack mode sends binary auth and subscribe frames and decodes msgpack data with ns timestamps to the JSON form', () => {
    const adapter = alpacaAdapter({ keyId: 'k', secret: 's' }, 'msgpack');
    expect(adapter.headers).toEqual({ 'Content-Type': 'application/msgpack' });
    expect(adapter.openMessages()[0]).toBeInstanceOf(Uint8Array);
    const codec = new ExtensionCodec();
    codec.register({ type: EXT_TIMESTAMP, encode: (v) => (v && typeof v === 'object' && 'nsec' in v ? encodeTimeSpecToTimestamp(v as { sec: number; nsec: number }) : null), decode: () => null });
    const bytes = encode([{ T: 't', S: 'SPY', i: 2n ** 60n, x: 'V', p: 641.2, s: 100, t: { sec: 1613994704, nsec: 208123456 }, c: ['@'], z: 'B' }], { extensionCodec: codec, useBigInt64: true });
    const text = adapter.decodeBinary?.(bytes) ?? '';
    expect(JSON.parse(text)).toEqual([{ T: 't', S: 'SPY', i: '1152921504606846976', x: 'V', p: 641.2, s: 100, t: '2021-02-22T11:51:44.208123456Z', c: ['@'], z: 'B' }]);
    expect(collect(text).events).toEqual([{ kind: 'trade', symbol: 'SPY', seq: 0, exchTs: Date.UTC(2021, 1, 22, 11, 51, 44, 208), price: 641.2, size: 100 }]);
    expect(adapter.decodeBinary?.(new Uint8Array([0xc1]))).toBeUndefined();
  });
});

describe('symbol mapping (one place for every venue)', () => {
  it('maps BTC-USD to BTCUSD on Binance and back, and leaves stock tickers alone', () => {
    expect(toVenueSymbol('binance', 'BTC-USD')).toBe('BTCUSD');
    expect(fromVenueSymbol('binance', 'btcusd')).toBe('BTC-USD');
    expect(fromVenueSymbol('binance', 'ETHUSDT')).toBe('ETH-USDT');
    expect(toVenueSymbol('alpaca', 'SPY')).toBe('SPY');
    expect(fromVenueSymbol('polygon', 'BRK.B')).toBe('BRK.B');
  });
});
