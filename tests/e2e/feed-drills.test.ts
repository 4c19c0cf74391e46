/**
 * Feed resilience drills: the spawned runner against a spawned `trader feed-server` injecting
 * faults — drops, a stall without close, garbage, gaps and duplicates, and failover/failback.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLines, readTrace, runCli, startCli, startFeedServerCli, tempDir, waitForLine, writeDrillConfig, type RunningCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';
import { nativeAdapter } from '../../src/feeds/native.js';

function runner(dir: string, cfg: string, extra: string[] = []): RunningCli {
  return startCli(['run', '--config', cfg, '--log-file', join(dir, 'run.log'), '--trace-file', join(dir, 'trace.jsonl'), '--pid-file', join(dir, 'pid'), '--kill-switch-file', join(dir, 'HALT'), '--quiet', ...extra]);
}

const events = (dir: string): string[] => readTrace(join(dir, 'trace.jsonl')).map((r) => String(r.event ?? r.type));

/**
 * Stops each in turn, in the order given (the runner before its feed server): stopped together,
 * the server's sockets could close before the runner saw its SIGTERM, and the run would log a
 * disconnect that no drill caused.
 */
async function stop(...clis: RunningCli[]): Promise<void> {
  for (const c of clis) {
    c.child.kill('SIGTERM');
    expect((await c.exited).code).toBe(0);
  }
}

describe('reconnection drills', () => {
  it('rides through 20 drops: every WEBSOCKET_DISCONNECT paired with RECONNECT_SUCCESS, every symbol resubscribed', async () => {
    const dir = tempDir();
    const feed = await startFeedServerCli(['--speed', '20', '--drop-every', '250ms']);
    const run = runner(dir, writeDrillConfig(dir, '', '  connection: { stable_after: 100ms }\n'), ['--feed', 'native', '--feed-url', feed.url]);
    await waitFor(() => events(dir).filter((e) => e === 'RECONNECT_SUCCESS').length >= 20, 40_000);
    await stop(run, feed.cli);
    const evs = events(dir).filter((e) => e === 'WEBSOCKET_DISCONNECT' || e === 'RECONNECT_SUCCESS');
    // Strictly alternating: no disconnect is left without its reconnect (the last one may be cut by the stop).
    const pairs = evs.join(' ').replace(/ WEBSOCKET_DISCONNECT$/, '').split(' ');
    for (let i = 0; i < pairs.length; i += 2) expect([pairs[i], pairs[i + 1]]).toEqual(['WEBSOCKET_DISCONNECT', 'RECONNECT_SUCCESS']);
    expect(pairs.length / 2).toBeGreaterThanOrEqual(20);
    const resub = readTrace(join(dir, 'trace.jsonl')).filter((r) => r.event === 'RECONNECT_SUCCESS');
    for (const r of resub) expect(r.symbols).toEqual(['SPY', 'QQQ']);
    const log = readLines(join(dir, 'run.log'));
    expect(log.filter((l) => /ERROR|EXCEPTION/.test(l))).toEqual([]);
  });

  it('detects a stalled connection that never closes with ping/pong, and reconnects', async () => {
    const dir = tempDir();
    const feed = await startFeedServerCli(['--speed', '20', '--stall-after', '2s', '--stall-for', '5s']);
    const run = runner(dir, writeDrillConfig(dir, '', '  connection: { ping_interval: 300ms, ping_timeout: 300ms }\n'), ['--feed', 'native', '--feed-url', feed.url]);
    const log = join(dir, 'run.log');
    await waitForLine(log, /WEBSOCKET_DISCONNECT: .*code=1006/, 30_000);
    await waitFor(() => {
      const lines = readLines(log);
      const back = lines.findIndex((l) => l.includes('RECONNECT_SUCCESS'));
      return back >= 0 && lines.slice(back).some((l) => l.includes('DECISION_LOGGED'));
    }, 30_000);
    await stop(run, feed.cli);
    // The server never closed a socket: the runner found the dead connection itself.
    expect(feed.cli.stdout()).toMatch(/feed-server stopped: \d+ connections/);
    // Data that stopped for longer than max_lag was a staleness episode, and it ended.
    const evs = events(dir);
    if (evs.includes('STALENESS_BREACH')) expect(evs.lastIndexOf('STALENESS_RECOVERED')).toBeGreaterThan(evs.indexOf('STALENESS_BREACH'));
  });
});

