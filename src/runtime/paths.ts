/**
 * Output paths are checked before anything moves: each resolved to an absolute path, no two the
 * same file (through symlinks too), none a directory or a pipe, and each one's directory
 * writable. Every problem is one line naming the flag and the path, raised before a previous
 * run's file is rotated or a byte is written.
 */
import { accessSync, constants, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { usageError } from '../errors.js';

export interface NamedPath {
  /** The flag that named it, for the message (e.g. `--log-file`). */
  flag: string;
  path: string;
}

/** Throws E_USAGE when two of the paths are the same file; returns them absolute, in order. */
export function requireDistinct(paths: readonly NamedPath[]): string[] {
  const seen = new Map<string, NamedPath>();
  const out: string[] = [];
  for (const p of paths) {
    const abs = resolve(p.path);
    const key = canonical(abs);
    const other = seen.get(key);
    if (other) throw usageError(`${other.flag} and ${p.flag} are the same file (${abs}); each needs its own path`);
    seen.set(key, p);
    out.push(abs);
  }
  return out;
}

/**
 * Throws E_USAGE unless `path` can be written as a file: not a directory, pipe or socket, and
 * its directory (or the nearest one that exists, where the missing ones will be created) writable.
 */
export function requireWritableFile({ flag, path }: NamedPath): void {
  const abs = resolve(path);
  const st = statOrUndefined(abs);
  if (st?.isDirectory()) throw usageError(`${flag} ${path}: is a directory; give a file path`);
  if (st && (st.isFIFO() || st.isSocket())) throw usageError(`${flag} ${path}: is a ${st.isFIFO() ? 'FIFO' : 'socket'}; give a regular file path`);
  let dir = dirname(abs);
  for (;;) {
    const dst = statOrUndefined(dir);
    if (dst && !dst.isDirectory()) throw usageError(`${flag} ${path}: ${dir} is not a directory`);
    if (dst) break;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  try {
    // The directory must be writable even for an existing file: rotating it renames it there.
    accessSync(dir, constants.W_OK);
    if (st) accessSync(abs, constants.W_OK);
  } catch (err) {
    throw usageError(`${flag} ${path}: cannot write there (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // ENOTDIR: a parent is a file; the walk up to it reports that.
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw usageError(`${path}: cannot check (${code ?? (err as Error).message})`);
  }
}

/** The same file however it is named: the real path of the file, or of its directory. */
function canonical(abs: string): string {
  try {
    return realpathSync(abs);
  } catch {
    try {
      return join(realpathSync(dirname(abs)), basename(abs));
    } catch {
      return abs;
    }
  }
}
