/** Per-shard default file names (kept apart from the runner's imports: the CLI table uses it). */
import { extname } from 'node:path';
import type { ShardSpec } from './partition.js';

/**
 * A default output name made per shard: `logs/validation_trace.jsonl` → `logs/validation_trace.shard-2-of-3.jsonl`,
 * so N shards started with the same command line in one directory never share a log, trace or lock.
 */
export function shardFileName(path: string, spec: ShardSpec): string {
  const ext = extname(path);
  const stem = ext ? path.slice(0, -ext.length) : path;
  return `${stem}.shard-${spec.index}-of-${spec.count}${ext}`;
}
