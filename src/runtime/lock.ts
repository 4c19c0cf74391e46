/**
 * One runner per set of files. Every file a run writes (log, trace, pid file, capture) gets a
 * lock beside it, `<file>.lock`, created atomically (written aside, then hard-linked into place,
 * so a reader never sees half a lock) and holding the owner's pid, start time and all its paths.
 * A second run on any of those files is refused before it rotates or writes anything. A lock
 * whose owner is gone is taken over with a warning, under a short-lived `.takeover` mutex so two
 * runs that find the same stale lock cannot both take it.
 */
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { usageError } from '../errors.js';
import { isRunningOwner } from './process-alive.js';
import { runEntrySchema, type RunEntry } from './registry.js';

/** A takeover mutex older than this was left by a run that died mid-takeover. */
const STALE_TAKEOVER_MS = 10_000;

export class RunLock {
  private constructor(private readonly files: string[]) {}

  /**
   * Locks every path (absolute, distinct) for `owner`, or throws E_USAGE naming the live owner.
   * Locks already taken are released again when a later one is refused.
   */
  static acquire(paths: readonly string[], owner: RunEntry, warn: (line: string) => void): RunLock {
    const taken: string[] = [];
    try {
      for (const path of paths) {
        const file = `${path}.lock`;
        mkdirSync(dirname(path), { recursive: true });
        lockOne(path, file, owner, warn);
        taken.push(file);
      }
    } catch (err) {
      for (const file of taken) releaseOne(file);
      throw err;
    }
    return new RunLock(taken);
  }

  /** Removes the locks that are still this process's (never another run's). */
  release(): void {
    for (const file of this.files) releaseOne(file);
  }
}

function lockOne(path: string, file: string, owner: RunEntry, warn: (line: string) => void): void {
  const body = `${JSON.stringify(owner)}\n`;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    if (create(file, body)) return;
    const holder = readHolder(file);
    if (holder === 'missing') continue; // released between our attempt and the read
    if (holder !== 'unreadable' && holder.pid !== process.pid && isRunningOwner(holder.pid, holder.started_at)) {
      throw usageError(`${path}: already running (pid ${holder.pid} since ${holder.started_at}; its log ${holder.log}, trace ${holder.trace}, pid file ${holder.pid_file}); stop it first or choose other files`);
    }
    if (takeOver(file, holder)) {
      warn(holder === 'unreadable' ? `took over the unreadable lock ${file}` : `took over the lock ${file} left by pid ${holder.pid} (started ${holder.started_at}), which is no longer running`);
    }
  }
  throw usageError(`${path}: cannot lock ${file}: other runs keep taking it; try again`);
}

/** Atomically creates `file` with `body`; false when it exists. */
function create(file: string, body: string): boolean {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, body);
  try {
    linkSync(tmp, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
    // A filesystem without hard links: exclusive create, then write (a reader may see it empty
    // for an instant and then treats it as unreadable, which only ever delays a takeover).
    let fd: number;
    try {
      fd = openSync(file, 'wx');
    } catch (inner) {
      if ((inner as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw inner;
    }
    writeSync(fd, body);
    closeSync(fd);
    return true;
  } finally {
    rmSync(tmp, { force: true });
  }
}

function readHolder(file: string): RunEntry | 'missing' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw err;
  }
  try {
    return runEntrySchema.parse(JSON.parse(text));
  } catch {
    return 'unreadable';
  }
}

/** Removes a dead owner's lock if it is still the one we judged; true when this run removed it. */
function takeOver(file: string, judged: RunEntry | 'unreadable'): boolean {
  const mutex = `${file}.takeover`;
  if (!create(mutex, `${process.pid}\n`)) {
    const age = Date.now() - (statSync(mutex, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if (age > STALE_TAKEOVER_MS) rmSync(mutex, { force: true });
    return false;
  }
  try {
    const now = readHolder(file);
    const same = now === judged || (now !== 'missing' && now !== 'unreadable' && judged !== 'unreadable' && now.pid === judged.pid && now.started_at === judged.started_at);
    if (!same) return false;
    rmSync(file, { force: true });
    return true;
  } finally {
    rmSync(mutex, { force: true });
  }
}

function releaseOne(file: string): void {
  const holder = readHolder(file);
  if (holder !== 'missing' && holder !== 'unreadable' && holder.pid === process.pid) rmSync(file, { force: true });
}
