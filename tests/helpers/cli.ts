/**
 * Spawns the real CLI (bin/trader.js over the built dist/) as a child process, as an operator or a
 * script would. `make test` builds before it tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { waitFor } from './wait.js';

export const REPO = resolve(import.meta.dirname, '../..');
const BIN = join(REPO, 'bin/trader.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<CliResult>;
}

/**
 * Every CLI a test file spawns registers its runners in this file's own run directory (unless
 * the test names one), so parallel test files and other checkouts never see each other's runners.
 */
export const RUN_DIR = mkdtempSync(join(tmpdir(), 'trader-rundir-'));

export function startCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? REPO,
    env: { ...process.env, TRADER_RUN_DIR: RUN_DIR, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<CliResult>((resolveExit) => {
    child.on('close', (code, signal) => resolveExit({ code, signal, stdout, stderr }));
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return startCli(args, options).exited;
}

export function tempDir(prefix = 'trader-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export const readLines = (path: string): string[] => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : []);

export function readTrace(path: string): Array<Record<string, unknown>> {
  return readLines(path).map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Waits until a line of `path` matches; returns it. */
export async function waitForLine(path: string, pattern: RegExp, timeoutMs = 20_000): Promise<string> {
  let found: string | undefined;
  await waitFor(() => {
    found = readLines(path).find((l) => pattern.test(l));
    return found !== undefined;
  }, timeoutMs);
  return found ?? '';
}

/** Starts `trader feed-server` on a free port; resolves with its URL once it listens. */
export async function startFeedServerCli(args: string[]): Promise<{ url: string; port: number; cli: RunningCli }> {
  const cli = startCli(['feed-server', '--port', '0', ...args]);
  let url = '';
  await waitFor(() => {
    url = /listening on (ws:\/\/[\d.]+:(\d+))/.exec(cli.stdout())?.[1] ?? '';
    return url !== '' || cli.child.exitCode !== null;
  }, 20_000);
  if (!url) throw new Error(`feed-server did not start: ${cli.stderr()}`);
  return { url, port: Number(url.split(':').pop()), cli };
}

/**
 * A fast drill config in `dir`: replay at 20x, 1 s bars, low strategy thresholds and room for
 * two positions so orders flow; `extra` is appended YAML, `feeds` more keys under `feeds:`.
 */
export function writeDrillConfig(dir: string, extra = '', feeds = ''): string {
  const path = join(dir, 'drill.yaml');
  writeFileSync(
    path,
    `symbols: [SPY, QQQ]
max_positions: 2
feeds:
  replay: { speed: 20 }
${feeds}decision:
  bar_interval: 1s
  strategy:
    params: { lookback_bars: 1, momentum_bps: 0.2, vwap_band_bps: 0.2 }
${extra}`,
  );
  return path;
}
