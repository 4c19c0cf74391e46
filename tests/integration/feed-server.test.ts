/** The feed server on an ephemeral loopback port with real ws clients. */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { MarketEvent } from '../../src/feeds/events.js';
import { startFeedServer, type FeedServer } from '../../src/feeds/server/feed-server.js';
import { faultsSchema } from '../../src/feeds/server/faults.js';
import { FixtureSource } from '../../src/feeds/server/sources.js';
import { waitFor } from '../helpers/wait.js';

const T0 = Date.UTC(2025, 7, 25, 13, 30);
const SESSION = { startMs: T0, endMs: T0 + 600_000 };

/** 10 minutes of one trade every 10 ms per symbol: at 100x, 10 000 events/s each. */
function fixtures(symbols: string[]): Map<string, MarketEvent[]> {
  return new Map(symbols.map((symbol) => [symbol, Array.from({ length: 60_000 }, (_, i): MarketEvent => ({ kind: 'trade', symbol, seq: i + 1, exchTs: T0 + i * 10, price: 100 + (i % 7) / 100, size: 100 }))]));
}

interface Frame { type: string; sym?: string; seq?: number; ts?: number; symbols?: string[]; id?: number; message?: string }

function connect(url: string): Promise<{ ws: WebSocket; frames: Frame[]; raw: string[] }> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const frames: Frame[] = [];
  const raw: string[] = [];
  ws.on('message', (d) => {
    const text = d.toString();
    raw.push(text);
    try {
      const parsed = JSON.parse(text) as Frame | Frame[];
      frames.push(...(Array.isArray(parsed) ? parsed : [parsed]).filter((f): f is Frame => f !== null && typeof f === 'object'));
    } catch {
      // garbage frames are counted through `raw`
    }
  });
  return new Promise((resolve) => ws.once('open', () => resolve({ ws, frames, raw })));
}

let servers: FeedServer[] = [];
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function server(faults = {}, speed = 100): Promise<FeedServer> {
  const s = await startFeedServer({ source: new FixtureSource('unused', speed, true, SESSION, fixtures(['SPY', 'QQQ', 'TSLA'])), faults: faultsSchema.parse(faults) });
  servers.push(s);
  return s;
}

const data = (frames: Frame[], sym?: string): Frame[] => frames.filter((f) => (f.type === 'trade' || f.type === 'quote') && (sym === undefined || f.sym === sym));

describe('feed server', () => {
  it('greets, subscribes, and streams only subscribed symbols with increasing seq and send-time stamps', async () => {
    const s = await server();
    const c = await connect(s.url);
    sockets.push(c.ws);
    await waitFor(() => c.frames.some((f) => f.type === 'hello'));
    expect(c.frames[0]).toMatchObject({ type: 'hello', protocol: 1, symbols: ['SPY', 'QQQ', 'TSLA'] });
    const before = Date.now();
    c.ws.send(JSON.stringify({ op: 'subscribe', symbols: ['SPY', 'QQQ', 'NOPE'] }));
    await waitFor(() => data(c.frames, 'QQQ').length > 2000);
    expect(c.frames.find((f) => f.type === 'error')?.message).toBe('unknown symbol NOPE');
    expect(c.frames.find((f) => f.type === 'subscribed')?.symbols).toEqual(['SPY', 'QQQ']);
    expect(data(c.frames, 'TSLA')).toEqual([]);
    const spy = data(c.frames, 'SPY');
    spy.forEach((f, i) => expect(f.seq).toBe(i + 1));
    for (const f of spy) expect(f.ts).toBeGreaterThanOrEqual(before - 5);
    c.ws.send(JSON.stringify({ op: 'unsubscribe', symbols: ['QQQ'] }));
    await waitFor(() => c.frames.some((f) => f.type === 'unsubscribed'));
    const at = c.frames.length;
    await waitFor(() => data(c.frames.slice(at), 'SPY').length > 500);
    expect(data(c.frames.slice(at + 5), 'QQQ')).toEqual([]);
    c.ws.send(JSON.stringify({ op: 'ping', id: 7 }));
    await waitFor(() => c.frames.some((f) => f.type === 'pong' && f.id === 7));
  });

  it('shares one timeline: a later client starts at the present, a reconnecting one sees a seq gap', async () => {
    const s = await server();
    const a = await connect(s.url);
    sockets.push(a.ws);
    a.ws.send(JSON.stringify({ op: 'subscribe', symbols: ['SPY'] }));
    await waitFor(() => data(a.frames).length > 3000);
    const b = await connect(s.url);
    sockets.push(b.ws);
    b.ws.send(JSON.stringify({ op: 'subscribe', symbols: ['SPY'] }));
    await waitFor(() => data(b.frames).length > 100);
    expect(data(b.frames)[0]?.seq).toBeGreaterThan(3000);
    expect(s.stats().clients).toBe(2);
  });

  it('silences a symbol for a staleness drill', async () => {
    const s = await server({ silent_symbols: ['QQQ'] });
    const c = await connect(s.url);
    sockets.push(c.ws);
    c.ws.send(JSON.stringify({ op: 'subscribe', symbols: ['SPY', 'QQQ'] }));
    await waitFor(() => data(c.frames, 'SPY').length > 2000);
    expect(data(c.frames, 'QQQ')).toEqual([]);
  });

  it('injects malformed frames, gaps and duplicates from a seeded plan', async () => {
    const s = await server({ malformed_rate: 0.05, gap_rate: 0.05, duplicate_rate: 0.05 });
    const c = await connect(s.url);
    sockets.push(c.ws);
    c.ws.send(JSON.stringify({ op: 'subscribe', symbols: ['SPY'] }));
    await waitFor(() => data(c.frames, 'SPY').length > 5000);
    const seqs = data(c.frames, 'SPY').map((f) => f.seq ?? 0);
    const dups = seqs.filter((q, i) => i > 0 && q === seqs[i - 1]).length;
    const gaps = seqs.filter((q, i) => i > 0 && q > (seqs[i - 1] ?? 0) + 1).length;
    expect(dups).toBeGreaterThan(50);
    expect(gaps).toBeGreaterThan(50);
    expect(s.stats().malformedSent).toBeGreaterThan(50);
    expect(c.raw.filter((r) => { try { JSON.parse(r); return false; } catch { return true; } }).length).toBeGreaterThan(5);
  });

  it('drops connections on schedule and frees its port on close', async () => {
    const s = await server({ drop_every_ms: 200 });
    const c = await connect(s.url);
    const closed = new Promise<number>((r) => c.ws.once('close', (code) => r(code)));
    expect(await closed).toBe(1006);
    await s.close();
    servers = [];
    const again = await startFeedServer({ port: s.port, source: new FixtureSource('unused', 1, true, SESSION, fixtures(['SPY'])) });
    servers.push(again);
    expect(again.port).toBe(s.port);
  });
});
