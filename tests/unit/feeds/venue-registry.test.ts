/** The venue registry: endpoint precedence, credentials from the environment only, feed and format checks. */
import { describe, expect, it } from 'vitest';
import { credentialValues, LIVE_VENUES, resolveVenue } from '../../../src/feeds/venues.js';

const keys = { APCA_API_KEY_ID: 'PKREGISTRY123', APCA_API_SECRET_KEY: 'secret-registry-456', POLYGON_API_KEY: 'polykey-789' };

describe('venue registry', () => {
  it('uses the chosen feed default, then the explicit url, and TRADER_*_URL over both', () => {
    expect(resolveVenue('alpaca', { where: 'x' }, keys).url).toBe('wss://stream.data.alpaca.markets/v2/iex');
    expect(resolveVenue('alpaca', { feed: 'sip', where: 'x' }, keys).url).toBe('wss://stream.data.alpaca.markets/v2/sip');
    expect(resolveVenue('polygon', { feed: 'delayed', where: 'x' }, keys).url).toBe('wss://delayed.polygon.io/stocks');
    expect(resolveVenue('binance', { where: 'x' }, {}).url).toBe('wss://stream.binance.us:9443');
    expect(resolveVenue('alpaca', { url: 'ws://127.0.0.1:1/v2/test', where: 'x' }, keys).url).toBe('ws://127.0.0.1:1/v2/test');
    expect(resolveVenue('alpaca', { url: 'ws://127.0.0.1:1/v2/test', where: 'x' }, { ...keys, TRADER_ALPACA_URL: 'ws://127.0.0.1:2/v2/iex' }).url).toBe('ws://127.0.0.1:2/v2/iex');
  });

  it('selects Alpaca msgpack from the config format, JSON otherwise', () => {
    expect(resolveVenue('alpaca', { format: 'msgpack', where: 'x' }, keys).adapter.headers).toEqual({ 'Content-Type': 'application/msgpack' });
    expect(resolveVenue('alpaca', { where: 'x' }, keys).adapter.headers).toBeUndefined();
  });

  it('refuses a missing credential, a feed the venue lacks and msgpack off Alpaca, each in one line without the key', () => {
    expect(() => resolveVenue('alpaca', { where: 'x' }, { APCA_API_KEY_ID: 'PKREGISTRY123' })).toThrow(/APCA_API_SECRET_KEY is not set/);
    expect(() => resolveVenue('polygon', { where: 'x' }, {})).toThrow(/POLYGON_API_KEY/);
    expect(() => resolveVenue('alpaca', { feed: 'realtime', where: 'feeds.primary in c.yaml' }, keys)).toThrow('feeds.primary in c.yaml: alpaca has no feed "realtime" (expected one of iex, sip, delayed_sip, test)');
    expect(() => resolveVenue('polygon', { format: 'msgpack', where: 'x' }, keys)).toThrow(/msgpack is Alpaca's only/);
    expect(() => resolveVenue('alpaca', { where: 'x' }, { ...keys, TRADER_ALPACA_URL: 'http://nope' })).toThrow('TRADER_ALPACA_URL: expected a ws:// or wss:// URL');
  });

  it('lists the live venues and every credential value present, for masking', () => {
    expect([...LIVE_VENUES].sort()).toEqual(['alpaca', 'binance', 'polygon']);
    expect(credentialValues(keys).sort()).toEqual(['PKREGISTRY123', 'polykey-789', 'secret-registry-456']);
  });
});
