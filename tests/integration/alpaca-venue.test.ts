/**
 * Alpaca end to end through real sockets on 127.0.0.1: our adapter and client against our
 * emulator (`--protocol alpaca`, JSON and msgpack), and Alpaca's official SDK
 * (@alpacahq/alpaca-trade-api 4.x, msgpack only) against the same emulator — the proof that the
 * emulator speaks the protocol the venue's own client expects.
 */
import { streaming } from '@alpacahq/alpaca-trade-api';
import { afterEach, describe, expect, it } from 'vitest';
import type { ParseIssue } from '../../src/feeds/adapter.js';
import { alpacaAdapter } from '../../src/feeds/alpaca.js';
import { FeedClient, type FeedListener } from '../../src/feeds/client.js';
import type { MarketEvent } from '../../src/feeds/events.js';
import type { AlpacaDrills } from '../../src/feeds/server/alpaca-control.js';
import { startFeedServer, type FeedServer } from '../../src/feeds/server/feed-server.js';
import { faultsSchema } from '../../src/feeds/server/faults.js';
import { SyntheticSource } from '../../src/feeds/server/sources.js';
import { WebSocketServer } from 'ws';
import { waitFor } from '../helpers/wait.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function emulator(alpaca: AlpacaDrills = {}, faults: Record<string, unknown> = {}): Promise<FeedServer> {
  const server = await startFeedServer({ source: new SyntheticSource(40, 3), protocol: 'alpaca', drills: alpaca, faults: faultsSchema.parse(faults) });
  cleanup.push(() => server.close());
  return server;
}

function client(url: string, symbols: string[], format: 'json' | 'msgpack' = 'json', credentials = { keyId: 'PKTESTKEY0001', secret: 'test-secret-0001' }) {
  const seen = { events: [] as MarketEvent[], issues: [] as ParseIssue[], fatal: [] as string[], log: [] as string[] };
  const listener: FeedListener = {
    onEvent: (e) => seen.events.push(e),
    onParseIssue: (i) => seen.issues.push(i),
    onConnected: (i) => seen.log.push(`connected ${i.connection}`),
    onDisconnected: (i) => seen.log.push(`disconnected ${i.connection} ${i.code}`),
    onReconnectAttempt: (i) => seen.log.push(`attempt ${i.attempt}`),
    onReconnectFailed: (i) => seen.log.push(`failed ${i.attempt}`),
    onFatal: (i) => seen.fatal.push(i.cause),
  };
  const c = new FeedClient({ url: `${url}/v2/iex`, adapter: alpacaAdapter(credentials, format), symbols, listener, backoff: { initialMs: 50, maxMs: 200, factor: 2, jitter: 0 } });
  cleanup.push(() => c.stop());
  return { c, seen };
}

const symbolsOf = (events: MarketEvent[], kind: MarketEvent['kind']): Set<string> => new Set(events.filter((e) => e.kind === kind).map((e) => e.symbol));

describe('Alpaca adapter against the emulator', () => {
  for (const format of ['json', 'msgpack'] as const) {
    it(`${format}: authenticates, subscribes, receives trades and quotes for every symbol, and subscribes a symbol added live`, async () => {
      const server = await emulator();
      const { c, seen } = client(server.url, ['SPY', 'QQQ', 'TSLA'], format);
      c.start();
      await waitFor(() => ['SPY', 'QQQ', 'TSLA'].every((s) => symbolsOf(seen.events, 'trade').has(s) && symbolsOf(seen.events, 'quote').has(s)), 15_000);
      expect(seen.events.every((e) => e.seq === 0 && Math.abs(e.exchTs - Date.now()) < 60_000)).toBe(true);
      // What SIGUSR1 does: the added symbol is subscribed on the open connection.
      c.addSymbols(['AAPL']);
      await waitFor(() => symbolsOf(seen.events, 'trade').has('AAPL'), 15_000);
      expect(seen.issues).toEqual([]);
      expect(seen.fatal).toEqual([]);
      expect(seen.log).toEqual(['connected 1']);
      expect(server.stats().connections).toBe(1);
    });
  }

  it('rejected credentials end the feed after one connection: fatal, no reconnect storm', async () => {
    const server = await emulator({ authFail: true });
    const { c, seen } = client(server.url, ['SPY']);
    c.start();
    await waitFor(() => seen.fatal.length > 0, 10_000);
    // Long enough for a reconnect storm to show, were there one (backoff here is 50–200 ms).
    await new Promise((r) => setTimeout(r, 1500));
    expect(seen.fatal).toEqual(['alpaca error 402 auth failed']);
    expect(server.stats().connections).toBe(1);
    expect(seen.log.filter((l) => l.startsWith('connected'))).toEqual([]);
    expect(seen.events).toEqual([]);
  });

  it('a second connection past the connection limit gets 406, which is fatal for that client only', async () => {
    const server = await emulator({ connectionLimit: 1 });
    const first = client(server.url, ['SPY']);
    first.c.start();
    await waitFor(() => first.seen.events.length > 0, 10_000);
    const second = client(server.url, ['SPY']);
    second.c.start();
    await waitFor(() => second.seen.fatal.length > 0, 10_000);
    expect(second.seen.fatal).toEqual(['alpaca error 406 connection limit exceeded']);
    const before = first.seen.events.length;
    await waitFor(() => first.seen.events.length > before + 5, 10_000);
    expect(first.seen.fatal).toEqual([]);
    expect(server.stats().connections).toBe(2);
  });

  it('a slow-client 407 is not fatal: the client reconnects and data flows again', async () => {
    const server = await emulator({}, { slow_client_at_ms: 300 });
    const { c, seen } = client(server.url, ['SPY']);
    c.start();
    await waitFor(() => seen.log.includes('connected 2'), 15_000);
    const before = seen.events.length;
    await waitFor(() => seen.events.length > before + 5, 10_000);
    expect(seen.fatal).toEqual([]);
    expect(seen.issues.map((i) => i.detail)).toContain('alpaca error 407 slow client');
  });
});

