/**
 * `trader run --feed alpaca|polygon` end to end: the real CLI, TRADER_ALPACA_URL /
 * TRADER_POLYGON_URL pointing at `trader feed-server --protocol …` on 127.0.0.1, dummy keys in
 * the environment.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLines, readTrace, runCli, startCli, startFeedServerCli, tempDir, waitForLine, writeDrillConfig, type CliResult, type RunningCli } from '../helpers/cli.js';

// Distinctive, so a leak anywhere is found by a plain search.
const KEY = 'PKLEAKCHECK7Q2ZX9';
const SECRET = 'sEcReT-LeAkChEcK-4f9d2a7b';

/** Replays a capture and expects the decisions of the live run, field for field in what decides. */
async function expectReplayParity(dir: string): Promise<void> {
  const replayed = join(dir, 'replay.jsonl');
  const result = await runCli(['replay', '--capture', join(dir, 'capture.jsonl'), '--trace-file', replayed]);
  expect(result.code, result.stderr).toBe(0);
  const key = (file: string): string[] =>
    readTrace(file)
      .filter((r) => r.type === 'decision')
      .map((r) => `${String(r.symbol)} ${String(r.bar_start)} ${String(r.inputs_digest)} ${String(r.output_digest)}`);
  const live = key(join(dir, 'trace.jsonl'));
  expect(live.length).toBeGreaterThan(0);
  expect(key(replayed)).toEqual(live);
}

/** Stops the runner first, then its feed servers (stopped together, a server could close first and the run log a disconnect). */
async function stopRunThenFeeds(run: RunningCli, ...feeds: Array<{ cli: RunningCli }>): Promise<CliResult> {
  run.child.kill('SIGTERM');
  const result = await run.exited;
  for (const f of feeds) {
    f.cli.child.kill('SIGTERM');
    await f.cli.exited;
  }
  return result;
}

function runArgs(dir: string, cfg: string, extra: string[] = [], venue = 'alpaca'): string[] {
  return ['run', '--config', cfg, '--feed', venue, '--log-file', join(dir, 'run.log'), '--trace-file', join(dir, 'trace.jsonl'), '--pid-file', join(dir, 'pid'), '--kill-switch-file', join(dir, 'HALT'), ...extra];
}

describe('trader run --feed alpaca', () => {
  it('runs on the Alpaca emulator in msgpack mode, logs decisions, writes the keys into no output, and replays the capture to the same decisions', async () => {
    const dir = tempDir();
    const feed = await startFeedServerCli(['--protocol', 'alpaca', '--speed', '20']);
    const run = startCli(runArgs(dir, writeDrillConfig(dir, '', '  primary: { venue: alpaca, format: msgpack }\n'), ['--record', join(dir, 'capture.jsonl')]), {
      env: { TRADER_ALPACA_URL: `${feed.url}/v2/iex`, APCA_API_KEY_ID: KEY, APCA_API_SECRET_KEY: SECRET },
    });
    const log = join(dir, 'run.log');
    expect(await waitForLine(log, /FEED_CONNECTED/, 30_000)).toMatch(/venue=alpaca url=ws:\/\/127\.0\.0\.1:\d+\/v2\/iex symbols=SPY,QQQ/);
    await waitForLine(log, /DECISION_LOGGED/, 60_000);
    const result = await stopRunThenFeeds(run, feed);
    expect(result.code).toBe(0);
    const lines = readLines(log);
    expect(lines.filter((l) => /ERROR|EXCEPTION/.test(l))).toEqual([]);
    const outputs = [result.stdout, result.stderr, ...readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8'))];
    expect(outputs.filter((o) => o.includes(KEY) || o.includes(SECRET))).toEqual([]);
    // The capture holds Alpaca's frames (msgpack as its JSON form, ns timestamps kept), which replay re-parses.
    expect(readFileSync(join(dir, 'capture.jsonl'), 'utf8')).toMatch(/\\"T\\":\\"t\\".*\\"t\\":\\"\d{4}-\d\d-\d\dT[\d:]+\.\d{9}Z/);
    await expectReplayParity(dir);
  });

  it('rejected credentials end the run promptly: one ERROR line naming the cause, exit 69, one connection', async () => {
    const dir = tempDir();
    const feed = await startFeedServerCli(['--protocol', 'alpaca', '--auth-fail']);
    const result = await runCli(runArgs(dir, writeDrillConfig(dir), ['--duration', '2min']), {
      env: { TRADER_ALPACA_URL: `${feed.url}/v2/iex`, APCA_API_KEY_ID: KEY, APCA_API_SECRET_KEY: SECRET },
    });
    feed.cli.child.kill('SIGTERM');
    const served = await feed.cli.exited;
    expect(result.code).toBe(69);
    expect(result.stderr).toContain('alpaca error 402 auth failed');
    const errors = readLines(join(dir, 'run.log')).filter((l) => /ERROR/.test(l));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/FEED_FATAL: venue=alpaca .*cause="alpaca error 402 auth failed"/);
    expect(served.stdout).toMatch(/feed-server stopped: 1 connections/);
  });

  it('without the keys in the environment it is one line naming the variable, exit 2, nothing written', async () => {
    const dir = tempDir();
    const env = { TRADER_ALPACA_URL: 'ws://127.0.0.1:9/v2/iex', APCA_API_KEY_ID: '', APCA_API_SECRET_KEY: '' };
    const result = await runCli(runArgs(dir, writeDrillConfig(dir)), { env });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/APCA_API_KEY_ID/);
    expect(readdirSync(dir)).toEqual(['drill.yaml']);
  });
});

