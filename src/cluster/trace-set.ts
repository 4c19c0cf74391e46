/**
 * The traces (and logs) of one sharded run for `trader validate` and `trader report`: several
 * paths, a glob or a directory become the shard set, checked to be shards of the same run, and
 * judged: every shard present once (shards_complete) and every symbol run by exactly one shard,
 * the one that owns it (shard_partition).
 *
 * Bad input, exit 2: a trace that is not a shard's, shards of different N, partition, config,
 * strategy or feed (they are not one run's shards). A missing or doubled shard, or a symbol in the
 * wrong shard, is a verdict (FAIL), not bad input: it is what the check is for.
 */
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { inputError, TraderError, usageError } from '../errors.js';
import { readTraceRunRecord } from '../offline/scan.js';
import type { RunRecord } from '../trace/schema.js';
import { ownerOf } from './shard.js';

type ShardField = NonNullable<RunRecord['shard']>;

export interface ShardMember {
  path: string;
  run: RunRecord;
  shard: ShardField;
  /** The time of its last record: shards of one run ran at the same time. */
  endMs: number;
}

/** A row of the verdict: passed, and one line saying what was seen. */
interface SetRow {
  pass: boolean;
  observed: string;
}

const GLOB = /[*?[]/;
/** The copies `trader run` makes of a previous run's files (trace/files.ts): never part of the current set. */
const ROTATED = /\.\d{8}T\d{6}Z(-\d+)?\.[^.]+$/;

/** Is this a request for several traces (more than one path, a glob, a directory), rather than the one-trace path? */
export function isSet(args: string[]): boolean {
  if (args.length !== 1) return true;
  const only = args[0] as string;
  return GLOB.test(basename(only)) || statSync(only, { throwIfNoEntry: false })?.isDirectory() === true;
}

/**
 * Every path the arguments name, in order, each once: a file as given, a glob's matches (`*`, `?`
 * and `[…]` in the last path segment), a directory's files ending in `ext` (trader's rotated copies
 * left out of both).
 */
export function expandPaths(args: string[], ext: string, flag: string): Array<{ path: string; fromDirectory: boolean }> {
  const out: Array<{ path: string; fromDirectory: boolean }> = [];
  const seen = new Set<string>();
  const add = (path: string, fromDirectory: boolean): void => {
    const key = resolve(path);
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ path, fromDirectory });
  };
  for (const arg of args) {
    const dir = dirname(arg);
    if (GLOB.test(basename(arg))) {
      if (GLOB.test(dir)) throw usageError(`${flag} ${arg}: a pattern may only be in the file name, not in the directory`);
      const re = globRegex(basename(arg));
      // trader expands the pattern itself (quoted), so the copies it rotated aside stay out as from a directory.
      const matches = listFiles(dir, flag, arg).filter((name) => re.test(name) && !ROTATED.test(name));
      if (matches.length === 0) throw usageError(`${flag} ${arg}: no file matches`);
      for (const name of matches) add(join(dir, name), false);
    } else if (statSync(arg, { throwIfNoEntry: false })?.isDirectory()) {
      const names = listFiles(arg, flag, arg).filter((name) => name.endsWith(ext) && !ROTATED.test(name));
      if (names.length === 0) throw usageError(`${flag} ${arg}: no *${ext} file in this directory`);
      for (const name of names) add(join(arg, name), true);
    } else {
      add(arg, false);
    }
  }
  return out;
}

