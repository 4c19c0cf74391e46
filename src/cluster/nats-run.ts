/**
 * `trader run --feed nats`: everything a runner needs from the cluster, set up before any file is
 * rotated (so a missing server or stream is bad input that leaves the last run's files alone):
 * the connection, the stream, the shard's registration and partition, where to resume, the
 * FeedSource the runner's FeedSwitch opens, and the watch on the cluster's halt key.
 */
import { jetstream } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Bus } from '../core/bus.js';
import { EV } from '../core/events.js';
import { usageError } from '../errors.js';
import { nativeAdapter } from '../feeds/native.js';
import type { KillSwitchChange } from '../safety/kill-switch.js';
import type { FeedSource } from '../runner/feed-switch.js';
import { readCursor, type Cursor } from './cursor.js';
import { NatsFeed } from './nats-feed.js';
import { connectNats, firstLine, type NatsEndpoint } from './nats-connect.js';
import { shardOf, type ShardSpec as Shard } from './partition.js';
import { controlBucket, ensureStream, HALT_KEY, CONTROL_BUCKET, manager, registerShardCount, STREAM_SUBJECTS } from './stream.js';

export interface NatsRunOptions {
  endpoint: NatsEndpoint;
  stream: string;
  /** Absent: one process consumes every symbol. */
  shard?: Shard | undefined;
  /** The trace this run will write: a previous run of the same shard there gives the resume point. */
  tracePath: string;
  barIntervalMs: number;
  /** This run's max_positions (a shard's quota: ShardFilter.quota), shown in NATS_CONSUMER. */
  maxPositions: number;
}

/** What run.ts holds of the cluster while it runs. */
export interface NatsRun {
  source: FeedSource;
  /** The bus exists once the journal does; cursor lines need it. Call before the runner is built. */
  useBus(bus: Bus): void;
  /** After runner.start(): announce the consumer (and the resume), and watch the halt key. */
  started(runner: { remoteKillSwitch(change: KillSwitchChange, where: string): void; remoteKillSwitchLost(error: string): void; markDataGap(): void }, symbols: string[]): void;
  close(): Promise<void>;
}

export const shardLabel = (shard: Shard | undefined): string => (shard ? `${shard.index}/${shard.count}` : 'all');

export async function openNatsRun(options: NatsRunOptions): Promise<NatsRun> {
  const { endpoint, stream, shard } = options;
  const nc = await connectNats(endpoint, `trader run ${shardLabel(shard)}`);
  try {
    return await setUp(nc, options);
  } catch (err) {
    await nc.close().catch(() => undefined);
    throw err;
  }

  async function setUp(conn: NatsConnection, o: NatsRunOptions): Promise<NatsRun> {
    const jsm = await manager(conn);
    const { info } = await ensureStream(jsm, stream);
    const kv = await controlBucket(conn);
    if (shard) await registerShardCount(kv, stream, shard.count);
    const cursor = readCursor(o.tracePath, stream, shardLabel(shard));
    const startSeq = cursor ? cursor.seq + 1 : 1;
    // The consumer is made here, not at start: a server that refuses it is bad input (exit 2).
    try {
      const probe = await jetstream(conn).consumers.get(stream, { filter_subjects: STREAM_SUBJECTS });
      await probe.info();
      await probe.delete().catch(() => undefined);
    } catch (err) {
      throw usageError(`--stream ${stream}: an ordered consumer cannot be created (${firstLine(err)})`);
    }
    const owns = (symbol: string): boolean => !shard || shardOf(symbol, shard.count) === shard.index - 1;
    let bus: Bus | undefined;
    let feed: NatsFeed | undefined;
    let stopWatch: (() => void) | undefined;
    return {
      source: {
        venue: 'nats',
        url: endpoint.url,
        adapter: nativeAdapter,
        open: (symbols, listener) => {
          feed = new NatsFeed({ nc: conn, url: endpoint.url, stream, startSeq, symbols, listener, barIntervalMs: o.barIntervalMs, owns, onCursor: (seq) => bus?.emit({ name: EV.NATS_CURSOR, stream_seq: seq }) });
          return feed;
        },
      },
      useBus: (b) => {
        bus = b;
      },
      started: (runner, symbols) => {
        bus?.emit({ name: EV.NATS_CONSUMER, url: endpoint.url, stream, filter: STREAM_SUBJECTS, shard: shardLabel(shard), symbols, start_seq: startSeq, max_positions: o.maxPositions });
        if (cursor) resumed(cursor, info.state.last_seq, runner);
        stopWatch = watchHalt(kv, runner, (present, note) => bus?.emit({ name: EV.NATS_HALT_KEY, key: `${CONTROL_BUCKET}/${HALT_KEY}`, present, note }));
      },
      close: async () => {
        stopWatch?.();
        await conn.close().catch(() => undefined);
      },
    };

    function resumed(c: Cursor, lastSeq: number, runner: { markDataGap(): void }): void {
      bus?.emit({ name: EV.NATS_RESUMED, previous_trace: c.trace, after_seq: c.seq, stream_last_seq: lastSeq });
      runner.markDataGap();
    }
  }
}

/**
 * Every shard watches the one halt key: set → the kill switch's halt (KILL_SWITCH_DETECTED, the
 * probe orders, KILL_SWITCH_VERIFIED), cleared → as removing the file. The watch delivers the
 * key's current value first, so a halt set before the shard started holds from its start.
 */
function watchHalt(kv: KV, runner: { remoteKillSwitch(change: KillSwitchChange, where: string): void; remoteKillSwitchLost(error: string): void }, announce: (present: boolean, note: string | null) => void): () => void {
  const where = `nats-kv:${CONTROL_BUCKET}/${HALT_KEY}`;
  const startedMs = Date.now();
  let stopped = false;
  let present = false;
  let iterator: { stop(): void } | undefined;
  void (async () => {
    const w = await kv.watch({ key: HALT_KEY });
    iterator = w;
    if (stopped) w.stop();
    for await (const e of w) {
      const detectedMs = Date.now();
      const isSet = e.operation === 'PUT';
      if (isSet && !present) {
        present = true;
        const note = e.string().slice(0, 512);
        announce(true, note || null);
        runner.remoteKillSwitch({ kind: 'appeared', detectedMs, fileMtimeMs: e.created.getTime(), delayMs: Math.max(0, detectedMs - e.created.getTime()), content: note, presentAtStart: e.created.getTime() <= startedMs }, where);
      } else if (!isSet && present) {
        present = false;
        announce(false, null);
        runner.remoteKillSwitch({ kind: 'removed', detectedMs }, where);
      }
    }
    if (!stopped) throw new Error('the watch on the halt key ended');
  })().catch((err: unknown) => {
    // Unseen, a cluster halt would be ignored: fail safe instead of on.
    if (!stopped) runner.remoteKillSwitchLost(`${where}: ${err instanceof Error ? err.message : String(err)}`);
  });
  return () => {
    stopped = true;
    iterator?.stop();
  };
}