describe('trader run --feed polygon', () => {
  it('runs on the Polygon emulator, logs decisions, and writes the key into no output', async () => {
    const dir = tempDir();
    const POLY = 'PolyLeakCheck_9x8c7v6b';
    const feed = await startFeedServerCli(['--protocol', 'polygon', '--speed', '20']);
    const run = startCli(runArgs(dir, writeDrillConfig(dir), [], 'polygon'), { env: { TRADER_POLYGON_URL: `${feed.url}/stocks`, POLYGON_API_KEY: POLY } });
    const log = join(dir, 'run.log');
    expect(await waitForLine(log, /FEED_CONNECTED/, 30_000)).toMatch(/venue=polygon url=ws:\/\/127\.0\.0\.1:\d+\/stocks/);
    await waitForLine(log, /DECISION_LOGGED/, 60_000);
    const result = await stopRunThenFeeds(run, feed);
    expect(result.code).toBe(0);
    expect(readLines(log).filter((l) => /ERROR|EXCEPTION/.test(l))).toEqual([]);
    const outputs = [result.stdout, result.stderr, ...readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8'))];
    expect(outputs.filter((o) => o.includes(POLY))).toEqual([]);
  });
});

describe('trader run --feed binance', () => {
  it('runs on the Binance.US emulator through TRADER_BINANCE_URL (origin only; the client adds /stream?streams=…), and replays the capture to the same decisions', async () => {
    const dir = tempDir();
    const feed = await startFeedServerCli(['--protocol', 'binance', '--speed', '20']);
    const run = startCli(runArgs(dir, writeDrillConfig(dir), ['--symbols', 'BTC-USD,ETH-USD', '--record', join(dir, 'capture.jsonl')], 'binance'), { env: { TRADER_BINANCE_URL: feed.url } });
    const log = join(dir, 'run.log');
    expect(await waitForLine(log, /FEED_CONNECTED/, 30_000)).toMatch(/venue=binance url=ws:\/\/127\.0\.0\.1:\d+ symbols=BTC-USD,ETH-USD/);
    await waitForLine(log, /DECISION_LOGGED/, 60_000);
    const result = await stopRunThenFeeds(run, feed);
    expect(result.code).toBe(0);
    expect(readLines(log).filter((l) => /ERROR|EXCEPTION/.test(l))).toEqual([]);
    await expectReplayParity(dir);
  });
});

describe('config/live_canary.yaml', () => {
  it('runs as shipped on Alpaca (primary) with Polygon configured as fallback, both redirected to emulators', async () => {
    const dir = tempDir();
    const alpaca = await startFeedServerCli(['--protocol', 'alpaca', '--speed', '20']);
    const polygon = await startFeedServerCli(['--protocol', 'polygon', '--speed', '20']);
    const run = startCli(runArgs(dir, 'config/live_canary.yaml', [], 'alpaca'), {
      env: { TRADER_ALPACA_URL: `${alpaca.url}/v2/sip`, TRADER_POLYGON_URL: `${polygon.url}/stocks`, APCA_API_KEY_ID: KEY, APCA_API_SECRET_KEY: SECRET, POLYGON_API_KEY: 'PolyCanaryKey_5t6y7u' },
    });
    const log = join(dir, 'run.log');
    expect(await waitForLine(log, /FEED_CONNECTED/, 30_000)).toMatch(/venue=alpaca url=ws:\/\/127\.0\.0\.1:\d+\/v2\/sip symbols=SPY source=primary/);
    const result = await stopRunThenFeeds(run, alpaca, polygon);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/feed alpaca at ws:\/\/127\.0\.0\.1:\d+\/v2\/sip \(fallback polygon at ws:\/\/127\.0\.0\.1:\d+\/stocks\)/);
  });
});
