import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, extname } from 'node:path';

/**
 * The caller holds the lock of `path` (src/runtime/lock.ts), so the file moved is never a live run's.
 * Makes room for a new run's file without losing an old one: a non-empty file at `path` is renamed
 * to `name.<UTC stamp>.ext` (and `-2`, `-3`… if that exists too). Returns the new name, if any.
 */
export function rotateIfPresent(path: string, nowMs: number): string | undefined {
  mkdirSync(dirname(path) || '.', { recursive: true });
  const st = statSync(path, { throwIfNoEntry: false });
  // Only a regular file is a previous run's output; a directory or a device is never moved.
  if (!st || !st.isFile() || st.size === 0) return undefined;
  const ext = extname(path);
  const stem = ext ? path.slice(0, -ext.length) : path;
  const stamp = new Date(nowMs).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  let target = `${stem}.${stamp}${ext}`;
  for (let n = 2; existsSync(target); n += 1) target = `${stem}.${stamp}-${n}${ext}`;
  renameSync(path, target);
  return target;
}
