/**
 * The kill switch's proof and the runner's own memory, end to end on the spawned CLI: a file
 * present at start, the embedded feed's child process (its start failure, its end with the
 * runner), and the leak drill that the memory row must fail.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLines, readTrace, REPO, runCli, startCli, tempDir, waitForLine, writeDrillConfig } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

function args(dir: string, config: string, extra: string[] = []): string[] {
  return ['run', '--config', config, '--log-file', join(dir, 'run.log'), '--trace-file', join(dir, 'trace.jsonl'), '--pid-file', join(dir, 'pid'), '--kill-switch-file', join(dir, 'FLAG_TRADING_HALTED'), '--quiet', ...extra];
}

const report = (dir: string, extra: string[] = []) => runCli(['report', '--log', join(dir, 'run.log'), '--trace', join(dir, 'trace.jsonl'), '--output', join(dir, 'report.json'), '--smoke', join(dir, 'none.json'), ...extra]);
const rowOf = (dir: string, id: string) => (JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { criteria: Array<{ id: string; status: string; observed: string }> }).criteria.find((c) => c.id === id);

/** The embedded feed's PID, as the runner prints it. */
const feedPid = (stdout: string): number => Number(/embedded feed process pid (\d+)/.exec(stdout)?.[1] ?? 0);
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('a kill-switch file present at start', () => {
  it('halts before the feed connects, is verified by the probe, and the report says so (PASS, no delay)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'FLAG_TRADING_HALTED'), 'halted_by=ops reason="overnight"\n');
    const run = startCli(args(dir, writeDrillConfig(dir), ['--symbols', 'SPY,QQQ']));
    const log = join(dir, 'run.log');
    // Decisions go on while halted, and they would have traded: orders are attempted and refused.
    await waitFor(() => readLines(log).filter((l) => l.includes('DECISION_LOGGED')).length >= 8 && readLines(log).some((l) => /ORDER_REJECTED: symbol=/.test(l)), 30_000);
    run.child.kill('SIGTERM');
    expect((await run.exited).code).toBe(0);

    const lines = readLines(log);
    const at = (event: string) => lines.findIndex((l) => l.includes(`${event}:`));
    expect(lines[at('KILL_SWITCH_DETECTED')]).toMatch(/FLAG_TRADING_HALTED present at start \(HALTED from the first instant, no detection delay\) note="halted_by=ops reason="overnight""/);
    expect(at('KILL_SWITCH_DETECTED')).toBeLessThan(at('FEED_CONNECTED'));
    expect(at('KILL_SWITCH_VERIFIED')).toBeLessThan(lines.findIndex((l) => l.includes('DECISION_LOGGED')));
    expect(lines.filter((l) => l.includes('PROBE'))).toEqual([expect.stringMatching(/ORDER_REJECTED: PROBE symbol=SPY side=BUY qty=1 reason=TRADING_HALTED$/), expect.stringMatching(/ORDER_REJECTED: PROBE symbol=QQQ side=BUY qty=1 reason=TRADING_HALTED$/)]);
    expect(lines.some((l) => /ORDER_SUBMITTED|ORDER_FILLED/.test(l))).toBe(false);
    const trace = readTrace(join(dir, 'trace.jsonl'));
    expect(trace.find((r) => r.event === 'KILL_SWITCH_DETECTED')).toMatchObject({ present_at_start: true, detection_delay_ms: null });
    // The summary's rejections are the strategy's; the probes are counted apart.
    const summary = trace.find((r) => r.event === 'RUN_SUMMARY') as { orders: { rejected: number; probes: number } };
    expect(summary.orders.probes).toBe(2);
    expect(summary.orders.rejected).toBe(lines.filter((l) => /ORDER_REJECTED: symbol=/.test(l)).length);

    await report(dir);
    expect(rowOf(dir, 'kill_switch')).toMatchObject({ status: 'PASS', observed: expect.stringMatching(/^present at start, HALTED from the first instant; verified by probe/) });
  });
});

