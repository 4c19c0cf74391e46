/**
 * The one WebSocket client every feed goes through, live venue or embedded replay: connect,
 * authenticate, subscribe, parse frames at the edge, watch the connection with ping/pong, and
 * reconnect forever with backoff, resubscribing the current symbol set. It never decides anything;
 * it hands typed events to its listener.
 */
import WebSocket from 'ws';
import type { FrameSink, OutFrame, ParseIssue, VenueAdapter } from './adapter.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import type { MarketEvent } from './events.js';

export interface FeedListener {
  onEvent(event: MarketEvent, recvMs: number, recvNs: bigint): void;
  onParseIssue(issue: ParseIssue): void;
  onConnected(info: { url: string; connection: number; attempt: number; downtimeMs: number | undefined }): void;
  onDisconnected(info: { url: string; connection: number; code: number; reason: string }): void;
  onReconnectAttempt(info: { url: string; attempt: number; delayMs: number }): void;
  onReconnectFailed(info: { url: string; attempt: number; error: string }): void;
  /** A venue-announced rotation completed: the new socket was up before the old one closed. */
  onRotated?(info: { url: string; from: number; to: number; reason: string }): void;
  /**
   * The venue refused us in a way no reconnect fixes (auth failed, connection limit, subscription
   * the account lacks): the client has stopped for good.
   */
  onFatal?(info: { url: string; connection: number; cause: string }): void;
  /** Every raw text frame, for --record; optional because it costs a copy. */
  onFrame?(frame: string, recvMs: number, connection: number): void;
}

export interface FeedClientOptions {
  url: string;
  adapter: VenueAdapter;
  symbols: string[];
  listener: FeedListener;
  pingIntervalMs?: number;
  pingTimeoutMs?: number;
  handshakeTimeoutMs?: number;
  backoff?: BackoffPolicy;
  /** A connection that lived this long resets the attempt counter. */
  stableAfterMs?: number;
  maxFrameBytes?: number;
}

export class FeedClient {
  private socket: WebSocket | undefined;
  private readonly symbols: Set<string>;
  private connection = 0;
  /** Connection attempts in the current outage (or before the first connection). */
  private attempt = 0;
  /** Consecutive connections that closed before `stableAfterMs`: they escalate the backoff. */
  private flaps = 0;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private downSince: number | undefined;
  private connectedAt = 0;
  /** The current socket has authenticated (if the venue needs it) and carries our subscriptions. */
  private ready = false;
  private authTimer: NodeJS.Timeout | undefined;
  private ageTimer: NodeJS.Timeout | undefined;
  /** Frames waiting for the venue's outbound rate limit, and when the last ones went. */
  private outbox: OutFrame[] = [];
  private outboxTimer: NodeJS.Timeout | undefined;
  private readonly sentAt: number[] = [];
  private frameRecvMs = 0;
  private frameRecvNs = 0n;
  private rotating: { old: WebSocket; from: number; reason: string } | undefined;

  constructor(private readonly options: FeedClientOptions) {
    this.symbols = new Set(options.symbols);
  }

  get url(): string {
    return this.options.url;
  }

  get subscribed(): string[] {
    return [...this.symbols];
  }

