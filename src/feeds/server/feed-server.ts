/**
 * The market-data WebSocket server: the embedded replay feed inside `trader run` and the
 * standalone `trader feed-server` for drills. Like a live venue it has one timeline shared by all
 * connections (it starts at the first subscription), per-symbol sequence numbers that run
 * server-wide (a client that reconnects sees a gap for what it missed), and exchange timestamps
 * stamped at send time. A pacing loop sends every due event each tick, merged across symbols in
 * event-time order and batched per client. The timeline of a symbol runs from its first
 * subscription whether or not anyone is still listening, so a client that was away misses data
 * (and sees the seq gap) instead of receiving a stale backlog.
 *
 * Fault injection hooks in at three points only: the handshake (verifyClient), `publish` (per
 * event: gaps, duplicates, reordering, garbage, poison ticks, a skewed clock) and the timers
 * (drops, rotation, oversize frames).
 */
import type { IncomingMessage } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import type { MarketEvent } from '../events.js';
import { protocolFor, type Conn, type ProtocolOptions, type ProtocolSession, type ServerProtocol } from './encoders.js';
import { FaultPlan, NO_FAULTS, poisonTicks, type Faults } from './faults.js';
import type { Due, Source } from './sources.js';

export interface FeedServerOptions {
  host?: string;
  port?: number;
  source: Source;
  protocol?: ServerProtocol;
  /** Venue drills: every auth refused, a connection limit. */
  drills?: ProtocolOptions['drills'];
  faults?: Faults;
  /** Start the timeline now instead of at the first subscription. */
  startImmediately?: boolean;
  tickMs?: number;
}

export interface FeedServerStats {
  connections: number;
  clients: number;
  eventsSent: number;
  framesSent: number;
  malformedSent: number;
  slowClientsDropped: number;
  /** Scheduled drops that closed at least one connection. */
  drops: number;
}

export interface FeedServer {
  url: string;
  port: number;
  stats(): FeedServerStats;
  close(): Promise<void>;
}

interface Client {
  ws: WebSocket;
  symbols: Set<string>;
  batch: string[];
  session: ProtocolSession;
}

/** A client this far behind is not keeping up; it is dropped rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;
/** How long a connection told to rotate may stay before the server closes it. */
const ROTATION_GRACE_MS = 2000;
/** Keeps every frame far below a client's payload limit (ours is 1 MiB). */
const MAX_EVENTS_PER_FRAME = 500;

