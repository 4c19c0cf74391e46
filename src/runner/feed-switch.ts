/**
 * Primary and fallback feeds behind one face. Only the active source's market data reaches the
 * runner; the primary keeps reconnecting in the background while the fallback serves, and the
 * switch fails back once the primary has stayed up long enough (if configured).
 */
import type { Config } from '../config/schema.js';
import type { ParseIssue, VenueAdapter } from '../feeds/adapter.js';
import { FeedClient, type FeedListener } from '../feeds/client.js';
import type { MarketEvent } from '../feeds/events.js';

export type SourceRole = 'primary' | 'fallback';

export interface FeedSource {
  venue: string;
  url: string;
  adapter: VenueAdapter;
  /**
   * A source that is not a venue WebSocket (the NATS stream of `trader ingest`) brings its own
   * client; it reports through the same listener, so the runner cannot tell the difference.
   */
  open?: (symbols: string[], listener: FeedListener) => MarketFeed;
}

/** What the switch needs of a feed client: FeedClient's face. */
export interface MarketFeed {
  readonly subscribed: string[];
  start(): void;
  stop(): Promise<void>;
  addSymbols(symbols: string[]): string[];
  removeSymbols(symbols: string[]): string[];
}

export interface SwitchListener {
  onEvent(event: MarketEvent, recvMs: number, recvNs: bigint): void;
  onFrame?(frame: string, recvMs: number, connection: number): void;
  onParseIssue(issue: ParseIssue, role: SourceRole): void;
  onConnected(info: { role: SourceRole; url: string; connection: number; attempt: number; downtimeMs: number | undefined; first: boolean }): void;
  onDisconnected(info: { role: SourceRole; url: string; connection: number; code: number; reason: string; active: boolean }): void;
  onReconnectAttempt(info: { role: SourceRole; url: string; attempt: number; delayMs: number }): void;
  onReconnectFailed(info: { role: SourceRole; url: string; attempt: number; error: string }): void;
  onRotated(info: { role: SourceRole; url: string; from: number; to: number; reason: string }): void;
  onSwitch(info: { from: SourceRole; to: SourceRole; reason: string }): void;
  /** A venue refused this source for good (auth, connection limit): it has stopped reconnecting. */
  onFatal?(info: { role: SourceRole; url: string; cause: string }): void;
}

interface Health {
  client: MarketFeed;
  openSinceMs: number | undefined;
  downSinceMs: number | undefined;
  failedAttempts: number;
  everConnected: boolean;
}

/** Connection ids of the fallback are offset so a capture can tell the two sources apart. */
const FALLBACK_CONNECTION_OFFSET = 1_000_000;

export class FeedSwitch {
  private readonly primary: Health;
  private readonly fallback: Health | undefined;
  private active: SourceRole = 'primary';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    primary: FeedSource,
    fallback: FeedSource | undefined,
    symbols: string[],
    private readonly config: Config['feeds'],
    private readonly listener: SwitchListener,
    private readonly now: () => number,
  ) {
    this.primary = this.health(primary, 'primary', symbols);
    this.fallback = fallback ? this.health(fallback, 'fallback', symbols) : undefined;
  }

  get activeRole(): SourceRole {
    return this.active;
  }

  get subscribed(): string[] {
    return this.primary.client.subscribed;
  }

  start(): void {
    this.primary.downSinceMs = this.now();
    this.primary.client.start();
    if (this.fallback) this.timer = setInterval(() => this.evaluate(), 250);
  }

  addSymbols(symbols: string[]): void {
    this.primary.client.addSymbols(symbols);
    this.fallback?.client.addSymbols(symbols);
  }

  removeSymbols(symbols: string[]): void {
    this.primary.client.removeSymbols(symbols);
    this.fallback?.client.removeSymbols(symbols);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([this.primary.client.stop(), this.fallback?.client.stop()]);
  }

  private evaluate(): void {
    const fallback = this.fallback;
    if (!fallback) return;
    const now = this.now();
    const { after, attempts, failback, failback_after } = this.config.failover;
    if (this.active === 'primary' && this.primary.openSinceMs === undefined) {
      const downFor = now - (this.primary.downSinceMs ?? now);
      if (downFor >= after || this.primary.failedAttempts >= attempts) {
        this.active = 'fallback';
        fallback.client.start();
        this.listener.onSwitch({ from: 'primary', to: 'fallback', reason: downFor >= after ? `primary down ${(downFor / 1000).toFixed(1)}s` : `primary failed ${this.primary.failedAttempts} attempts` });
      }
    } else if (this.active === 'fallback' && failback && this.primary.openSinceMs !== undefined && now - this.primary.openSinceMs >= failback_after) {
      this.active = 'primary';
      this.listener.onSwitch({ from: 'fallback', to: 'primary', reason: `primary up ${((now - this.primary.openSinceMs) / 1000).toFixed(1)}s` });
      void fallback.client.stop();
      fallback.openSinceMs = undefined;
    }
  }

  private health(source: FeedSource, role: SourceRole, symbols: string[]): Health {
    const offset = role === 'fallback' ? FALLBACK_CONNECTION_OFFSET : 0;
    const { connection: c } = this.config;
    const l = this.listener;
    const isActive = (): boolean => this.active === role;
    // Assigned below; the listener closes over it.
    let health: Health | undefined;
    const forward: FeedListener = {
      onEvent: (event, recvMs, recvNs) => {
        if (isActive()) l.onEvent(event, recvMs, recvNs);
      },
      onParseIssue: (issue) => l.onParseIssue(issue, role),
      onConnected: (info) => {
        if (!health) return;
        const first = !health.everConnected;
        health.everConnected = true;
        health.openSinceMs = this.now();
        health.downSinceMs = undefined;
        health.failedAttempts = 0;
        l.onConnected({ ...info, role, connection: info.connection + offset, first });
      },
      onDisconnected: (info) => {
        if (!health) return;
        health.openSinceMs = undefined;
        health.downSinceMs = this.now();
        l.onDisconnected({ ...info, role, connection: info.connection + offset, active: isActive() });
      },
      onReconnectAttempt: (info) => l.onReconnectAttempt({ ...info, role }),
      onRotated: (info) => l.onRotated({ ...info, role, from: info.from + offset, to: info.to + offset }),
      onFatal: ({ url, cause }) => l.onFatal?.({ role, url, cause }),
      onReconnectFailed: (info) => {
        if (health) health.failedAttempts += 1;
        l.onReconnectFailed({ ...info, role });
      },
      ...(l.onFrame
        ? {
            onFrame: (frame: string, recvMs: number, connection: number) => {
              if (isActive()) l.onFrame?.(frame, recvMs, connection + offset);
            },
          }
        : {}),
    };
    const client = source.open ? source.open(symbols, forward) : new FeedClient({
      url: source.url,
      adapter: source.adapter,
      symbols,
      listener: forward,
      pingIntervalMs: c.ping_interval,
      pingTimeoutMs: c.ping_timeout,
      handshakeTimeoutMs: c.handshake_timeout,
      stableAfterMs: c.stable_after,
      backoff: { initialMs: c.backoff_initial, maxMs: c.backoff_max, factor: c.backoff_factor, jitter: c.backoff_jitter },
    });
    health = { client, openSinceMs: undefined, downSinceMs: undefined, failedAttempts: 0, everConnected: false };
    return health;
  }
}