describe('the embedded feed in its own process', () => {
  it('runs apart from the runner (its PID printed), is stopped after the runner\'s feed at a clean stop, and gone when the runner is killed', async () => {
    const dir = tempDir();
    const clean = startCli(args(dir, writeDrillConfig(dir), ['--symbols', 'SPY']));
    await waitForLine(join(dir, 'run.log'), /HEARTBEAT_OK: SPY last_update=\d/);
    const feed = feedPid(clean.stdout());
    expect(feed).toBeGreaterThan(0);
    expect(feed).not.toBe(clean.child.pid);
    clean.child.kill('SIGTERM');
    expect((await clean.exited).code).toBe(0);
    expect(alive(feed)).toBe(false);
    // Its sockets closed after the runner's: the stop logged no disconnect.
    expect(readLines(join(dir, 'run.log')).filter((l) => l.includes('WEBSOCKET_DISCONNECT'))).toEqual([]);

    const dir2 = tempDir();
    const killed = startCli(args(dir2, writeDrillConfig(dir2), ['--symbols', 'SPY']));
    await waitForLine(join(dir2, 'run.log'), /HEARTBEAT_OK: SPY last_update=\d/);
    const orphan = feedPid(killed.stdout());
    expect(orphan).toBeGreaterThan(0);
    killed.child.kill('SIGKILL');
    await killed.exited;
    await waitFor(() => !alive(orphan), 20_000);
  });

  it('Ctrl-C to the whole process group (runner and feed child) is a clean stop: exit 0, no disconnect, no error, the child gone', async () => {
    const dir = tempDir();
    // A process group of its own, as a terminal gives the command it runs.
    const child = spawn(process.execPath, [join(REPO, 'bin/trader.js'), ...args(dir, writeDrillConfig(dir), ['--symbols', 'SPY'])], { cwd: REPO, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await waitForLine(join(dir, 'run.log'), /HEARTBEAT_OK: SPY last_update=\d/);
    const feed = feedPid(stdout);
    expect(feed).toBeGreaterThan(0);
    process.kill(-(child.pid ?? 0), 'SIGINT');
    expect(await exited).toBe(0);
    const lines = readLines(join(dir, 'run.log'));
    expect(lines.at(-1)).toMatch(/RUN_STOPPED: reason=SIGINT\b/);
    expect(lines.filter((l) => /WEBSOCKET_DISCONNECT|ERROR/.test(l))).toEqual([]);
    await waitFor(() => !alive(feed), 20_000);
  });

  it('a feed process that dies mid-run is an ERROR naming it, not a silent outage', async () => {
    const dir = tempDir();
    const run = startCli(args(dir, writeDrillConfig(dir), ['--symbols', 'SPY']));
    const log = join(dir, 'run.log');
    await waitForLine(log, /HEARTBEAT_OK: SPY last_update=\d/);
    const feed = feedPid(run.stdout());
    process.kill(feed, 'SIGKILL');
    await waitForLine(log, new RegExp(`ERROR EMBEDDED_FEED_EXITED: pid=${feed} killed by SIGKILL; the embedded feed is gone for this run`));
    run.child.kill('SIGTERM');
    expect((await run.exited).code).toBe(0);
  });

  it('a start failure is one line, exit 2, and nothing already written is moved', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'run.log'), 'earlier run\n');
    // The fixtures directory would be under a regular file: the child cannot create it.
    const config = writeDrillConfig(dir);
    writeFileSync(config, readFileSync(config, 'utf8').replace('replay: { speed: 20 }', `replay: { speed: 20, fixtures: ${join(dir, 'run.log', 'data')} }`));
    const r = await runCli(args(dir, config, ['--symbols', 'SPY']));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^trader: the embedded replay feed did not start: ENOTDIR: not a directory/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(readFileSync(join(dir, 'run.log'), 'utf8')).toBe('earlier run\n');
    expect(existsSync(join(dir, 'trace.jsonl'))).toBe(false);
  });
});

describe('the memory row judges the runner\'s retained memory', () => {
  it('fails a real leak (the documented leak drill), naming the figure it judged', async () => {
    const dir = tempDir();
    const run = startCli(args(dir, writeDrillConfig(dir, 'memory: { sample_interval: 500ms, warmup: 2s }\n'), ['--symbols', 'SPY']), { env: { TRADER_DRILL_LEAK_KB_PER_SAMPLE: '4096' } });
    const trace = join(dir, 'trace.jsonl');
    await waitFor(() => readTrace(trace).filter((r) => r.event === 'MEMORY_SAMPLE' && r.growth !== null).length >= 4, 30_000);
    run.child.kill('SIGTERM');
    expect((await run.exited).code).toBe(0);
    expect(readLines(join(dir, 'run.log')).find((l) => l.includes('DRILL_MEMORY_LEAK'))).toMatch(/WARN DRILL_MEMORY_LEAK: retaining 4096KiB per memory sample/);
    expect(readLines(join(dir, 'run.log')).some((l) => l.includes('WARN MEMORY_GROWTH_WARN: retained memory'))).toBe(true);
    const r = await report(dir);
    expect(r.code).toBe(1);
    expect(rowOf(dir, 'memory')).toMatchObject({ status: 'FAIL', observed: expect.stringMatching(/^judged: retained = heap used \+ external after GC, whole run, /) });
  });

  it('refuses a leak knob that is not a whole number of KiB, exit 2', async () => {
    const dir = tempDir();
    const r = await runCli(args(dir, writeDrillConfig(dir), ['--symbols', 'SPY']), { env: { TRADER_DRILL_LEAK_KB_PER_SAMPLE: '1MB' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/TRADER_DRILL_LEAK_KB_PER_SAMPLE: expected a positive whole number of KiB, got "1MB"/);
  });
});
