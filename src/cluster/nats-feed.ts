/**
 * The runner's feed when it reads the stream `trader ingest` fills: one ordered consumer on md.>,
 * so every message reaches this process in the stream's order, and the symbols outside this
 * shard's partition are dropped here (nats-server 2.9 takes one filter subject per consumer and
 * its subject-mapping partition() needs the server's config; README, "Scale-out on NATS", has the
 * measured cost). It reports through the FeedSwitch listener like a venue socket, so liveness,
 * staleness, reconnect lines and decisions work unchanged:
 * a lost NATS server is WEBSOCKET_DISCONNECT, its return RECONNECT_SUCCESS, and the ordered
 * consumer re-creates itself after the last sequence it delivered, so nothing the stream kept is lost.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DeliverPolicy, jetstream, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { FeedListener } from '../feeds/client.js';
import type { MarketFeed } from '../runner/feed-switch.js';
import { decodeEvent, symbolOfSubject } from './md-codec.js';
import { STREAM_SUBJECTS } from './stream.js';

export interface NatsFeedOptions {
  nc: NatsConnection;
  /** Shown in the connection lines (credentials never are: a NATS URL carries none here). */
  url: string;
  stream: string;
  /** The first stream sequence to deliver (1: the whole session). */
  startSeq: number;
  symbols: string[];
  listener: FeedListener;
  /** Bars are [k·interval, (k+1)·interval) of exchange time: a message of a later bar can close one. */
  barIntervalMs: number;
  /** Called before a message that can close a bar is delivered (NATS_CURSOR). */
  onCursor: (streamSeq: number) => void;
  /** A message whose symbol this process does not own (another shard's). */
  owns: (symbol: string) => boolean;
}

export class NatsFeed implements MarketFeed {
  private readonly symbols: Set<string>;
  private readonly stopping = new AbortController();
  private readonly lastBar = new Map<string, number>();
  private messages: ConsumerMessages | undefined;
  private connection = 0;
  private attempt = 0;
  private downSince: number | undefined;
  private stopped = false;
  /** Bumped at each (re)creation: a consumer of an older one that comes up late is closed. */
  private generation = 0;
  /** The last stream sequence handed to the runner. */
  private delivered = 0;

  constructor(private readonly options: NatsFeedOptions) {
    this.symbols = new Set(options.symbols);
  }

  get subscribed(): string[] {
    return [...this.symbols];
  }

  start(): void {
    this.stopped = false;
    void this.watchStatus();
    void this.consume();
  }

  /** The partition decides what this shard may own; within it, SIGUSR1 adds and removes symbols. */
  addSymbols(symbols: string[]): string[] {
    const added = symbols.filter((s) => !this.symbols.has(s) && this.options.owns(s));
    for (const s of added) this.symbols.add(s);
    return added;
  }

  removeSymbols(symbols: string[]): string[] {
    const removed = symbols.filter((s) => this.symbols.has(s));
    for (const s of removed) this.symbols.delete(s);
    return removed;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    await this.messages?.close();
    this.messages = undefined;
    // The status loop ends when the owner closes the connection, after the runner has stopped.
  }

  /**
   * One ordered consumer from the sequence after the last one delivered. Re-created here after a
   * reconnect rather than left to the client's own reset: after a server restart that reset was
   * seen pulling batches of 0 and delivering nothing. Retried until it works or the feed stops
   * (JetStream needs a moment after a restart to recover the stream).
   */
  private async consume(): Promise<void> {
    const { nc, stream, startSeq, url, listener } = this.options;
    const generation = ++this.generation;
    for (let attempt = 1; !this.stopped && generation === this.generation; attempt++) {
      const from = this.delivered > 0 ? this.delivered + 1 : startSeq;
      try {
        const consumer = await jetstream(nc).consumers.get(stream, {
          filter_subjects: STREAM_SUBJECTS,
          ...(from <= 1 ? { deliver_policy: DeliverPolicy.All } : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from }),
        });
        const messages = await consumer.consume({ max_messages: 2000, callback: (m) => this.onMessage(m) });
        if (this.stopped || generation !== this.generation) {
          void messages.close();
          return;
        }
        this.messages = messages;
        if (this.connection === 0) {
          this.connection = 1;
          listener.onConnected({ url, connection: 1, attempt, downtimeMs: undefined });
        }
        return;
      } catch (err) {
        if (this.stopped || generation !== this.generation) return;
        listener.onReconnectFailed({ url, attempt, error: `ordered consumer on ${stream}: ${(err as Error).message.split('\n')[0] ?? ''}` });
        // The wait ends early when the feed stops: a stopped feed keeps no timer alive.
        await sleep(Math.min(2000, 100 * 2 ** attempt), undefined, { signal: this.stopping.signal }).catch(() => undefined);
      }
    }
  }

  private onMessage(m: JsMsg): void {
    // A message of a consumer being replaced can arrive after its successor's: the stream order rules.
    if (m.seq <= this.delivered) return;
    this.delivered = m.seq;
    // Every shard receives the whole tape: what the subject says is another's is not even decoded
    // (its owner decodes it, and reports it if it is not a market event).
    if (!this.symbols.has(symbolOfSubject(m.subject))) return;
    const carried = decodeEvent(m.data);
    if (!carried) {
      this.options.listener.onParseIssue({ kind: 'bad_shape', detail: `stream message ${m.seq} on ${m.subject} is not a market event` });
      return;
    }
    const { event, recvMs } = carried;
    // The payload names the symbol decided on; a subject that disagrees with it carries nothing of ours.
    if (!this.symbols.has(event.symbol)) return;
    const bar = Math.floor(event.exchTs / this.options.barIntervalMs);
    const last = this.lastBar.get(event.symbol);
    if (last === undefined || bar > last) {
      this.lastBar.set(event.symbol, bar);
      // Recorded before the runner sees it: a restart resumes after this message, never before a bar it closed.
      if (last !== undefined) this.options.onCursor(m.seq);
    }
    // The receipt time is ingest's: every shard and a single process decide on the same clock.
    this.options.listener.onEvent(event, recvMs, process.hrtime.bigint());
  }

  private async watchStatus(): Promise<void> {
    const { nc, url, listener } = this.options;
    for await (const s of nc.status()) {
      if (this.stopped) continue;
      if (s.type === 'disconnect') {
        this.downSince = Date.now();
        this.attempt = 0;
        const old = this.messages;
        this.messages = undefined;
        this.generation += 1;
        void old?.close().catch(() => undefined);
        listener.onDisconnected({ url, connection: this.connection, code: 1006, reason: 'NATS server connection lost' });
      } else if (s.type === 'reconnecting') {
        this.attempt += 1;
        // The client retries every 250 ms: the first attempts say so, the rest would be noise.
        if (this.attempt <= 3 || this.attempt % 20 === 0) listener.onReconnectAttempt({ url, attempt: this.attempt, delayMs: 250 });
      } else if (s.type === 'reconnect') {
        this.connection += 1;
        listener.onConnected({ url, connection: this.connection, attempt: Math.max(1, this.attempt), downtimeMs: this.downSince === undefined ? undefined : Date.now() - this.downSince });
        this.downSince = undefined;
        void this.consume();
      }
    }
  }
}
