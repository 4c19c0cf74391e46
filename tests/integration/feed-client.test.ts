/**
 * The shared feed client against a real WebSocket server on an ephemeral loopback port that the
 * test controls: subscriptions, parsing at the edge, reconnection with resubscription, and
 * half-open (silent) connection detection.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ParseIssue } from '../../src/feeds/adapter.js';
import { FeedClient, type FeedListener } from '../../src/feeds/client.js';
import type { MarketEvent } from '../../src/feeds/events.js';
import { nativeAdapter } from '../../src/feeds/native.js';
import { waitFor } from '../helpers/wait.js';

interface Venue {
  wss: WebSocketServer;
  url: string;
  sockets: WebSocket[];
  received: Array<{ connection: number; msg: { op: string; symbols?: string[] } }>;
}

async function startVenue(autoPong = true): Promise<Venue> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, autoPong });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const venue: Venue = { wss, url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}`, sockets: [], received: [] };
  wss.on('connection', (ws) => {
    venue.sockets.push(ws);
    const connection = venue.sockets.length;
    ws.on('message', (data) => venue.received.push({ connection, msg: JSON.parse(data.toString()) as { op: string } }));
  });
  return venue;
}

function recorder() {
  const events: MarketEvent[] = [];
  const issues: ParseIssue[] = [];
  const log: string[] = [];
  const listener: FeedListener = {
    onEvent: (e) => events.push(e),
    onParseIssue: (i) => issues.push(i),
    onConnected: (i) => log.push(`connected ${i.connection} attempt=${i.attempt} downtime=${i.downtimeMs === undefined ? 'none' : 'some'}`),
    onDisconnected: (i) => log.push(`disconnected ${i.connection} code=${i.code}`),
    onReconnectAttempt: (i) => log.push(`attempt ${i.attempt} delay=${i.delayMs}`),
    onReconnectFailed: (i) => log.push(`failed ${i.attempt}`),
  };
  return { events, issues, log, listener };
}

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});

function track(venue: Venue, client: FeedClient): void {
  cleanup.push(() => client.stop(), () => new Promise<void>((r) => {
    for (const ws of venue.wss.clients) ws.terminate();
    venue.wss.close(() => r());
  }));
}

describe('FeedClient', () => {
  it('subscribes, parses frames into typed events and counts bad frames without dying', async () => {
    const venue = await startVenue();
    const rec = recorder();
    const client = new FeedClient({ url: venue.url, adapter: nativeAdapter, symbols: ['SPY', 'QQQ'], listener: rec.listener });
    track(venue, client);
    client.start();
    await waitFor(() => venue.received.length > 0);
    expect(venue.received[0]?.msg).toEqual({ op: 'subscribe', symbols: ['SPY', 'QQQ'] });
    const ws = venue.sockets[0];
    ws?.send('{"type":"trade","sym":"SPY","seq":1,"ts":1756128600000,"p":641.2,"s":100}');
    ws?.send('garbage');
    ws?.send('{"type":"quote","sym":"QQQ","seq":1,"ts":1756128600001,"bp":570.1,"bs":3,"ap":570.12,"as":2}');
    await waitFor(() => rec.events.length === 2);
    expect(rec.events.map((e) => `${e.kind}:${e.symbol}`)).toEqual(['trade:SPY', 'quote:QQQ']);
    expect(rec.issues).toEqual([{ kind: 'bad_json', detail: 'frame is not JSON' }]);
  });

  it('reconnects at once after a drop and resubscribes every symbol, including ones added since', async () => {
    const venue = await startVenue();
    const rec = recorder();
    // stableAfterMs 0: every connection counts as stable, so each drop is retried at once.
    const client = new FeedClient({ url: venue.url, adapter: nativeAdapter, symbols: ['SPY'], listener: rec.listener, stableAfterMs: 0 });
    track(venue, client);
    client.start();
    await waitFor(() => venue.received.length === 1);
    client.addSymbols(['TSLA']);
    await waitFor(() => venue.received.length === 2);
    expect(venue.received[1]?.msg).toEqual({ op: 'subscribe', symbols: ['TSLA'] });
    for (let drop = 1; drop <= 3; drop += 1) {
      venue.sockets[venue.sockets.length - 1]?.terminate();
      await waitFor(() => venue.sockets.length === drop + 1 && venue.received.some((r) => r.connection === drop + 1));
    }
    expect(venue.received.filter((r) => r.connection > 1).map((r) => r.msg)).toEqual([
      { op: 'subscribe', symbols: ['SPY', 'TSLA'] },
      { op: 'subscribe', symbols: ['SPY', 'TSLA'] },
      { op: 'subscribe', symbols: ['SPY', 'TSLA'] },
    ]);
    expect(rec.log.filter((l) => l.startsWith('disconnected'))).toHaveLength(3);
    expect(rec.log.filter((l) => l.startsWith('connected') && l.endsWith('downtime=some'))).toHaveLength(3);
    expect(rec.log.filter((l) => l.startsWith('attempt'))).toEqual(['attempt 1 delay=0', 'attempt 1 delay=0', 'attempt 1 delay=0']);
  });

  it('keeps retrying while the venue is down and connects when it comes back', async () => {
    const venue = await startVenue();
    const port = (venue.wss.address() as { port: number }).port;
    await new Promise<void>((r) => venue.wss.close(() => r()));
    const rec = recorder();
    const client = new FeedClient({ url: venue.url, adapter: nativeAdapter, symbols: ['SPY'], listener: rec.listener, backoff: { initialMs: 20, factor: 2, maxMs: 100, jitter: 0.2 } });
    client.start();
    await waitFor(() => rec.log.filter((l) => l.startsWith('failed')).length >= 3);
    const back = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false });
    cleanup.push(() => client.stop(), () => new Promise<void>((r) => back.close(() => r())));
    await waitFor(() => rec.log.some((l) => l.startsWith('connected')));
    expect(client.isOpen).toBe(true);
  });

  it('detects a silent (half-open) connection with ping/pong and reconnects', async () => {
    const venue = await startVenue(false); // this server never answers pings
    const rec = recorder();
    const client = new FeedClient({ url: venue.url, adapter: nativeAdapter, symbols: ['SPY'], listener: rec.listener, pingIntervalMs: 100, pingTimeoutMs: 100 });
    track(venue, client);
    client.start();
    await waitFor(() => rec.log.some((l) => l.startsWith('disconnected 1 code=1006')));
    await waitFor(() => venue.sockets.length >= 2);
  });
});
