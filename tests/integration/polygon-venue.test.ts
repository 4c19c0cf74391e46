/**
 * Polygon through real sockets on 127.0.0.1: our adapter against `--protocol polygon`, and the
 * official JS client (@polygon.io/client-js, websocket client with a custom host) against it.
 */
import { websocketClient } from '@polygon.io/client-js';
import { afterEach, describe, expect, it } from 'vitest';
import type { ParseIssue } from '../../src/feeds/adapter.js';
import { FeedClient, type FeedListener } from '../../src/feeds/client.js';
import type { MarketEvent } from '../../src/feeds/events.js';
import { polygonAdapter } from '../../src/feeds/polygon.js';
import { startFeedServer, type FeedServer } from '../../src/feeds/server/feed-server.js';
import { SyntheticSource } from '../../src/feeds/server/sources.js';
import { waitFor } from '../helpers/wait.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function emulator(drills: { authFail?: boolean; connectionLimit?: number } = {}): Promise<FeedServer> {
  const server = await startFeedServer({ source: new SyntheticSource(40, 5), protocol: 'polygon', drills });
  cleanup.push(() => server.close());
  return server;
}

function client(url: string, symbols: string[]) {
  const seen = { events: [] as MarketEvent[], issues: [] as ParseIssue[], fatal: [] as string[], log: [] as string[] };
  const listener: FeedListener = {
    onEvent: (e) => seen.events.push(e),
    onParseIssue: (i) => seen.issues.push(i),
    onConnected: (i) => seen.log.push(`connected ${i.connection}`),
    onDisconnected: (i) => seen.log.push(`disconnected ${i.connection}`),
    onReconnectAttempt: (i) => seen.log.push(`attempt ${i.attempt}`),
    onReconnectFailed: (i) => seen.log.push(`failed ${i.attempt}`),
    onFatal: (i) => seen.fatal.push(i.cause),
  };
  const c = new FeedClient({ url: `${url}/stocks`, adapter: polygonAdapter('POLYTESTKEY123'), symbols, listener, backoff: { initialMs: 50, maxMs: 200, factor: 2, jitter: 0 } });
  cleanup.push(() => c.stop());
  return { c, seen };
}

const has = (events: MarketEvent[], kind: MarketEvent['kind'], symbol: string): boolean => events.some((e) => e.kind === kind && e.symbol === symbol);

describe('Polygon adapter against the emulator', () => {
  it('authenticates, subscribes, receives trades and quotes for every symbol (no false duplicates), and subscribes a symbol added live', async () => {
    const server = await emulator();
    const { c, seen } = client(server.url, ['SPY', 'QQQ', 'TSLA']);
    c.start();
    await waitFor(() => ['SPY', 'QQQ', 'TSLA'].every((s) => has(seen.events, 'trade', s) && has(seen.events, 'quote', s)), 15_000);
    c.addSymbols(['AAPL']);
    await waitFor(() => has(seen.events, 'quote', 'AAPL'), 15_000);
    expect(seen.issues).toEqual([]);
    expect(seen.fatal).toEqual([]);
    expect(seen.log).toEqual(['connected 1']);
  });

  it('auth_failed ends the feed after one connection', async () => {
    const server = await emulator({ authFail: true });
    const { c, seen } = client(server.url, ['SPY']);
    c.start();
    await waitFor(() => seen.fatal.length > 0, 10_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(seen.fatal).toEqual(['polygon auth_failed: authentication failed']);
    expect(server.stats().connections).toBe(1);
  });

  it('max_connections arrives on the old connection when a second one authenticates, and is fatal there', async () => {
    const server = await emulator({ connectionLimit: 1 });
    const first = client(server.url, ['SPY']);
    first.c.start();
    await waitFor(() => first.seen.events.length > 0, 10_000);
    const second = client(server.url, ['SPY']);
    second.c.start();
    await waitFor(() => first.seen.fatal.length > 0, 10_000);
    expect(first.seen.fatal[0]).toMatch(/^polygon max_connections: Maximum number of websocket connections exceeded/);
    const before = second.seen.events.length;
    await waitFor(() => second.seen.events.length > before + 5, 10_000);
    expect(second.seen.fatal).toEqual([]);
  });
});

describe('Polygon official JS client (@polygon.io/client-js) against the emulator', () => {
  it('its stocks websocket authenticates on open, subscribes, and receives T and Q', async () => {
    const server = await emulator();
    const ws = websocketClient('POLYTESTKEY123', server.url).stocks();
    cleanup.push(() => ws.close());
    const statuses: string[] = [];
    const data: Array<{ ev: string; sym: string; t: number; q: number }> = [];
    // onopen is the client's own (it sends the auth): only onmessage is ours.
    ws.onmessage = (e: { data: unknown }) => {
      for (const m of JSON.parse(String(e.data)) as Array<{ ev: string; status?: string; message?: string; sym: string; t: number; q: number }>) {
        if (m.ev === 'status') {
          statuses.push(`${m.status ?? ''}: ${m.message ?? ''}`);
          if (m.status === 'auth_success') ws.send(JSON.stringify({ action: 'subscribe', params: 'T.SPY, Q.SPY' }));
        } else data.push(m);
      }
    };
    await waitFor(() => data.some((m) => m.ev === 'T') && data.some((m) => m.ev === 'Q'), 15_000);
    expect(statuses).toEqual(['connected: Connected Successfully', 'auth_success: authenticated', 'success: subscribed to: T.SPY', 'success: subscribed to: Q.SPY']);
    expect(data.every((m) => m.sym === 'SPY' && Number.isInteger(m.t) && Math.abs(m.t - Date.now()) < 60_000)).toBe(true);
  });
});