describe('Alpaca handshake wait', () => {
  it('a venue that never answers the auth is given up on after the handshake timeout and retried, never subscribed', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => wss.once('listening', r));
    const received: string[] = [];
    wss.on('connection', (ws) => {
      ws.send('[{"T":"success","msg":"connected"}]');
      ws.on('message', (d) => received.push(JSON.parse(d.toString()).action as string));
    });
    cleanup.push(() => new Promise<void>((r) => {
      for (const ws of wss.clients) ws.terminate();
      wss.close(() => r());
    }));
    const seen = { issues: [] as ParseIssue[], log: [] as string[] };
    const c = new FeedClient({
      url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}/v2/iex`,
      adapter: alpacaAdapter({ keyId: 'k', secret: 's' }),
      symbols: ['SPY'],
      handshakeTimeoutMs: 300,
      backoff: { initialMs: 50, maxMs: 100, factor: 2, jitter: 0 },
      listener: {
        onEvent: () => undefined,
        onParseIssue: (i) => seen.issues.push(i),
        onConnected: (i) => seen.log.push(`connected ${i.connection}`),
        onDisconnected: (i) => seen.log.push(`disconnected ${i.connection}`),
        onReconnectAttempt: (i) => seen.log.push(`attempt ${i.attempt}`),
        onReconnectFailed: () => undefined,
      },
    });
    cleanup.push(() => c.stop());
    c.start();
    await waitFor(() => received.filter((a) => a === 'auth').length >= 2, 10_000);
    expect(received.every((a) => a === 'auth')).toBe(true);
    expect(seen.log.some((l) => l.startsWith('connected') || l.startsWith('disconnected'))).toBe(false);
    expect(seen.issues[0]?.detail).toBe('no authentication reply within 300ms');
  });
});

describe('Alpaca official SDK (@alpacahq/alpaca-trade-api 4.x, msgpack) against the emulator', () => {
  it('StockDataStream authenticates, subscribes and receives trades and quotes with nanosecond timestamps', async () => {
    const server = await emulator();
    const stream = new streaming.StockDataStream({ credentials: { keyId: 'PKTESTKEY0001', secret: 'test-secret-0001' }, url: `${server.url}/v2/iex`, reconnect: false });
    cleanup.push(() => stream.disconnect());
    const trades: Array<{ symbol: string; price: number; timestampRaw?: string | undefined }> = [];
    const quotes: Array<{ symbol: string; bidPrice: number; askPrice: number }> = [];
    const errors: string[] = [];
    stream.onConnect(() => {
      stream.subscribeForTrades(['SPY', 'QQQ']);
      stream.subscribeForQuotes(['SPY']);
    });
    stream.onTrade((t) => trades.push(t));
    stream.onQuote((q) => quotes.push(q));
    stream.onError((e) => errors.push(String(e)));
    stream.connect();
    const auth = await stream.waitForAuthenticationResult(10_000);
    expect(auth.status).toBe('authenticated');
    await waitFor(() => new Set(trades.map((t) => t.symbol)).size === 2 && quotes.length > 0, 15_000);
    expect(quotes.every((q) => q.symbol === 'SPY' && q.askPrice >= q.bidPrice)).toBe(true);
    expect(trades[0]?.timestampRaw).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    expect(errors).toEqual([]);
  });

  it('is refused with 402 under --auth-fail and does not retry', async () => {
    const server = await emulator({ authFail: true });
    const stream = new streaming.StockDataStream({ credentials: { keyId: 'PKTESTKEY0001', secret: 'test-secret-0001' }, url: `${server.url}/v2/iex` });
    cleanup.push(() => stream.disconnect());
    stream.onError(() => undefined);
    stream.connect();
    const auth = await stream.waitForAuthenticationResult(10_000);
    expect(auth).toMatchObject({ status: 'server_rejected', code: 402 });
    expect(server.stats().connections).toBe(1);
  });
});
