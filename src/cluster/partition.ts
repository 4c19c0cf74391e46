/**
 * Which shard owns a symbol: FNV-1a 32-bit over the symbol's UTF-8 bytes, modulo the shard count —
 * the same function nats-server's subject mapping `partition(count, token)` applies, so a symbol
 * lands in the same partition whether the server or the client computes it. Pure, no I/O.
 */
import { usageError } from '../errors.js';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** The 0-based partition of `symbol` among `count` shards. */
export function shardOf(symbol: string, count: number): number {
  let hash = FNV_OFFSET;
  for (const byte of Buffer.from(symbol, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, FNV_PRIME) >>> 0;
  }
  return hash % count;
}

export interface Shard {
  /** 1-based, as the operator writes it (`--shard 2/4`). */
  index: number;
  count: number;
}

/** `i/N` with 1 <= i <= N; anything else is a usage error naming the value. */
export function parseShard(text: string): Shard {
  const m = /^(\d{1,4})\/(\d{1,4})$/.exec(text);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) throw usageError(`--shard: expected i/N with 1 <= i <= N (e.g. 2/4), got "${text}"`);
  return { index, count };
}