function listFiles(dir: string, flag: string, arg: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name).sort();
  } catch (err) {
    throw usageError(`${flag} ${arg}: cannot list ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

function globRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const ch = pattern[i] as string;
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

const HEAD_BYTES = 1 << 20;

/** The first line of a file, read without the rest (a trace's run record, a log's RUN_STARTED). */
function firstLine(path: string, what: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    throw inputError(`${path}: no such ${what} file`);
  }
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const n = readSync(fd, buf, 0, HEAD_BYTES, 0);
    const text = buf.toString('utf8', 0, n);
    const nl = text.indexOf('\n');
    return (nl < 0 ? text : text.slice(0, nl)).replace(/\r$/, '');
  } finally {
    closeSync(fd);
  }
}

const TAIL_BYTES = 1 << 16;

/** The time (epoch ms) of a trace's last complete record, read from its tail; NaN when none can be read. */
function lastRecordMs(path: string): number {
  const fd = openSync(path, 'r');
  try {
    const size = statSync(path).size;
    const from = Math.max(0, size - TAIL_BYTES);
    const buf = Buffer.alloc(size - from);
    const n = readSync(fd, buf, 0, buf.length, from);
    const lines = buf.toString('utf8', 0, n).split('\n');
    for (let i = lines.length - 1; i >= 0; i -= 1) {
      const ts = /"ts":"([^"]+)"/.exec(lines[i] ?? '')?.[1];
      const ms = ts === undefined ? NaN : Date.parse(ts);
      if (Number.isFinite(ms)) return ms;
    }
    return NaN;
  } finally {
    closeSync(fd);
  }
}

/** The trace's run record, or undefined when line 1 is not one (the scan's own check, scan.ts). */
function readRun(path: string): RunRecord | undefined {
  try {
    return readTraceRunRecord(path);
  } catch (err) {
    if (err instanceof TraderError) return undefined;
    throw err;
  }
}

/**
 * The shard set the --trace arguments name, checked to be one run's shards. A directory's files
 * that are not shard traces (an unsharded run's trace, a capture) are skipped and returned apart.
 */
export function loadShardSet(args: string[]): { members: ShardMember[]; skipped: string[] } {
  const members: ShardMember[] = [];
  const skipped: string[] = [];
  for (const { path, fromDirectory } of expandPaths(args, '.jsonl', '--trace')) {
    if (!statSync(path, { throwIfNoEntry: false })?.isFile()) throw inputError(`${path}: no such trace file`);
    const run = readRun(path);
    if (!run?.shard) {
      if (fromDirectory) {
        skipped.push(path);
        continue;
      }
      throw inputError(`${path}: ${run ? 'not a shard\'s trace (its run record has no shard: it was not run with --shard i/N)' : 'not a trader trace (line 1 is not a run record)'}; several traces must be the shards of one run`);
    }
    members.push({ path, run, shard: run.shard, endMs: lastRecordMs(path) });
  }
  const first = members[0];
  if (!first) throw inputError(`--trace ${args.join(' ')}: no shard trace found${skipped.length ? ` (${skipped.length} trace(s) without a shard skipped)` : ''}`);
  for (const m of members.slice(1)) sameRun(first, m);
  return { members, skipped };
}

/** Shards of one run share N, the partition, the config, the strategy and the feed: anything else is not one run. */
function sameRun(a: ShardMember, b: ShardMember): void {
  const at = (m: ShardMember): string => `${m.path} (shard ${m.shard.index}/${m.shard.count})`;
  if (a.shard.count !== b.shard.count) throw inputError(`${at(b)} is one of ${b.shard.count} shards but ${at(a)} is one of ${a.shard.count}: shards of one run are started with the same N`);
  const differs = (what: string, x: unknown, y: unknown): void => {
    if (JSON.stringify(x) !== JSON.stringify(y)) throw inputError(`${at(b)} has ${what} ${JSON.stringify(y)} but ${at(a)} has ${JSON.stringify(x)}: not shards of one run`);
  };
  differs('partition', a.shard.partition, b.shard.partition);
  differs('config digest', a.run.config.digest, b.run.config.digest);
  differs('strategy', strategyId(a.run), strategyId(b.run));
  differs('feed', a.run.feed.venue, b.run.feed.venue);
  differs('symbols given', [...a.shard.symbols_all].sort(), [...b.shard.symbols_all].sort());
  // Yesterday's shard 2/2 beside today's 1/2 is not one run, even with the same config: the shards
  // of one run were running at the same time.
  const span = (m: ShardMember): [number, number] => [Date.parse(m.run.started_at), m.endMs];
  const [a0, a1] = span(a);
  const [b0, b1] = span(b);
  const known = [a0, a1, b0, b1].every(Number.isFinite); // an unreadable tail is judged by run_complete instead
  if (known && !(a0 <= b1 && b0 <= a1)) throw inputError(`${at(b)} ran ${b.run.started_at}–${new Date(b1).toISOString()} and ${at(a)} ${a.run.started_at}–${new Date(a1).toISOString()}: they never ran at the same time, so they are not shards of one run`);
}

const strategyId = (run: RunRecord): string => `${run.strategy.name}@${run.strategy.version}${run.strategy.digest ? ` ${run.strategy.digest}` : ''}`;

export const shardName = (m: ShardMember): string => `shard ${m.shard.index}/${m.shard.count}`;

/** shards_complete: every index 1..N present, each exactly once. */
export function judgeComplete(members: ShardMember[]): SetRow {
  const count = (members[0] as ShardMember).shard.count;
  const byIndex = new Map<number, string[]>();
  for (const m of members) byIndex.set(m.shard.index, [...(byIndex.get(m.shard.index) ?? []), m.path]);
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  const doubled = [...byIndex].filter(([, paths]) => paths.length > 1);
  const given = [...new Set(members.flatMap((m) => m.shard.symbols_all))];
  const orphans = (i: number): string => {
    const owned = given.filter((s) => ownerOf(s, count) === i);
    return owned.length ? ` (its symbols ${owned.join(',')} unchecked)` : '';
  };
  const problems = [
    ...missing.map((i) => `shard ${i}/${count} missing${orphans(i)}`),
    ...doubled.map(([i, paths]) => `shard ${i}/${count} given ${paths.length}× (${paths.join(', ')})`),
  ];
  if (problems.length) return { pass: false, observed: `${byIndex.size} of ${count} shards present: ${problems.join('; ')}` };
  return { pass: true, observed: `${count} of ${count} shards present, each once (partition fnv1a32)` };
}

/**
 * shard_partition: each symbol a shard ran (its symbols, its decisions) is in that shard only and
 * is the one the partition gives it; each symbol given at the start is run by its owner (when present).
 */
export function judgePartition(members: ShardMember[], ran: (m: ShardMember) => string[]): SetRow {
  const count = (members[0] as ShardMember).shard.count;
  const holders = new Map<string, ShardMember[]>();
  for (const m of members) for (const s of new Set(ran(m))) holders.set(s, [...(holders.get(s) ?? []), m]);
  const problems: string[] = [];
  for (const [symbol, ms] of holders) {
    if (ms.length > 1) problems.push(`${symbol} in ${ms.length} shards (${ms.map(shardName).join(', ')})`);
    const owner = ownerOf(symbol, count);
    for (const m of ms) if (m.shard.index !== owner) problems.push(`${symbol} in ${shardName(m)} but owned by shard ${owner}/${count}`);
  }
  const present = new Set(members.map((m) => m.shard.index));
  const given = new Set(members.flatMap((m) => m.shard.symbols_all));
  for (const symbol of given) {
    const owner = ownerOf(symbol, count);
    if (present.has(owner) && !holders.get(symbol)?.some((m) => m.shard.index === owner)) problems.push(`${symbol} given but not run by its owner shard ${owner}/${count}`);
  }
  if (problems.length) return { pass: false, observed: `${problems.length} problem(s): ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? '; …' : ''}` };
  return { pass: true, observed: `each of ${holders.size} symbols in exactly one shard, the one that owns it` };
}

/** A log's run id: its first line is RUN_STARTED (text `run_id=…`, or JSON with a run_id field). */
function logRunId(path: string): string | undefined {
  let line: string;
  try {
    line = firstLine(path, 'log');
  } catch {
    return undefined;
  }
  return /RUN_STARTED.*?run_id[=":]+([0-9a-f-]{8,})/.exec(line)?.[1];
}

/**
 * Each shard's log, matched by run id (the log's RUN_STARTED names it): among the --log arguments
 * (paths, globs, directories) when given, else among the .log files beside each trace.
 */
export function findLogs(members: ShardMember[], logArgs: string[] | undefined): Map<ShardMember, string> {
  const candidates = logArgs?.length ? expandPaths(logArgs, '.log', '--log').map((p) => p.path) : [...new Set(members.map((m) => dirname(m.path)))].flatMap((dir) => expandPaths([dir], '.log', '--log').map((p) => p.path));
  const byRun = new Map<string, string[]>();
  for (const path of candidates) {
    const id = logRunId(path);
    if (id) byRun.set(id, [...(byRun.get(id) ?? []), path]);
  }
  const out = new Map<ShardMember, string>();
  for (const m of members) {
    const found = byRun.get(m.run.run_id) ?? [];
    const where = logArgs?.length ? `among --log ${logArgs.join(' ')}` : `beside it in ${dirname(m.path)}`;
    if (found.length === 0) throw inputError(`${m.path}: no log of run ${m.run.run_id} (${shardName(m)}) found ${where}; name it with --log`);
    if (found.length > 1) throw inputError(`${m.path}: ${found.length} logs of run ${m.run.run_id} found ${where} (${found.join(', ')}); name the one with --log`);
    out.set(m, found[0] as string);
  }
  return out;
}
