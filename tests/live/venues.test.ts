/**
 * Live tests against the real venues. They reach the network, so they exist only when asked for:
 * TRADER_LIVE_TESTS=1 and the venue's credentials in the environment. Otherwise nothing here is
 * registered (vitest.config.ts also leaves this folder out), so they are reported as not run,
 * never as skipped or passed. Run: see README "Live venue tests".
 */
import { describe, expect, it } from 'vitest';
import type { ParseIssue } from '../../src/feeds/adapter.js';
import { FeedClient, type FeedListener } from '../../src/feeds/client.js';
import type { MarketEvent } from '../../src/feeds/events.js';
import { resolveVenue } from '../../src/feeds/venues.js';
import type { Venue } from '../../src/config/schema.js';
import { waitFor } from '../helpers/wait.js';

const live = process.env.TRADER_LIVE_TESTS === '1';

async function session(venue: Venue, feed: string, symbols: string[], wantEvents: boolean): Promise<void> {
  const { url, adapter } = resolveVenue(venue, { feed, where: 'live test' }, process.env);
  const seen = { events: [] as MarketEvent[], issues: [] as ParseIssue[], fatal: [] as string[], connected: 0 };
  const listener: FeedListener = {
    onEvent: (e) => seen.events.push(e),
    onParseIssue: (i) => seen.issues.push(i),
    onConnected: () => (seen.connected += 1),
    onDisconnected: () => undefined,
    onReconnectAttempt: () => undefined,
    onReconnectFailed: () => undefined,
    onFatal: (i) => seen.fatal.push(i.cause),
  };
  const client = new FeedClient({ url, adapter, symbols, listener, handshakeTimeoutMs: 10_000 });
  client.start();
  try {
    await waitFor(() => seen.connected > 0 || seen.fatal.length > 0, 20_000);
    expect(seen.fatal).toEqual([]);
    if (wantEvents) await waitFor(() => seen.events.length > 0, 90_000);
    expect(seen.issues.filter((i) => i.kind === 'bad_shape' || i.kind === 'bad_json')).toEqual([]);
  } finally {
    await client.stop();
  }
}

if (live && process.env.APCA_API_KEY_ID && process.env.APCA_API_SECRET_KEY) {
  describe('live: Alpaca', () => {
    it('authenticates on the 24/7 test feed and receives FAKEPACA data', () => session('alpaca', 'test', ['FAKEPACA'], true), 120_000);
  });
}

if (live && process.env.POLYGON_API_KEY) {
  describe('live: Polygon', () => {
    // Outside market hours the stream may be quiet: authentication and subscription are what is proven.
    it('authenticates and subscribes SPY on the real-time cluster', () => session('polygon', 'realtime', ['SPY'], false), 60_000);
  });
}

if (live) {
  describe('live: Binance.US', () => {
    // Market streams need no credentials.
    it('receives BTC-USD trades and bookTickers', () => session('binance', 'spot', ['BTC-USD'], true), 120_000);
  });
}
