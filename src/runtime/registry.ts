/**
 * The per-user run directory: every `trader run` registers itself here (one JSON file named by
 * its pid) so `trader halt`, `resume` and `status` find the runner that is running from any
 * directory and without its config; every `trader ingest` too (`ingest-<pid>.json`, which halt
 * and resume never read: an ingest does not trade), for `trader status`. Entries of processes
 * that are gone are ignored and removed.
 *
 *   $TRADER_RUN_DIR            when set (tests give every run its own)
 *   $XDG_RUNTIME_DIR/trader    else, when the session has one
 *   ~/.trader/run              else
 */
import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { isRunningOwner } from './process-alive.js';

export const runEntrySchema = z.object({
  pid: z.number().int(),
  started_at: z.string(),
  cwd: z.string(),
  log: z.string(),
  trace: z.string(),
  pid_file: z.string(),
  kill_switch: z.string(),
  capture: z.string().nullable(),
  allow_resume: z.boolean(),
  /** The run's /metrics URL (--metrics-port); absent in entries written before it existed. */
  metrics_url: z.string().nullable().optional(),
});
/** A running runner, every path absolute. */
export type RunEntry = z.infer<typeof runEntrySchema>;

export function runDir(env: NodeJS.ProcessEnv): string {
  if (env.TRADER_RUN_DIR) return env.TRADER_RUN_DIR;
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'trader');
  return join(homedir(), '.trader', 'run');
}

/** A running `trader ingest`, every path absolute; the feed URL with its credentials masked. */
const ingestEntrySchema = z.object({
  pid: z.number().int(),
  started_at: z.string(),
  cwd: z.string(),
  log: z.string(),
  trace: z.string(),
  venue: z.string(),
  feed_url: z.string(),
  nats_url: z.string(),
  stream: z.string(),
  symbols: z.array(z.string()),
});
export type IngestEntry = z.infer<typeof ingestEntrySchema>;

const RUNNER_FILE = /^\d+\.json$/;
const INGEST_FILE = /^ingest-\d+\.json$/;

/** Registers the runner; returns the unregister function (which only removes this pid's own file). */
export function register(dir: string, entry: RunEntry): () => void {
  return registerFile(dir, `${entry.pid}.json`, entry);
}

/** Registers an ingest; returns the unregister function. */
export function registerIngest(dir: string, entry: IngestEntry): () => void {
  return registerFile(dir, `ingest-${entry.pid}.json`, entry);
}

/** The runners that are running, oldest first; entries of dead processes are deleted on the way. */
export function liveRunners(dir: string): RunEntry[] {
  return liveEntries(dir, RUNNER_FILE, runEntrySchema);
}

/** The ingests that are running, oldest first. */
export function liveIngests(dir: string): IngestEntry[] {
  return liveEntries(dir, INGEST_FILE, ingestEntrySchema);
}

function registerFile(dir: string, name: string, entry: object): () => void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, name);
  // Written aside and renamed: a reader never sees half an entry.
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
  return () => rmSync(file, { force: true });
}

function liveEntries<T extends { pid: number; started_at: string }>(dir: string, pattern: RegExp, schema: z.ZodType<T>): T[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const live: T[] = [];
  for (const name of names) {
    if (!pattern.test(name)) continue;
    const file = join(dir, name);
    let entry: T;
    try {
      entry = schema.parse(JSON.parse(readFileSync(file, 'utf8')));
    } catch {
      continue; // not ours to judge: a foreign or damaged file is left alone and ignored
    }
    if (isRunningOwner(entry.pid, entry.started_at)) live.push(entry);
    else rmSync(file, { force: true });
  }
  return live.sort((a, b) => a.started_at.localeCompare(b.started_at) || a.pid - b.pid);
}
