/**
 * The JetStream objects a cluster run uses, created when missing with one configuration:
 * - the market-data stream (default TRADER_MD): subjects md.>, file storage, limits retention
 *   keeping 24 h, so a whole session stays replayable (a restarted shard, a late single-process
 *   check) and the next day's session does not grow the store forever;
 * - the control bucket TRADER_CONTROL (NATS KV): the cluster-wide halt key and the shard count
 *   each run registers.
 * A server that cannot create them (no JetStream, a stream of that name on other subjects) is bad
 * input: one line, exit 2.
 */
import { jetstreamManager, RetentionPolicy, StorageType, type JetStreamManager, type StreamInfo } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { usageError } from '../errors.js';
import { firstLine } from './nats-connect.js';
import { SUBJECT_ROOT } from './md-codec.js';

export const STREAM_SUBJECTS = `${SUBJECT_ROOT}.>`;
export const STREAM_MAX_AGE_MS = 24 * 3600 * 1000;
export const CONTROL_BUCKET = 'TRADER_CONTROL';
export const HALT_KEY = 'halt';

export async function manager(nc: NatsConnection): Promise<JetStreamManager> {
  try {
    return await jetstreamManager(nc, { timeout: 5000 });
  } catch (err) {
    throw usageError(`the NATS server has no JetStream (${firstLine(err)}); start nats-server with -js (scripts/nats.sh does)`);
  }
}

/** The stream's info; `created` when this call made it. */
export async function ensureStream(jsm: JetStreamManager, name: string): Promise<{ info: StreamInfo; created: boolean }> {
  try {
    const info = await jsm.streams.info(name);
    if (!info.config.subjects?.includes(STREAM_SUBJECTS)) {
      throw usageError(`--stream ${name}: the stream exists with subjects ${JSON.stringify(info.config.subjects ?? [])}, not ${STREAM_SUBJECTS}; choose another --stream`);
    }
    return { info, created: false };
  } catch (err) {
    if (!isNotFound(err)) {
      if (err instanceof Error && err.name === 'TraderError') throw err;
      throw usageError(`--stream ${name}: cannot look the stream up (${firstLine(err)})`);
    }
  }
  try {
    const info = await jsm.streams.add({
      name,
      subjects: [STREAM_SUBJECTS],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      max_age: STREAM_MAX_AGE_MS * 1_000_000,
      num_replicas: 1,
    });
    return { info, created: true };
  } catch (err) {
    throw usageError(`--stream ${name}: the stream cannot be created (${firstLine(err)})`);
  }
}

function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && (err as { code: unknown }).code === 10059;
}

export async function controlBucket(nc: NatsConnection): Promise<KV> {
  try {
    return await new Kvm(nc).create(CONTROL_BUCKET, { history: 1, storage: StorageType.File });
  } catch (err) {
    throw usageError(`NATS KV bucket ${CONTROL_BUCKET} cannot be opened or created (${firstLine(err)})`);
  }
}

/** The key under which a run over `stream` registers its shard count. */
export const shardsKey = (stream: string): string => `shards.${stream}`;

/**
 * Registers `count` shards for `stream` (the first shard of a session writes it; KV create is
 * atomic). Shards of one session started with another N would own overlapping partitions:
 * refused, exit 2.
 */
export async function registerShardCount(kv: KV, stream: string, count: number): Promise<void> {
  const key = shardsKey(stream);
  try {
    await kv.create(key, String(count));
    return;
  } catch {
    // Already there (or a lost race): read what the session registered.
  }
  const entry = await kv.get(key);
  const registered = entry && entry.operation === 'PUT' ? entry.string() : undefined;
  if (registered === undefined) {
    // Deleted meanwhile (a new session): take it.
    await kv.put(key, String(count));
    return;
  }
  if (registered !== String(count)) {
    throw usageError(`--shard ?/${count}: the shards of the session on stream ${stream} were started with N=${registered}; start every shard with the same N (or start a new session: trader ingest on a fresh --stream)`);
  }
}
