import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, extname } from 'node:path';

/**
 * Makes room for a new run's file without losing an old one: a non-empty file at `path` is renamed
 * to `name.<UTC stamp>.ext` (and `-2`, `-3`… if that exists too). Returns the new name, if any.
 */
export function rotateIfPresent(path: string, nowMs: number): string | undefined {
  mkdirSync(dirname(path) || '.', { recursive: true });
  if (!existsSync(path) || statSync(path).size === 0) return undefined;
  const ext = extname(path);
  const stem = ext ? path.slice(0, -ext.length) : path;
  const stamp = new Date(nowMs).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  let target = `${stem}.${stamp}${ext}`;
  for (let n = 2; existsSync(target); n += 1) target = `${stem}.${stamp}-${n}${ext}`;
  renameSync(path, target);
  return target;
}
