/**
 * Which shard owns a symbol. The contract shared by `trader run --shard i/N` (any feed) and the NATS
 * transport: partition = FNV-1a 32-bit over the UTF-8 bytes of the symbol as it appears in a subject
 * token (upper case, as trader normalises symbols), modulo the shard count. That is exactly what
 * nats-server's subject mapping `partition(N, <token>)` computes (fnv.New32a over the token, % N), so
 * a server-side mapping and this function always agree on the owner.
 */
import { usageError } from '../errors.js';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

export function fnv1a32(text: string): number {
  let hash = FNV_OFFSET;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    // Math.imul keeps the multiply in 32 bits; >>> 0 makes it unsigned like Go's uint32.
    hash = Math.imul(hash, FNV_PRIME) >>> 0;
  }
  return hash;
}

/** The 0-based partition of `symbol` among `count` shards. */
export function shardOf(symbol: string, count: number): number {
  return fnv1a32(symbol) % count;
}

/**
 * A shard as the operator writes it: `--shard 2/3` is index 2 (1-based, like `vitest --shard=2/3`,
 * jest and playwright) of count 3, and owns partition index − 1.
 */
export interface ShardSpec {
  index: number;
  count: number;
}

/** The most shards one run may have: beyond it a symbol universe is spread thinner than one per shard. */
const MAX_SHARDS = 256;

export function parseShard(text: string): ShardSpec {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (m === null) throw usageError(`--shard ${text}: expected i/N (shard i of N, 1 ≤ i ≤ N ≤ ${MAX_SHARDS}), e.g. 1/3`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > MAX_SHARDS) throw usageError(`--shard ${text}: the shard count must be 1 to ${MAX_SHARDS}, got ${count}`);
  if (index < 1) throw usageError(`--shard ${text}: shard indices start at 1 (1/${count} … ${count}/${count})`);
  if (index > count) throw usageError(`--shard ${text}: shard index ${index} is beyond the ${count} shards`);
  return { index, count };
}
