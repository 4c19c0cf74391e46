/**
 * `trader halt` and `trader resume`: act on the runners that are running, found in the per-user
 * run directory, so they work from any directory and without a valid config.
 * `halt` creates the kill-switch file with who and why inside, so the halt in the runner's log
 * names its author (a plain `touch` works too); `resume` removes only a kill-switch file.
 */
import { linkSync, lstatSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { loadConfig } from '../../config/load.js';
import { TraderError, usageError } from '../../errors.js';
import { liveRunners, runDir, type RunEntry } from '../../runtime/registry.js';
import { probePath } from '../../safety/kill-switch.js';

export interface HaltOptions {
  config: string;
  killSwitchFile?: string;
  reason?: string;
  pid?: number;
  all?: boolean;
}

/** A kill-switch path to act on, and the running runner that watches it, if any. */
interface Target {
  path: string;
  runner: RunEntry | undefined;
}

const NOTE_PREFIX = 'halted_by=';

export function halt(opts: HaltOptions): number {
  for (const { path, runner } of targets(opts, 'halt')) onPath(path, () => haltOne(path, runner, opts.reason));
  return 0;
}

function haltOne(path: string, runner: RunEntry | undefined, reason: string | undefined): void {
  const there = probePath(path);
  if (there.present) {
    process.stdout.write(`already halted: ${path} exists (${there.content.trim() || 'no note'})\n`);
    return;
  }
  const note = `${NOTE_PREFIX}${safeUser()}@${hostname()} at=${new Date().toISOString()} reason=${JSON.stringify(reason ?? 'operator halt')}\n`;
  mkdirSync(dirname(path), { recursive: true });
  createWithNote(path, note);
  const who = runner ? `runner pid ${runner.pid} stops` : 'a runner watching it stops';
  process.stdout.write(`halted: wrote ${path} (${note.trim()}); ${who} accepting orders within a second\n`);
}

/** A path that cannot be looked at or written (a parent that is a file, no permission) is exit 2, one line. */
function onPath<T>(path: string, act: () => T): T {
  try {
    return act();
  } catch (err) {
    if (err instanceof TraderError) throw err;
    throw usageError(`${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export function resume(opts: HaltOptions): number {
  const chosen = targets(opts, 'resume');
  // Every target is judged before any is removed: a refusal leaves everything as it was.
  const removable = chosen.filter(({ path, runner }) => onPath(path, () => {
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (!st) {
      process.stdout.write(`not halted: ${path} does not exist\n`);
      return false;
    }
    if (st.isDirectory()) throw usageError(`${path} is a directory; resume removes only a kill-switch file`);
    // A running runner's own kill-switch path is a kill switch whatever is there (a FIFO, a
    // symlink); any other path must be a file `trader halt` wrote.
    if (!runner && !(st.isFile() && probePath(path).content.startsWith(NOTE_PREFIX))) {
      throw usageError(`${path} is not a kill switch: no running runner watches it and it is not a file written by \`trader halt\`; refusing to delete it`);
    }
    return true;
  }));
  for (const { path, runner } of removable) {
    onPath(path, () => rmSync(path));
    const allow = runner?.allow_resume ?? (opts.killSwitchFile === undefined ? allowResumeFromConfig(opts) : undefined);
    const effect =
      allow === false
        ? 'the runner logs KILL_SWITCH_CLEARED but stays halted (kill_switch.allow_resume: false); restart it to trade'
        : allow === true
          ? 'the runner resumes trading (kill_switch.allow_resume: true)'
          : 'the runner resumes trading if its kill_switch.allow_resume is true';
    process.stdout.write(`removed ${path}${runner ? ` (runner pid ${runner.pid})` : ''}: ${effect}\n`);
  }
  return 0;
}

/**
 * Which kill-switch files to act on: --kill-switch-file when given; else the runners that are
 * running (--pid N, --all, or the only one); else the config's file. Several runners and no
 * choice, or nothing to go on, is exit 2.
 */
function targets(opts: HaltOptions, verb: string): Target[] {
  const dir = runDir(process.env);
  const live = liveRunners(dir);
  const watching = (path: string): RunEntry | undefined => live.find((r) => r.kill_switch === path);
  if (opts.killSwitchFile !== undefined) {
    const path = resolve(opts.killSwitchFile);
    return [{ path, runner: watching(path) }];
  }
  const describe = (r: RunEntry): string => `pid ${r.pid} since ${r.started_at} (kill switch ${r.kill_switch}, log ${r.log})`;
  if (opts.pid !== undefined) {
    const runner = live.find((r) => r.pid === opts.pid);
    if (!runner) throw usageError(`--pid ${opts.pid}: no runner with that pid is running (${live.length ? `running: ${live.map(describe).join('; ')}` : `none registered in ${dir}`})`);
    return [{ path: runner.kill_switch, runner }];
  }
  if (opts.all) {
    if (!live.length) throw usageError(`--all: no runner is running (none registered in ${dir})`);
    return dedupe(live.map((runner) => ({ path: runner.kill_switch, runner })));
  }
  const [only] = live;
  if (only && live.length === 1) return [{ path: only.kill_switch, runner: only }];
  if (live.length > 1) throw usageError(`${live.length} runners are running: ${live.map(describe).join('; ')}; choose one with \`trader ${verb} --pid N\` or all with --all`);
  let configured: string;
  try {
    configured = loadConfig(opts.config).config.kill_switch.file;
  } catch (err) {
    throw usageError(`no runner is running (none registered in ${dir}) and the config cannot tell the kill-switch file (${(err as Error).message}); pass --kill-switch-file`);
  }
  const path = resolve(configured);
  return [{ path, runner: undefined }];
}

/**
 * The file appears with its note already inside (written aside, then hard-linked into place):
 * the runner's directory watch reacts to the creation at once and must not read an empty file.
 */
function createWithNote(path: string, note: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(tmp, note);
  try {
    linkSync(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw usageError(`${path} appeared meanwhile; the runner is halted by it`);
    // No hard links on this filesystem: exclusive create, then write.
    writeFileSync(path, note, { flag: 'wx' });
  } finally {
    rmSync(tmp, { force: true });
  }
}

function dedupe(list: Target[]): Target[] {
  return list.filter((t, i) => list.findIndex((o) => o.path === t.path) === i);
}

function allowResumeFromConfig(opts: HaltOptions): boolean | undefined {
  try {
    return loadConfig(opts.config).config.kill_switch.allow_resume;
  } catch {
    return undefined;
  }
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}
