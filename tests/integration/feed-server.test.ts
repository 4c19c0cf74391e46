/** The feed server on an ephemeral loopback port with real ws clients. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { MarketEvent } from '../../src/feeds/events.js';
import { startFeedServer, type FeedServer } from '../../src/feeds/server/feed-server.js';
import { faultsSchema } from '../../src/feeds/server/faults.js';
import { FixtureSource, SyntheticSource } from '../../src/feeds/server/sources.js';
import { waitFor } from '../helpers/wait.js';

const T0 = Date.UTC(2025, 7, 25, 13, 30);
const SESSION = { startMs: T0, endMs: T0 + 600_000 };

/**
 * 10 minutes of one trade every 10 ms per symbol: at 100x, 10 000 events/s each. Each symbol is
 * offset by 1 ms more than the previous one, so event-time order across symbols is known; the
 * size carries the event's index so a test can tell which event came through.
 */
function fixtures(symbols: string[], count = 60_000): Map<string, MarketEvent[]> {
  return new Map(symbols.map((symbol, k) => [symbol, Array.from({ length: count }, (_, i): MarketEvent => ({ kind: 'trade', symbol, seq: i + 1, exchTs: T0 + i * 10 + k, price: 100 + (i % 7) / 100, size: i + 1 }))]));
}