  get isOpen(): boolean {
    return this.ready && this.socket?.readyState === WebSocket.OPEN;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  addSymbols(symbols: string[]): string[] {
    const added = symbols.filter((s) => !this.symbols.has(s));
    for (const s of added) this.symbols.add(s);
    if (added.length && this.isOpen) this.sendAll(this.options.adapter.subscribeMessages(added));
    return added;
  }

  removeSymbols(symbols: string[]): string[] {
    const removed = symbols.filter((s) => this.symbols.has(s));
    for (const s of removed) this.symbols.delete(s);
    if (removed.length && this.isOpen) this.sendAll(this.options.adapter.unsubscribeMessages(removed));
    return removed;
  }

  /** Closes for good; resolves when the socket is gone. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.authTimer);
    clearTimeout(this.ageTimer);
    clearTimeout(this.outboxTimer);
    this.outbox = [];
    clearInterval(this.pingTimer);
    const socket = this.socket;
    this.socket = undefined;
    if (!socket || socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => socket.terminate(), 1000);
      socket.once('close', () => {
        clearTimeout(force);
        resolve();
      });
      if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
      else socket.close(1000, 'runner stopping');
    });
  }

  /** Make-before-break: connect and subscribe a new socket, close the old one once it is up. */
  private rotate(reason: string): void {
    const old = this.socket;
    if (!old || this.rotating || this.stopped) return;
    this.rotating = { old, from: this.connection, reason };
    this.connect();
  }

  private connect(): void {
    if (this.stopped) return;
    this.attempt += 1;
    this.connection += 1;
    const connection = this.connection;
    const { url, adapter, listener } = this.options;
    const socket = new WebSocket(adapter.connectUrl?.(url, [...this.symbols]) ?? url, {
      perMessageDeflate: false,
      ...(adapter.headers ? { headers: { ...adapter.headers } } : {}),
      handshakeTimeout: this.options.handshakeTimeoutMs ?? 5000,
      // The socket takes frames up to 64 MiB so an oversize one is a counted parse issue, not a
      // dropped connection; anything past maxFrameBytes is never parsed.
      maxPayload: 64 << 20,
    });
    this.socket = socket;
    this.ready = false;
    let opened = false;
    /** Authenticated (where the venue has auth) and subscribed: only such a connection was "up". */
    let wasReady = false;
    let lastRecvMs = Date.now();
    let downtimeMs: number | undefined;

    /** Subscribed (after auth where the venue has it): the connection counts as up from here. */
    const becomeReady = (): void => {
      if (this.ready || this.socket !== socket) return;
      clearTimeout(this.authTimer);
      this.ready = true;
      wasReady = true;
      this.downSince = undefined;
      if (this.symbols.size && !adapter.subscribesInUrl) this.sendAll(adapter.subscribeMessages([...this.symbols]));
      clearTimeout(this.ageTimer);
      // Before the venue's age limit cuts it, a fresh connection takes over (make-before-break).
      if (adapter.rotateAfterMs !== undefined) this.ageTimer = setTimeout(() => this.rotate('connection age limit'), adapter.rotateAfterMs);
      const rotation = this.rotating;
      this.rotating = undefined;
      if (rotation) {
        rotation.old.close(1000, 'rotated');
        listener.onRotated?.({ url, from: rotation.from, to: connection, reason: rotation.reason });
      } else {
        listener.onConnected({ url, connection, attempt: this.attempt, downtimeMs });
      }
      this.attempt = 0;
    };
    const sink: FrameSink = {
      event: (event) => listener.onEvent(event, this.frameRecvMs, this.frameRecvNs),
      issue: (issue) => listener.onParseIssue(issue),
      rotate: (reason) => this.rotate(reason),
      authenticated: becomeReady,
      receivedMs: () => this.frameRecvMs,
      // An ordinary close: the close handler logs the disconnect and schedules the reconnect.
      reconnect: (reason) => {
        if (this.socket === socket) socket.close(1000, reason.slice(0, 120));
      },
      fatal: (cause) => this.fatal(connection, cause),
    };

    socket.on('open', () => {
      opened = true;
      lastRecvMs = Date.now();
      this.connectedAt = Date.now();
      downtimeMs = this.downSince === undefined ? undefined : this.connectedAt - this.downSince;
      this.sendAll(adapter.openMessages());
      if (adapter.authenticates) {
        // A venue that never answers our credentials is treated like a failed handshake: closed and retried.
        clearTimeout(this.authTimer);
        this.authTimer = setTimeout(() => {
          if (this.socket !== socket || this.ready) return;
          listener.onParseIssue({ kind: 'venue_error', detail: `no authentication reply within ${this.options.handshakeTimeoutMs ?? 5000}ms` });
          socket.terminate();
        }, this.options.handshakeTimeoutMs ?? 5000);
      } else {
        becomeReady();
      }
      const interval = this.options.pingIntervalMs ?? 5000;
      const timeout = this.options.pingTimeoutMs ?? 5000;
      let lastPingMs = Date.now();
      clearInterval(this.pingTimer);
      // A silent (half-open) socket never errors: when nothing at all, not even a pong, has arrived
      // for ping_interval + ping_timeout, it is dead and only terminate() frees it.
      this.pingTimer = setInterval(() => {
        const now = Date.now();
        if (now - lastRecvMs >= interval + timeout) {
          socket.terminate();
          return;
        }
        if (now - lastPingMs >= interval && now - lastRecvMs >= interval) {
          lastPingMs = now;
          socket.ping();
        }
      }, Math.max(20, Math.min(interval, timeout) / 4));
    });
    socket.on('pong', () => {
      lastRecvMs = Date.now();
    });
    socket.on('ping', () => {
      lastRecvMs = Date.now();
    });
    socket.on('message', (data, isBinary) => {
      this.frameRecvMs = Date.now();
      lastRecvMs = this.frameRecvMs;
      this.frameRecvNs = process.hrtime.bigint();
      const bytes = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data instanceof ArrayBuffer ? data.byteLength : data.length;
      if (bytes > (this.options.maxFrameBytes ?? 1 << 20)) {
        listener.onParseIssue({ kind: 'oversize', detail: `frame of ${bytes} bytes` });
        return;
      }
      let frame: string;
      if (isBinary) {
        const raw = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data;
        const text = adapter.decodeBinary?.(raw);
        if (text === undefined) {
          listener.onParseIssue({ kind: 'bad_shape', detail: adapter.decodeBinary ? 'binary frame that does not decode' : 'binary frame' });
          return;
        }
        frame = text;
      } else {
        frame = data.toString();
      }
      listener.onFrame?.(frame, this.frameRecvMs, connection);
      adapter.parse(frame, sink);
    });
    socket.on('error', (err) => {
      if (!opened) listener.onReconnectFailed({ url, attempt: this.attempt, error: err.message });
    });
    socket.on('close', (code, reasonBuf) => {
      clearInterval(this.pingTimer);
      if (this.socket !== socket) return;
      clearTimeout(this.authTimer);
      clearTimeout(this.ageTimer);
      // Queued subscriptions belong to the lost socket; the next one subscribes the whole set.
      this.outbox = [];
      this.socket = undefined;
      this.ready = false;
      if (wasReady) {
        this.downSince = Date.now();
        this.flaps = this.downSince - this.connectedAt >= (this.options.stableAfterMs ?? 10_000) ? 0 : this.flaps + 1;
        listener.onDisconnected({ url, connection, code, reason: reasonBuf.toString() || closeCodeName(code) });
      } else if (opened) {
        // Open but never authenticated: a failed attempt, not a connection that went down.
        listener.onReconnectFailed({ url, attempt: this.attempt, error: `closed before authentication: ${reasonBuf.toString() || closeCodeName(code)}` });
      }
      this.scheduleReconnect();
    });
  }

  /** Once per client: a venue refusal that reconnecting cannot fix ends this feed, not just this socket. */
  private fatal(connection: number, cause: string): void {
    if (this.stopped) return;
    void this.stop();
    this.options.listener.onFatal?.({ url: this.options.url, connection, cause });
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    const next = this.attempt + 1;
    // The first retry after a stable connection drops is immediate; flapping escalates the delay.
    const delayMs = backoffDelay(next + this.flaps, this.options.backoff ?? DEFAULT_BACKOFF, Math.random());
    this.options.listener.onReconnectAttempt({ url: this.options.url, attempt: next, delayMs });
    this.retryTimer = setTimeout(() => this.connect(), delayMs);
  }

  private sendAll(frames: OutFrame[]): void {
    const limit = this.options.adapter.maxOutboundPerSecond;
    if (limit === undefined) {
      for (const frame of frames) this.socket?.send(frame);
      return;
    }
    this.outbox.push(...frames);
    this.drain(limit);
  }

  /** Sends what the venue's rate allows now (a sliding second) and schedules the rest. */
  private drain(limit: number): void {
    clearTimeout(this.outboxTimer);
    for (;;) {
      const now = Date.now();
      while (this.sentAt.length && now - (this.sentAt[0] ?? 0) >= 1000) this.sentAt.shift();
      const next = this.outbox[0];
      if (next === undefined || !this.socket || this.socket.readyState !== WebSocket.OPEN) return;
      if (this.sentAt.length >= limit) {
        this.outboxTimer = setTimeout(() => this.drain(limit), 1000 - (now - (this.sentAt[0] ?? now)) + 1);
        return;
      }
      this.outbox.shift();
      this.sentAt.push(now);
      this.socket.send(next);
    }
  }
}

function closeCodeName(code: number): string {
  if (code === 1006) return 'abnormal closure (no close frame)';
  if (code === 1000) return 'normal closure';
  if (code === 1001) return 'going away';
  return `code ${code}`;
}
