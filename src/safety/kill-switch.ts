/**
 * Watches the kill-switch file two ways: `fs.watch` on its directory, so a file that exists for
 * a few milliseconds is still seen, and a `stat` poll, because watch events can be lost (some
 * filesystems, a directory created later) and cannot be trusted alone for safety.
 *
 * Anything at the path means HALTED, and nothing there can jam the check: the path is `lstat`ed
 * first, and only a regular file is ever opened (non-blocking, and checked again once open),
 * for at most a few hundred bytes of the operator's note. A FIFO, a device, a socket, a
 * directory, a symlink to one of them, a dangling or looping symlink: present, never opened.
 * A check that cannot look (a parent is not a directory, no permission) throws, so the caller
 * fails closed rather than assume "no file".
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, statSync, watch, type FSWatcher, type Stats } from 'node:fs';
import { basename, dirname, isAbsolute } from 'node:path';

export type KillSwitchChange =
  | { kind: 'appeared'; detectedMs: number; fileMtimeMs: number; delayMs: number; content: string; presentAtStart: boolean }
  | { kind: 'removed'; detectedMs: number };

/** The most of a kill-switch file's note ever read. */
const MAX_NOTE_BYTES = 512;
/**
 * After a removal, a watch event for the name that finds no file is the removal's own late
 * event, not a new file that came and went.
 */
const LATE_EVENT_MS = 1000;

interface Probe {
  present: boolean;
  mtimeMs: number;
  content: string;
}

export class KillSwitchPoller {
  private present = false;
  private checked = false;
  private watcher: FSWatcher | undefined;
  private onWatchEvent: (() => void) | undefined;
  /** A watch event named the file since the last check: something was created or removed there. */
  private eventSeen = false;
  private lateEventsUntil = 0;

  constructor(
    /** Absolute, resolved once at start, so the runner and `trader halt` agree on the file. */
    readonly path: string,
    private readonly onChange: (change: KillSwitchChange) => void,
    private readonly now: () => number = Date.now,
  ) {
    if (!isAbsolute(path)) throw new Error(`kill-switch path must be absolute, got ${path}`);
  }

  get isPresent(): boolean {
    return this.present;
  }

  /**
   * Watches the file's directory; `onEvent` runs a check (through the caller's fail-closed
   * wrapper). Without the directory yet, the poll keeps checking and re-arms the watch.
   */
  watch(onEvent: () => void): void {
    this.onWatchEvent = onEvent;
    this.arm();
  }

  close(): void {
    this.onWatchEvent = undefined;
    this.watcher?.close();
    this.watcher = undefined;
  }

  /** One check; throws when the path cannot be checked (the caller fails closed). */
  check(): void {
    if (this.onWatchEvent && !this.watcher) this.arm();
    const detectedMs = this.now();
    const eventSeen = this.eventSeen;
    this.eventSeen = false;
    const atStart = !this.checked;
    this.checked = true;
    const probe = probePath(this.path);
    if (probe.present && !this.present) {
      this.present = true;
      this.onChange({ kind: 'appeared', detectedMs, fileMtimeMs: probe.mtimeMs, delayMs: atStart ? 0 : Math.max(0, detectedMs - probe.mtimeMs), content: probe.content, presentAtStart: atStart });
    } else if (!probe.present && !this.present && eventSeen && detectedMs >= this.lateEventsUntil) {
      // A file came and went before this check could see it: it was there, so trading halts.
      this.present = true;
      this.onChange({ kind: 'appeared', detectedMs, fileMtimeMs: detectedMs, delayMs: 0, content: '[removed before it could be read]', presentAtStart: false });
    } else if (!probe.present && this.present) {
      this.present = false;
      this.lateEventsUntil = detectedMs + LATE_EVENT_MS;
      this.onChange({ kind: 'removed', detectedMs });
    }
  }

  private arm(): void {
    const name = basename(this.path);
    try {
      const watcher = watch(dirname(this.path), { persistent: false }, (_type, filename) => {
        if (filename !== null && filename !== name) return;
        this.eventSeen = true;
        this.onWatchEvent?.();
      });
      watcher.on('error', () => {
        // The directory went away: the poll goes on and re-arms when it is back.
        watcher.close();
        if (this.watcher === watcher) this.watcher = undefined;
      });
      this.watcher = watcher;
    } catch {
      this.watcher = undefined;
    }
  }
}

/**
 * What is at a kill-switch path, by the same safe rules the runner uses (never opens anything
 * but a regular file, reads at most a few hundred bytes): for `trader halt`, `resume`, `status`.
 */
export function probePath(path: string): Probe {
  let link: Stats;
  try {
    link = lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { present: false, mtimeMs: 0, content: '' };
    throw err;
  }
  let target = link;
  if (link.isSymbolicLink()) {
    try {
      target = statSync(path);
    } catch (err) {
      return { present: true, mtimeMs: link.mtimeMs, content: `[symlink that resolves to nothing (${(err as NodeJS.ErrnoException).code ?? 'error'}); not read]` };
    }
  }
  if (!target.isFile()) return { present: true, mtimeMs: link.mtimeMs, content: `[${kindOf(target)}${link.isSymbolicLink() ? ' behind a symlink' : ''}; not read]` };
  return { present: true, mtimeMs: link.mtimeMs, content: readNote(path) };
}

/** At most MAX_NOTE_BYTES of a regular file; a file swapped for something else meanwhile is not read. */
function readNote(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch {
    return ''; // gone or unreadable: its presence is the signal, the note is a courtesy
  }
  try {
    if (!fstatSync(fd).isFile()) return '[replaced by a non-regular file; not read]';
    const buf = Buffer.alloc(MAX_NOTE_BYTES);
    const n = readSync(fd, buf, 0, MAX_NOTE_BYTES, 0);
    return buf.subarray(0, n).toString('utf8');
  } catch {
    return '';
  } finally {
    closeSync(fd);
  }
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'directory';
  if (st.isFIFO()) return 'FIFO';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice()) return 'character device';
  if (st.isBlockDevice()) return 'block device';
  return 'non-regular file';
}