describe('bad data drills', () => {
  it('survives thousands of malformed frames: counted, logged rate-limited, decisions unchanged', async () => {
    const dir = tempDir();
    const feed = await startFeedServerCli(['--speed', '20', '--malformed-rate', '0.3', '--oversize-every', '500ms']);
    const capture = join(dir, 'capture.jsonl');
    const run = runner(dir, writeDrillConfig(dir), ['--feed', 'native', '--feed-url', feed.url, '--record', capture]);
    await waitFor(() => readTrace(join(dir, 'trace.jsonl')).filter((r) => r.type === 'decision').length >= 10, 30_000);
    await stop(run, feed.cli);
    const trace = readTrace(join(dir, 'trace.jsonl'));
    const summary = trace.find((r) => r.event === 'RUN_SUMMARY') as { parseErrors: number };
    expect(summary.parseErrors).toBeGreaterThan(1000);
    const parseLines = trace.filter((r) => r.event === 'FEED_PARSE_ERROR');
    expect(parseLines.length).toBeGreaterThan(0);
    expect(parseLines.length).toBeLessThan(summary.parseErrors / 20);
    // Oversize frames are counted, not a reason to drop the connection.
    expect(parseLines.some((r) => (r.by_kind as Record<string, number>).oversize > 0)).toBe(true);
    expect(trace.some((r) => r.event === 'WEBSOCKET_DISCONNECT')).toBe(false);

    // The same frames without the garbage give the same decisions.
    const clean = join(dir, 'clean.jsonl');
    // A frame is garbage when the venue adapter finds any problem in it.
    const isGarbage = (frame: string): boolean => {
      let bad = false;
      nativeAdapter.parse(frame, { event: () => undefined, issue: () => (bad = true) });
      return bad;
    };
    const lines = readFileSync(capture, 'utf8').split('\n').filter(Boolean);
    const kept = lines.filter((l, i) => i === 0 || !('f' in JSON.parse(l)) || !isGarbage((JSON.parse(l) as { f: string }).f));
    expect(kept.length).toBeLessThan(lines.length - 1000);
    writeFileSync(clean, `${kept.join('\n')}\n`);
    const a = await runCli(['replay', '--capture', capture, '--trace-file', join(dir, 'replay-dirty.jsonl')]);
    const b = await runCli(['replay', '--capture', clean, '--trace-file', join(dir, 'replay-clean.jsonl')]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const digests = (path: string): string[] => readTrace(path).filter((r) => r.type === 'decision').map((r) => `${String(r.symbol)} ${String(r.inputs_digest)} ${String(r.output_digest)}`);
    const live = digests(join(dir, 'trace.jsonl'));
    expect(digests(join(dir, 'replay-clean.jsonl'))).toEqual(live);
    expect(digests(join(dir, 'replay-dirty.jsonl'))).toEqual(live);
  });

  it('records sequence gaps and drops duplicates', async () => {
    const dir = tempDir();
    const feed = await startFeedServerCli(['--speed', '20', '--gap-rate', '0.01', '--duplicate-rate', '0.01', '--out-of-order-rate', '0.01']);
    const run = runner(dir, writeDrillConfig(dir), ['--feed', 'native', '--feed-url', feed.url]);
    // SEQUENCE_GAP lines are rate-limited; each carries the running `total` of gaps for its symbol.
    const gapsSoFar = (): number => readTrace(join(dir, 'trace.jsonl')).filter((r) => r.event === 'SEQUENCE_GAP').reduce((n, r) => Math.max(n, Number(r.total)), 0);
    await waitFor(() => gapsSoFar() >= 20, 30_000);
    await waitFor(() => readTrace(join(dir, 'trace.jsonl')).filter((r) => r.type === 'decision').length >= 6, 30_000);
    await stop(run, feed.cli);
    const trace = readTrace(join(dir, 'trace.jsonl'));
    const gap = trace.find((r) => r.event === 'SEQUENCE_GAP');
    expect(gap).toMatchObject({ symbol: expect.stringMatching(/^(SPY|QQQ)$/), missing: expect.any(Number) });
    expect(Number(gap?.received) - Number(gap?.expected)).toBe(Number(gap?.missing));
    expect(trace.some((r) => r.type === 'decision' && r.data_gap === true)).toBe(true);
    const summary = trace.find((r) => r.event === 'RUN_SUMMARY') as { perSymbol: Record<string, { dropped: number; gaps: number; by_kind: Record<string, number> }> };
    expect(summary.perSymbol.SPY?.dropped ?? 0).toBeGreaterThan(0);
    expect(summary.perSymbol.SPY?.by_kind.duplicate ?? 0).toBeGreaterThan(0);
    // The summary's gap count is exact: the highest running total among the symbol's lines.
    const spyGapTotal = trace.filter((r) => r.event === 'SEQUENCE_GAP' && r.symbol === 'SPY').reduce((n, r) => Math.max(n, Number(r.total)), 0);
    expect(summary.perSymbol.SPY?.gaps).toBe(spyGapTotal);
  });
});

describe('failover', () => {
  it('fails over to feeds.fallback when the primary stays down, and fails back when it returns', async () => {
    const dir = tempDir();
    const primary = await startFeedServerCli(['--speed', '20']);
    const fallback = await startFeedServerCli(['--speed', '20']);
    const cfg = writeDrillConfig(dir, '', `  primary: { venue: native, url: "${primary.url}" }
  fallback: { venue: native, url: "${fallback.url}" }
  connection: { backoff_initial: 100ms, backoff_max: 300ms }
  failover: { after: 1s, attempts: 100, failback: true, failback_after: 1s }
`);
    const run = runner(dir, cfg);
    const log = join(dir, 'run.log');
    await waitForLine(log, /DECISION_LOGGED: symbol=SPY/);
    primary.cli.child.kill('SIGTERM');
    await primary.cli.exited;
    await waitForLine(log, /FEED_FAILOVER: from=primary to=fallback/, 20_000);
    const decisionsAfter = (marker: RegExp): number => {
      const lines = readLines(log);
      return lines.slice(lines.findIndex((l) => marker.test(l))).filter((l) => l.includes('DECISION_LOGGED')).length;
    };
    await waitFor(() => decisionsAfter(/FEED_FAILOVER/) >= 4, 20_000);
    const back = await startFeedServerCli(['--speed', '20', '--port', String(primary.port)]);
    await waitForLine(log, /FEED_FAILBACK: from=fallback to=primary/, 30_000);
    await waitFor(() => decisionsAfter(/FEED_FAILBACK/) >= 4, 20_000);
    await stop(run, fallback.cli, back.cli);
  });
});

describe('venue-announced rotation and scenario files', () => {
  it('moves to a new socket before the old one closes: FEED_ROTATED, no disconnect, decisions go on', async () => {
    const dir = tempDir();
    const feed = await startFeedServerCli(['--speed', '20', '--rotate-every', '1s', '--delay-connections', '200ms']);
    const run = runner(dir, writeDrillConfig(dir), ['--feed', 'native', '--feed-url', feed.url, '--record', join(dir, 'capture.jsonl')]);
    await waitFor(() => events(dir).filter((e) => e === 'FEED_ROTATED').length >= 3, 30_000);
    await waitFor(() => {
      const evs = events(dir);
      return evs.slice(evs.lastIndexOf('FEED_ROTATED')).includes('DECISION_LOGGED');
    }, 20_000);
    await stop(run, feed.cli);
    const evs = events(dir);
    // Rotations are not disconnects. (Under heavy load a rotation can still race the server's
    // close; then the disconnect must at least be followed by its reconnect.)
    const rotations = evs.filter((e) => e === 'FEED_ROTATED').length;
    const disconnects = evs.filter((e) => e === 'WEBSOCKET_DISCONNECT').length;
    expect(disconnects).toBeLessThan(rotations);
    expect(evs.filter((e) => e === 'RECONNECT_SUCCESS').length).toBeGreaterThanOrEqual(disconnects);
    // Frames from the two overlapping sockets did not change a decision: replay agrees.
    const replayed = join(dir, 'replayed.jsonl');
    expect((await runCli(['replay', '--capture', join(dir, 'capture.jsonl'), '--trace-file', replayed])).code).toBe(0);
    const digests = (p: string): string[] => readTrace(p).filter((r) => r.type === 'decision').map((r) => `${String(r.symbol)} ${String(r.output_digest)} ${String(r.data_gap ?? false)}`);
    expect(digests(replayed)).toEqual(digests(join(dir, 'trace.jsonl')));
  });

  it('runs a repeatable drill from a YAML scenario, and names a bad scenario key', async () => {
    const dir = tempDir();
    const scenario = join(dir, 'drill.yaml');
    writeFileSync(scenario, 'seed: 3\ndrop_at_ms: [1500, 3000]\nduplicate_rate: 0.01\n');
    const feed = await startFeedServerCli(['--speed', '20', '--scenario', scenario]);
    expect(feed.cli.stdout()).toMatch(/faults drop_at_ms=\[1500,3000\] duplicate_rate=0\.01/);
    const run = runner(dir, writeDrillConfig(dir), ['--feed', 'native', '--feed-url', feed.url]);
    await waitFor(() => events(dir).filter((e) => e === 'RECONNECT_SUCCESS').length >= 2, 30_000);
    await stop(run, feed.cli);
    // The schedule runs from the session's first subscription: the drops the server reports are the runner's.
    expect(feed.cli.stdout()).toMatch(/, 2 drops/);
    expect(events(dir).filter((e) => e === 'WEBSOCKET_DISCONNECT').length).toBeGreaterThanOrEqual(2);
    writeFileSync(scenario, 'drop_evry_ms: 100\n');
    const bad = await runCli(['feed-server', '--port', '0', '--scenario', scenario]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/drill\.yaml: unknown key "drop_evry_ms"/);
  });
});