export async function startFeedServer(options: FeedServerOptions): Promise<FeedServer> {
  const source = options.source;
  const codec = protocolFor(options.protocol ?? 'native', { available: () => source.available(), ...(options.drills ? { drills: options.drills } : {}) });
  const plan = new FaultPlan(options.faults ?? NO_FAULTS);
  const silent = new Set(plan.faults.silent_symbols);
  const clients = new Set<Client>();
  /** Symbols whose timeline is running: everything ever subscribed. */
  const live = new Set<string>();
  const seqs = new Map<string, number>();
  const stats: FeedServerStats = { connections: 0, clients: 0, eventsSent: 0, framesSent: 0, malformedSent: 0, slowClientsDropped: 0, drops: 0 };
  let originMs: number | undefined;
  /**
   * Every timed fault (drops, stalls, refusals, rotations, oversize frames) runs on the session's
   * clock, started by the first subscription like the data timeline: a client that connects late
   * still meets the whole drill, and the server never reports a drop that closed nobody.
   */
  const sinceOrigin = (): number => (originMs === undefined ? -1 : Date.now() - originMs);
  let heldBack: { symbol: string; wire: string } | undefined;

  const wss = new WebSocketServer({
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    perMessageDeflate: false,
    // Pongs are answered by hand so a stall drill can withhold them.
    autoPong: false,
    verifyClient: (_info: { req: IncomingMessage }, done: (ok: boolean, code?: number, message?: string) => void) => {
      if (plan.refusingAt(sinceOrigin())) done(false, 503, 'refusing connections (drill)');
      else if (plan.faults.delay_connections_ms > 0) setTimeout(() => done(true), plan.faults.delay_connections_ms);
      else done(true);
    },
  });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  const port = (wss.address() as { port: number }).port;

  wss.on('connection', (ws, req) => {
    stats.connections += 1;
    const symbols = new Set<string>();
    const conn: Conn = {
      symbols,
      subscribe: (wanted) => {
        const unknown = wanted.filter((s) => !source.has(s));
        const broken: string[] = [];
        for (const s of wanted) {
          if (!source.has(s)) continue;
          try {
            source.open(s);
          } catch (err) {
            broken.push(`${s}: ${(err as Error).message}`);
            continue;
          }
          symbols.add(s);
          live.add(s);
        }
        if (originMs === undefined) beginSession(Date.now());
        return { unknown, broken };
      },
      unsubscribe: (gone) => {
        for (const s of gone) symbols.delete(s);
      },
      send: (frame) => {
        if (ws.readyState === ws.OPEN) ws.send(frame);
      },
      // A stalled server still takes subscriptions in, it just answers nothing until the stall ends.
      reply: (frame) => {
        if (!plan.stalledAt(sinceOrigin()) && ws.readyState === ws.OPEN) ws.send(frame);
      },
      close: (code, reason) => ws.close(code, reason),
      ping: (payload) => {
        if (ws.readyState === ws.OPEN) ws.ping(payload);
      },
    };
    const client: Client = { ws, symbols, batch: [], session: codec.accept(conn, req) };
    clients.add(client);
    ws.on('ping', (data) => {
      client.session.onControlFrame?.('ping', data);
      if (!plan.stalledAt(sinceOrigin())) ws.pong(data);
    });
    ws.on('pong', (data) => client.session.onControlFrame?.('pong', data));
    ws.on('message', (data, isBinary) => client.session.onMessage(Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer), isBinary));
    const gone = (): void => {
      if (clients.delete(client)) client.session.onClose();
    };
    ws.on('close', gone);
    ws.on('error', gone);
  });

  const due: Due[] = [];
  const byDueTime = (a: Due, b: Due): number => a.atMs - b.atMs;
  function tick(): void {
    if (originMs === undefined || live.size === 0) return;
    const now = Date.now();
    if (plan.stalledAt(now - originMs)) return;
    due.length = 0;
    for (const symbol of live) {
      const from = due.length;
      source.pull(symbol, originMs, now, due);
      if (silent.has(symbol)) due.length = from;
    }
    // Each symbol's run is already in order; a stable sort merges them and keeps symbol order on ties.
    if (live.size > 1) due.sort(byDueTime);
    for (const d of due) publish(d.event, now);
    for (const c of clients) if (c.batch.length) flush(c);
  }

  function publish(event: MarketEvent, now: number): void {
    const symbol = event.symbol;
    const seq = (seqs.get(symbol) ?? 0) + 1;
    seqs.set(symbol, seq);
    // Nobody listening: the seq is spent all the same, which is how a returning client sees its gap.
    if (!listened(symbol)) return;
    if (plan.perEvent && plan.withhold()) return;
    const wire = codec.encode({ ...event, seq, exchTs: now + plan.skewMs(symbol) });
    if (plan.perEvent) {
      const garbage = plan.malformed(event);
      if (garbage !== undefined) {
        stats.malformedSent += 1;
        // Garbage goes out as its own frame, as a broken venue would send it.
        for (const c of clients) if (c.symbols.has(symbol)) sendFrame(c, garbage);
      }
      if (heldBack === undefined && plan.holdBack()) {
        heldBack = { symbol, wire };
        return;
      }
    }
    enqueue(symbol, wire);
    if (plan.poisonDue(symbol, now)) {
      const nextSeq = (): number => {
        const n = (seqs.get(symbol) ?? 0) + 1;
        seqs.set(symbol, n);
        return n;
      };
      for (const bad of poisonTicks({ ...event, seq }, now, nextSeq)) enqueue(symbol, codec.encode(bad));
    }
    if (plan.perEvent && plan.duplicate()) enqueue(symbol, wire);
    if (heldBack && heldBack.wire !== wire) {
      const late = heldBack;
      heldBack = undefined;
      enqueue(late.symbol, late.wire);
    }
  }

  function listened(symbol: string): boolean {
    for (const c of clients) if (c.symbols.has(symbol)) return true;
    return false;
  }

  function enqueue(symbol: string, wire: string): void {
    for (const c of clients) {
      if (!c.symbols.has(symbol)) continue;
      c.batch.push(wire);
      stats.eventsSent += 1;
    }
  }

  function flush(c: Client): void {
    // A burst (a catch-up after a stall, a fast replay) goes out in frames of bounded size.
    for (let i = 0; i < c.batch.length; i += MAX_EVENTS_PER_FRAME) {
      for (const frame of c.session.frames(c.batch.slice(i, i + MAX_EVENTS_PER_FRAME))) sendFrame(c, frame);
    }
    c.batch = [];
  }

  function sendFrame(c: Client, frame: string | Uint8Array): void {
    if (c.ws.readyState !== c.ws.OPEN) return;
    if (c.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      stats.slowClientsDropped += 1;
      c.session.slowClient();
      if (clients.delete(c)) c.session.onClose();
      return;
    }
    c.ws.send(frame);
    stats.framesSent += 1;
  }

  const dropAll = (): void => {
    if (clients.size === 0) return;
    stats.drops += 1;
    for (const c of clients) c.ws.terminate();
  };

  const timers: NodeJS.Timeout[] = [setInterval(tick, options.tickMs ?? 5)];
  /** Starts the session clock and the timed faults on it (once). */
  function beginSession(at: number): void {
    originMs = at;
    const faults = plan.faults;
    if (faults.drop_every_ms !== undefined) timers.push(setInterval(dropAll, faults.drop_every_ms));
    for (const ms of faults.drop_at_ms) timers.push(setTimeout(dropAll, ms));
    if (faults.oversize_every_ms !== undefined) {
      const huge = `{"type":"trade","sym":"SPY","pad":"${'x'.repeat(2 << 20)}"}`;
      timers.push(
        setInterval(() => {
          for (const c of clients) if (c.symbols.size) sendFrame(c, huge);
          stats.malformedSent += 1;
        }, faults.oversize_every_ms),
      );
    }
    if (faults.slow_client_at_ms !== undefined) {
      timers.push(
        setTimeout(() => {
          for (const c of [...clients]) {
            if (!c.symbols.size) continue;
            stats.slowClientsDropped += 1;
            c.session.slowClient();
          }
        }, faults.slow_client_at_ms),
      );
    }
    if (faults.rotate_every_ms !== undefined) {
      timers.push(
        setInterval(() => {
          for (const c of clients) {
            const notice = c.session.rotationNotice();
            if (notice !== undefined && c.ws.readyState === c.ws.OPEN) c.ws.send(notice);
            // Not tracked: closing an already-gone socket later is harmless, and close() terminates all.
            setTimeout(() => c.ws.close(1012, 'rotated'), ROTATION_GRACE_MS).unref();
          }
        }, faults.rotate_every_ms),
      );
    }
  }
  if (options.startImmediately) beginSession(Date.now());

  return {
    url: `ws://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    stats: () => ({ ...stats, clients: clients.size }),
    close: async () => {
      for (const t of timers) clearInterval(t);
      for (const c of clients) c.ws.terminate();
      clients.clear();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
