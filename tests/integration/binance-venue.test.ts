/**
 * Binance.US through real sockets on 127.0.0.1: our adapter against `--protocol binance` (acks,
 * the 5-messages-a-second limit, server pings, the 24-hour cut met by a make-before-break
 * rotation), and both official SDKs (@binance/connector, @binance/spot) against the emulator.
 */
import { WebsocketStream } from '@binance/connector';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ParseIssue } from '../../src/feeds/adapter.js';
import { binanceAdapter } from '../../src/feeds/binance.js';
import { FeedClient, type FeedListener } from '../../src/feeds/client.js';
import type { MarketEvent } from '../../src/feeds/events.js';
import { startFeedServer, type FeedServer } from '../../src/feeds/server/feed-server.js';
import { SyntheticSource } from '../../src/feeds/server/sources.js';
import { waitFor } from '../helpers/wait.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function emulator(drills: { pingEveryMs?: number; maxConnectionMs?: number } = {}): Promise<FeedServer> {
  const server = await startFeedServer({ source: new SyntheticSource(20, 9), protocol: 'binance', drills });
  cleanup.push(() => server.close());
  return server;
}

function client(url: string, symbols: string[], rotateAfterMs?: number) {
  const seen = { events: [] as MarketEvent[], issues: [] as ParseIssue[], log: [] as string[] };
  const listener: FeedListener = {
    onEvent: (e) => seen.events.push(e),
    onParseIssue: (i) => seen.issues.push(i),
    onConnected: (i) => seen.log.push(`connected ${i.connection}`),
    onDisconnected: (i) => seen.log.push(`disconnected ${i.connection} ${i.code} ${i.reason}`),
    onReconnectAttempt: () => undefined,
    onReconnectFailed: (i) => seen.log.push(`failed ${i.attempt}`),
    onRotated: (i) => seen.log.push(`rotated ${i.from}->${i.to}`),
  };
  const c = new FeedClient({ url, adapter: binanceAdapter(rotateAfterMs !== undefined ? { rotateAfterMs } : {}), symbols, listener, pingIntervalMs: 60_000, pingTimeoutMs: 60_000 });
  cleanup.push(() => c.stop());
  return { c, seen };
}

const has = (events: MarketEvent[], kind: MarketEvent['kind'], symbol: string): boolean => events.some((e) => e.kind === kind && e.symbol === symbol);