interface Frame { type: string; sym?: string; seq?: number; ts?: number; s?: number; symbols?: string[]; id?: number; message?: string }

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
    expect(spy.map((f) => f.seq)).toEqual(spy.map((_, i) => i + 1));
    // Stamped with the server's wall clock when sent: after the subscription, not after receipt.
    const now = Date.now();
    expect(spy.filter((f) => !(f.ts !== undefined && f.ts >= before && f.ts <= now))).toEqual([]);
    c.ws.send(JSON.stringify({ op: 'unsubscribe', symbols: ['QQQ'] }));
    await waitFor(() => c.frames.some((f) => f.type === 'unsubscribed'));
    const at = c.frames.length;
    await waitFor(() => data(c.frames.slice(at), 'SPY').length > 500);
    expect(data(c.frames.slice(at + 5), 'QQQ')).toEqual([]);
    c.ws.send(JSON.stringify({ op: 'ping', id: 7 }));
    await waitFor(() => c.frames.some((f) => f.type === 'pong' && f.id === 7));
  });

  it('shares one timeline: a later client starts at the present', async () => {
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

  it('merges symbols in event-time order', async () => {
    const s = await server();
    const c = await connect(s.url);
    sockets.push(c.ws);
    c.ws.send(JSON.stringify({ op: 'subscribe', symbols: ['SPY', 'QQQ', 'TSLA'] }));
    await waitFor(() => data(c.frames).length > 6000);
    // SPY, QQQ and TSLA events are 1 ms apart within each 10 ms step: the stream cycles through them.
    const syms = data(c.frames).map((f) => f.sym);
    const first = syms.indexOf('SPY');
    expect(first).toBeLessThan(3);
    expect(syms.slice(first, first + 5997)).toEqual(Array.from({ length: 1999 }, () => ['SPY', 'QQQ', 'TSLA']).flat());
  });

  it('runs the timeline while a client is away: on return it sees a seq gap, not a backlog', async () => {
    const s = await server();
    const a = await connect(s.url);
    sockets.push(a.ws);
    a.ws.send(JSON.stringify({ op: 'subscribe', symbols: ['SPY'] }));
    await waitFor(() => data(a.frames).length > 1000);
    a.ws.terminate();
    await waitFor(() => s.stats().clients === 0);
    const lastSeen = data(a.frames).at(-1)?.seq ?? 0;
    // Time passes on the shared timeline while SPY has nobody listening: a QQQ client shows it.
    const watcher = await connect(s.url);
    sockets.push(watcher.ws);
    watcher.ws.send(JSON.stringify({ op: 'subscribe', symbols: ['QQQ'] }));
    await waitFor(() => data(watcher.frames).length > 2000);
    const back = await connect(s.url);
    sockets.push(back.ws);
    back.ws.send(JSON.stringify({ op: 'subscribe', symbols: ['SPY'] }));
    await waitFor(() => data(back.frames).length > 100);
    const resumed = data(back.frames);
    expect(resumed[0]?.seq).toBeGreaterThan(lastSeen + 1000);
    // Consecutive from there, and no burst of what was missed: the first event is the present one.
    expect(resumed.map((f) => f.seq)).toEqual(resumed.map((_, i) => (resumed[0]?.seq ?? 0) + i));
    expect(resumed[0]?.s).toBeGreaterThan((data(a.frames).at(-1)?.s ?? 0) + 1000);
  });

  it('ends a non-looping replay after the last event, every event sent once in order', async () => {
    const s = await startFeedServer({ source: new FixtureSource('unused', 100, false, { startMs: T0, endMs: T0 + 10_000 }, fixtures(['SPY'], 1000)), startImmediately: true });
    servers.push(s);
    const c = await connect(s.url);
    sockets.push(c.ws);
    c.ws.send(JSON.stringify({ op: 'subscribe', symbols: ['SPY'] }));
    await waitFor(() => data(c.frames).at(-1)?.s === 1000);
    const sizes = data(c.frames).map((f) => f.s ?? 0);
    expect(sizes).toEqual(sizes.map((_, i) => (sizes[0] ?? 0) + i));
  });

  it('streams a synthetic feed for any ticker at the chosen rate', async () => {
    const s = await startFeedServer({ source: new SyntheticSource(5000, 3) });
    servers.push(s);
    const c = await connect(s.url);
    sockets.push(c.ws);
    c.ws.send(JSON.stringify({ op: 'subscribe', symbols: ['ZZZT', 'SPY'] }));
    await waitFor(() => data(c.frames, 'ZZZT').length > 2000 && data(c.frames, 'SPY').length > 2000);
    expect(c.frames.find((f) => f.type === 'subscribed')?.symbols).toEqual(['ZZZT', 'SPY']);
    const zzzt = data(c.frames, 'ZZZT');
    expect(zzzt.map((f) => f.seq)).toEqual(zzzt.map((_, i) => i + 1));
  });

  it('answers a subscription to a damaged fixture with an error frame naming the file, and keeps serving', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trader-feed-fixtures-'));
    writeFileSync(join(dir, 'SPY.ndjson.gz'), gzipSync('{"type":"trade","sym":"SPY",\n'));
    writeFileSync(join(dir, 'QQQ.ndjson.gz'), gzipSync('{"type":"trade","sym":"QQQ","seq":1,"ts":1756128600000,"p":570.4,"s":100}\n'));
    const s = await startFeedServer({ source: new FixtureSource(dir, 1, true, SESSION) });
    servers.push(s);
    const c = await connect(s.url);
    sockets.push(c.ws);
    c.ws.send(JSON.stringify({ op: 'subscribe', symbols: ['SPY', 'QQQ'] }));
    await waitFor(() => c.frames.some((f) => f.type === 'subscribed'));
    expect(c.frames.find((f) => f.type === 'error')?.message).toMatch(/^cannot serve SPY: .*SPY\.ndjson\.gz:1: not JSON$/);
    expect(c.frames.find((f) => f.type === 'subscribed')?.symbols).toEqual(['QQQ']);
    c.ws.send(JSON.stringify({ op: 'ping', id: 1 }));
    await waitFor(() => c.frames.some((f) => f.type === 'pong'));
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

  it('sends poison ticks per symbol on schedule, and stamps a skewed symbol off by its skew', async () => {
    const s = await server({ poison_every_ms: 100, clock_skew_ms: { QQQ: 3_600_000 } });
    const c = await connect(s.url);
    sockets.push(c.ws);
    c.ws.send(JSON.stringify({ op: 'subscribe', symbols: ['SPY', 'QQQ'] }));
    const poison = (sym: string): Frame[] => data(c.frames, sym).filter((f) => (f.ts ?? 0) >= Date.UTC(2100, 0, 1) || f.seq === 2 ** 53 || (f as { p?: number }).p === 0.01);
    await waitFor(() => poison('SPY').length >= 9 && poison('QQQ').length >= 9, 10_000);
    const spy = poison('SPY');
    // Three per round, in a fixed order, each round one real event after the last.
    expect(spy.slice(0, 3).map((f) => [f.ts === Date.UTC(2100, 0, 1), f.seq === 2 ** 53, (f as { p?: number }).p === 0.01 && f.s === 1_000_000])).toEqual([
      [true, false, false],
      [false, true, false],
      [false, false, true],
    ]);
    // The far-future and the $0.01 ticks spend seqs like real frames: the real stream's numbering stays contiguous with them.
    const seqs = data(c.frames, 'SPY').map((f) => f.seq ?? 0).filter((q) => q !== 2 ** 53);
    expect(seqs.every((q, i) => i === 0 || q === (seqs[i - 1] ?? 0) + 1)).toBe(true);
    const now = Date.now();
    const qqq = data(c.frames, 'QQQ').filter((f) => f.seq !== 2 ** 53 && (f as { p?: number }).p !== 0.01 && (f.ts ?? 0) < Date.UTC(2100, 0, 1));
    expect(qqq.every((f) => Math.abs((f.ts ?? 0) - 3_600_000 - now) < 60_000)).toBe(true);
    expect(data(c.frames, 'SPY').filter((f) => (f.ts ?? 0) < Date.UTC(2100, 0, 1)).every((f) => Math.abs((f.ts ?? 0) - now) < 60_000)).toBe(true);
  });

  it('drops connections on schedule and frees its port on close', async () => {
    const s = await server({ drop_every_ms: 200 });
    const c = await connect(s.url);
    c.ws.send(JSON.stringify({ op: 'subscribe', symbols: ['SPY'] }));
    const closed = new Promise<number>((r) => c.ws.once('close', (code) => r(code)));
    expect(await closed).toBe(1006);
    await s.close();
    servers = [];
    const again = await startFeedServer({ port: s.port, source: new FixtureSource('unused', 1, true, SESSION, fixtures(['SPY'])) });
    servers.push(again);
    expect(again.port).toBe(s.port);
  });

  it('times scheduled faults from the first subscription, so a client that connects late meets every one', async () => {
    const s = await server({ drop_at_ms: [300, 2500] });
    // A runner that takes its time to start (a loaded machine): the schedule has not started without it.
    await new Promise((r) => setTimeout(r, 1200));
    expect(s.stats().drops).toBe(0);
    const first = await connect(s.url);
    sockets.push(first.ws);
    first.ws.send(JSON.stringify({ op: 'subscribe', symbols: ['SPY'] }));
    expect(await new Promise<number>((r) => first.ws.once('close', (code) => r(code)))).toBe(1006);
    const second = await connect(s.url);
    sockets.push(second.ws);
    second.ws.send(JSON.stringify({ op: 'subscribe', symbols: ['SPY'] }));
    expect(await new Promise<number>((r) => second.ws.once('close', (code) => r(code)))).toBe(1006);
    expect(s.stats().drops).toBe(2);
  });
});