describe('Binance.US adapter against the emulator', () => {
  it('receives trades and bookTickers for every symbol and subscribes a symbol added live, acks taken silently', async () => {
    const server = await emulator();
    const { c, seen } = client(server.url, ['BTC-USD', 'ETH-USD']);
    c.start();
    await waitFor(() => ['BTC-USD', 'ETH-USD'].every((s) => has(seen.events, 'trade', s) && has(seen.events, 'quote', s)), 15_000);
    c.addSymbols(['SOL-USD']);
    await waitFor(() => has(seen.events, 'trade', 'SOL-USD') && has(seen.events, 'quote', 'SOL-USD'), 15_000);
    // Trades carry the trade id: increasing per symbol.
    const ids = seen.events.filter((e) => e.kind === 'trade' && e.symbol === 'BTC-USD').map((e) => e.seq);
    expect(ids.every((id, i) => i === 0 || id > (ids[i - 1] ?? 0))).toBe(true);
    expect(seen.issues).toEqual([]);
    expect(seen.log).toEqual(['connected 1']);
  });

  it('keeps its own messages under the 5-a-second limit: twelve live subscriptions in a burst do not get it cut', async () => {
    const server = await emulator();
    const { c, seen } = client(server.url, ['BTC-USD']);
    c.start();
    await waitFor(() => seen.log.includes('connected 1'), 10_000);
    const added = Array.from({ length: 12 }, (_, i) => `X${String.fromCharCode(65 + i)}-USD`);
    for (const s of added) c.addSymbols([s]);
    await waitFor(() => added.every((s) => has(seen.events, 'trade', s)), 20_000);
    expect(seen.log).toEqual(['connected 1']);
    expect(seen.issues).toEqual([]);
  });

  it('the emulator enforces the limit: a client sending 8 messages at once is disconnected', async () => {
    const server = await emulator();
    const ws = new WebSocket(`${server.url}/stream?streams=btcusd@trade`);
    cleanup.push(() => ws.terminate());
    await new Promise((r) => ws.once('open', r));
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    for (let id = 1; id <= 8; id++) ws.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id }));
    expect(await closed).toBe(1008);
  });

  it('answers server pings (payload echoed): it stays connected, while a client that does not answer is cut', async () => {
    const server = await emulator({ pingEveryMs: 400 });
    const { c, seen } = client(server.url, ['BTC-USD']);
    c.start();
    const mute = new WebSocket(`${server.url}/stream?streams=btcusd@trade`, { autoPong: false });
    cleanup.push(() => mute.terminate());
    const muteClosed = new Promise<string>((r) => mute.once('close', (_code, reason) => r(reason.toString())));
    expect(await muteClosed).toBe('pong timeout');
    await waitFor(() => seen.events.length > 20, 10_000);
    expect(seen.log).toEqual(['connected 1']);
  });

  it('rotates make-before-break before the 24-hour cut (scaled down): no disconnect, data throughout', async () => {
    const server = await emulator({ maxConnectionMs: 1500 });
    const { c, seen } = client(server.url, ['BTC-USD'], 700);
    c.start();
    await waitFor(() => seen.log.filter((l) => l.startsWith('rotated')).length >= 3, 20_000);
    expect(seen.log.filter((l) => l.startsWith('disconnected'))).toEqual([]);
    expect(seen.log.slice(0, 3)).toEqual(['connected 1', 'rotated 1->2', 'rotated 2->3']);
    const before = seen.events.length;
    await waitFor(() => seen.events.length > before + 5, 10_000);
  });
});

describe('Binance official SDKs against the emulator', () => {
  it('@binance/connector WebsocketStream (combined streams) receives trades and bookTickers', async () => {
    const server = await emulator();
    const messages: Array<{ stream: string; data: { s: string } }> = [];
    const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, log: () => undefined };
    const stream = new WebsocketStream({ logger: quiet, wsURL: server.url, combinedStreams: true, callbacks: { message: (s: string) => messages.push(JSON.parse(s) as { stream: string; data: { s: string } }) } });
    cleanup.push(() => stream.disconnect());
    stream.subscribe(['btcusd@trade', 'btcusd@bookTicker']);
    await waitFor(() => messages.some((m) => m.stream === 'btcusd@trade') && messages.some((m) => m.stream === 'btcusd@bookTicker'), 15_000);
    expect(messages.every((m) => m.data.s === 'BTCUSD')).toBe(true);
  });

  it('@binance/spot websocketStreams (numeric ids) subscribes and receives trades and bookTickers', async () => {
    process.env.LOG_LEVEL = 'none';
    const { Spot } = await import('@binance/spot');
    const server = await emulator();
    const client = new Spot({ configurationWebsocketStreams: { wsURL: server.url, compression: false } });
    const conn = await client.websocketStreams.connect();
    cleanup.push(() => conn.disconnect());
    const trades: Array<{ s?: string; p?: string }> = [];
    const tickers: Array<{ s?: string; b?: string }> = [];
    // Binance.US wants integer ids; the SDK's type says string but it sends a number as a number
    // (normalizeStreamId), and only then does the venue accept the request.
    const id = (n: number): string => n as unknown as string;
    conn.trade({ symbol: 'BTCUSD', id: id(1) }).on('message', (d) => {
      trades.push(d as { s?: string; p?: string });
    });
    conn.bookTicker({ symbol: 'BTCUSD', id: id(2) }).on('message', (d) => {
      tickers.push(d as { s?: string; b?: string });
    });
    await waitFor(() => trades.length > 0 && tickers.length > 0, 15_000);
    expect(trades[0]?.s).toBe('BTCUSD');
    expect(typeof trades[0]?.p).toBe('string');
    expect(typeof tickers[0]?.b).toBe('string');
  });
});
