/**
 * The runbook's safety drills against the spawned CLI on the embedded replay feed: the kill
 * switch mid-run, SIGUSR1 adding TSLA, a kill-switch check that cannot run.
 */
import { copyFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLines, readTrace, runCli, startCli, startFeedServerCli, tempDir, waitForLine, writeDrillConfig } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

const eventOf = (line: string): string => /^\[[\d:]+\] (?:WARN |ERROR |DEBUG )?([A-Z_]+)/.exec(line)?.[1] ?? '';

function args(dir: string, config: string, extra: string[] = []): string[] {
  return ['run', '--config', config, '--log-file', join(dir, 'run.log'), '--trace-file', join(dir, 'trace.jsonl'), '--pid-file', join(dir, 'pid'), '--kill-switch-file', join(dir, 'FLAG_TRADING_HALTED'), '--quiet', ...extra];
}

describe('kill switch drill', () => {
  it('halts in the runbook order, then accepts no order while feeds, heartbeats and decisions go on', async () => {
    const dir = tempDir();
    const running = startCli(args(dir, writeDrillConfig(dir), ['--symbols', 'SPY,QQQ']));
    const log = join(dir, 'run.log');
    await waitForLine(log, /DECISION_LOGGED: symbol=QQQ/);
    await waitFor(() => readLines(log).filter((l) => l.includes('DECISION_LOGGED')).length >= 4, 20_000);
    // Written aside and renamed into place, as `trader halt` does: a file created and then written can
    // be caught empty by the watch (the halt never waits for its note), and the note is then not in the line.
    writeFileSync(join(dir, 'halt.tmp'), 'drill\n');
    renameSync(join(dir, 'halt.tmp'), join(dir, 'FLAG_TRADING_HALTED'));
    await waitForLine(log, /FEEDS_ACTIVE/);
    const afterHalt = (): string[] => {
      const lines = readLines(log);
      return lines.slice(lines.findIndex((l) => l.includes('KILL_SWITCH_DETECTED')));
    };
    // Keep running long enough for several bars after the halt.
    await waitFor(() => afterHalt().filter((l) => l.includes('DECISION_LOGGED')).length >= 4, 20_000);
    running.child.kill('SIGTERM');
    expect((await running.exited).code).toBe(0);

    const events = afterHalt().map(eventOf);
    expect(events.slice(0, 5)).toEqual(['KILL_SWITCH_DETECTED', 'TRADING_HALTED', 'ORDERS_CANCELLED', 'POSITIONS_HELD', 'FEEDS_ACTIVE']);
    expect(afterHalt()[0]).toMatch(/KILL_SWITCH_DETECTED: .*FLAG_TRADING_HALTED exists \(detection_delay=\d+ms\) note="drill"/);
    expect(events).not.toContain('ORDER_SUBMITTED');
    expect(events).not.toContain('ORDER_FILLED');
    expect(events).toContain('HEARTBEAT_OK');
    expect(events.filter((e) => e === 'DECISION_LOGGED').length).toBeGreaterThanOrEqual(4);
    const rejected = afterHalt().filter((l) => l.includes('ORDER_REJECTED'));
    for (const line of rejected) expect(line).toMatch(/reason=TRADING_HALTED$/);

    const trace = readTrace(join(dir, 'trace.jsonl'));
    const detected = trace.find((r) => r.event === 'KILL_SWITCH_DETECTED');
    expect(detected?.detection_delay_ms).toBeGreaterThanOrEqual(0);
    expect(detected?.detection_delay_ms).toBeLessThan(10_000);
    // Orders did flow before the halt, so "none after" means something.
    expect(trace.filter((r) => r.event === 'ORDER_SUBMITTED').length).toBeGreaterThan(0);
  });
});

describe('SIGUSR1 adds a symbol from the config', () => {
  it('subscribes TSLA on the live connection: SYMBOL_ADDED, then TSLA heartbeats and decisions', async () => {
    const dir = tempDir();
    const config = join(dir, 'staging.yaml');
    copyFileSync('config/smoke.yaml', config);
    const running = startCli(args(dir, config, ['--symbols', 'SPY,QQQ']));
    const log = join(dir, 'run.log');
    await waitForLine(log, /DECISION_LOGGED: symbol=SPY/);
    writeFileSync(config, readFileSync(config, 'utf8').replace('symbols: [SPY, QQQ]', 'symbols: [SPY, QQQ, TSLA]'));
    running.child.kill('SIGUSR1');
    await waitForLine(log, /SYMBOL_ADDED: symbol=TSLA/);
    await waitForLine(log, /HEARTBEAT_OK: TSLA last_update=\d/);
    await waitForLine(log, /DECISION_LOGGED: symbol=TSLA /, 30_000);
    running.child.kill('SIGTERM');
    expect((await running.exited).code).toBe(0);
    const lines = readLines(log);
    expect(lines.filter((l) => l.includes('WEBSOCKET_DISCONNECT'))).toEqual([]);
    expect(lines.find((l) => l.includes('CONFIG_RELOADED'))).toMatch(/symbols=SPY,QQQ,TSLA/);
  });

  it('keeps running on its symbols when the reloaded config is invalid', async () => {
    const dir = tempDir();
    const config = join(dir, 'staging.yaml');
    copyFileSync('config/smoke.yaml', config);
    const running = startCli(args(dir, config, ['--symbols', 'SPY']));
    const log = join(dir, 'run.log');
    await waitForLine(log, /HEARTBEAT_OK: SPY/);
    writeFileSync(config, 'symbols: [SPY, tsla]\n');
    running.child.kill('SIGUSR1');
    await waitForLine(log, /CONFIG_RELOAD_FAILED: .*symbols\[1\]/);
    running.child.kill('SIGTERM');
    expect((await running.exited).code).toBe(0);
  });
});

describe('a kill-switch check that cannot run', () => {
  it('halts trading instead of assuming there is no file', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'plain-file'), '');
    const a = args(dir, writeDrillConfig(dir), ['--symbols', 'SPY,QQQ']);
    a[a.indexOf('--kill-switch-file') + 1] = join(dir, 'plain-file', 'FLAG_TRADING_HALTED'); // ENOTDIR on every stat
    const running = startCli(a);
    const log = join(dir, 'run.log');
    await waitForLine(log, /ERROR SAFETY_CHECK_FAILED: check=kill_switch/);
    await waitFor(() => readLines(log).filter((l) => l.includes('DECISION_LOGGED')).length >= 6, 30_000);
    running.child.kill('SIGTERM');
    expect((await running.exited).code).toBe(0);
    const events = readLines(log).map(eventOf);
    expect(events).not.toContain('ORDER_SUBMITTED');
    // Orders were attempted and refused, so the absence of submissions is the halt's doing.
    expect(readLines(log).filter((l) => l.includes('ORDER_REJECTED')).every((l) => l.endsWith('reason=TRADING_HALTED'))).toBe(true);
    expect(events).toContain('ORDER_REJECTED');
  });
});

describe('staleness drills against a standalone feed-server', () => {
  it('breaches only the silent symbol; the others keep their heartbeats', async () => {
    const dir = tempDir();
    const feed = await startFeedServerCli(['--speed', '20', '--silent', 'QQQ']);
    const run = startCli(args(dir, writeDrillConfig(dir, 'staleness: { max_lag: 1s }\n'), ['--feed', 'native', '--feed-url', feed.url]));
    const log = join(dir, 'run.log');
    await waitForLine(log, /STALENESS_BREACH: QQQ/);
    const at = readLines(log).length;
    await waitFor(() => readLines(log).slice(at).filter((l) => l.includes('HEARTBEAT_OK: SPY')).length >= 3, 20_000);
    run.child.kill('SIGTERM');
    feed.cli.child.kill('SIGTERM');
    expect((await run.exited).code).toBe(0);
    await feed.cli.exited;
    const lines = readLines(log);
    expect(lines.filter((l) => l.includes('STALENESS_BREACH'))).toHaveLength(1);
    expect(lines.some((l) => l.includes('DECISION_LOGGED: symbol=QQQ'))).toBe(false);
    expect(lines.some((l) => l.includes('DECISION_LOGGED: symbol=SPY'))).toBe(true);
  });

  it('breaches every symbol when the feed freezes (SIGSTOP), and recovers when it resumes', async () => {
    const dir = tempDir();
    const feed = await startFeedServerCli(['--speed', '20']);
    // Pings are slow so the frozen socket is not torn down before the data watchdog speaks.
    const run = startCli(args(dir, writeDrillConfig(dir, 'staleness: { max_lag: 1s }\n', '  connection: { ping_interval: 30s, ping_timeout: 30s }\n'), ['--feed', 'native', '--feed-url', feed.url]));
    const log = join(dir, 'run.log');
    await waitForLine(log, /DECISION_LOGGED: symbol=QQQ/);
    feed.cli.child.kill('SIGSTOP');
    await waitFor(() => ['SPY', 'QQQ'].every((s) => readLines(log).some((l) => l.includes(`STALENESS_BREACH: ${s}`))), 20_000);
    feed.cli.child.kill('SIGCONT');
    await waitFor(() => ['SPY', 'QQQ'].every((s) => readLines(log).some((l) => l.includes(`STALENESS_RECOVERED: ${s}`))), 20_000);
    run.child.kill('SIGTERM');
    feed.cli.child.kill('SIGTERM');
    expect((await run.exited).code).toBe(0);
    await feed.cli.exited;
  });
});

describe('trader halt / resume', () => {
  it('halts a running runner with who and why, and resume clears without resuming by default', async () => {
    const dir = tempDir();
    const halt = join(dir, 'FLAG_TRADING_HALTED');
    const run = startCli(args(dir, writeDrillConfig(dir), ['--symbols', 'SPY,QQQ']));
    const log = join(dir, 'run.log');
    await waitForLine(log, /HEARTBEAT_OK: SPY/);
    const h = await runCli(['halt', '--kill-switch-file', halt, '--reason', 'drill at T+15']);
    expect(h.code).toBe(0);
    expect(readFileSync(halt, 'utf8')).toMatch(/^halted_by=\S+@\S+ at=\S+ reason="drill at T\+15"\n$/);
    await waitForLine(log, /KILL_SWITCH_DETECTED: .*note="halted_by=.* reason="drill at T\+15""/);
    expect((await runCli(['halt', '--kill-switch-file', halt])).stdout).toMatch(/already halted/);
    expect((await runCli(['resume', '--kill-switch-file', halt])).code).toBe(0);
    await waitForLine(log, /KILL_SWITCH_CLEARED/);
    await waitForLine(log, /TRADING_STILL_HALTED/);
    run.child.kill('SIGTERM');
    expect((await run.exited).code).toBe(0);
    expect(readLines(log).some((l) => l.includes('TRADING_RESUMED'))).toBe(false);
  });

  it('resumes trading after removal when kill_switch.allow_resume is true', async () => {
    const dir = tempDir();
    const halt = join(dir, 'FLAG_TRADING_HALTED');
    const run = startCli(args(dir, writeDrillConfig(dir, 'kill_switch: { allow_resume: true }\n'), ['--symbols', 'SPY,QQQ']));
    const log = join(dir, 'run.log');
    await waitForLine(log, /HEARTBEAT_OK: SPY/);
    writeFileSync(halt, '');
    await waitForLine(log, /TRADING_HALTED/);
    await runCli(['resume', '--kill-switch-file', halt]);
    await waitForLine(log, /TRADING_RESUMED/);
    run.child.kill('SIGTERM');
    expect((await run.exited).code).toBe(0);
  });
});

describe('SIGUSR1 removes a symbol the config no longer lists', () => {
  it('unsubscribes it (SYMBOL_REMOVED, position held) and stops its heartbeats', async () => {
    const dir = tempDir();
    const config = writeDrillConfig(dir);
    const run = startCli(args(dir, config));
    const log = join(dir, 'run.log');
    await waitForLine(log, /HEARTBEAT_OK: QQQ/);
    writeFileSync(config, readFileSync(config, 'utf8').replace('symbols: [SPY, QQQ]', 'symbols: [SPY]'));
    run.child.kill('SIGUSR1');
    await waitForLine(log, /SYMBOL_REMOVED: symbol=QQQ position=-?\d+ held/);
    const at = readLines(log).length;
    await waitFor(() => readLines(log).slice(at).filter((l) => l.includes('HEARTBEAT_OK: SPY')).length >= 2, 20_000);
    run.child.kill('SIGTERM');
    expect((await run.exited).code).toBe(0);
    expect(readLines(log).slice(at).some((l) => l.includes('HEARTBEAT_OK: QQQ'))).toBe(false);
  });
});

describe('feature flags', () => {
  it('FLAG_REALTIME=0 refuses live venues with exit 2 and names the flag', async () => {
    const r = await runCli(['run', '--feed', 'binance', '--feed-url', 'ws://127.0.0.1:1'], { env: { FLAG_REALTIME: '0' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/FLAG_REALTIME=0 refuses live feeds, got --feed binance/);
  });

  it('records every flag\'s effective value in RUN_STARTED and the run record', async () => {
    const dir = tempDir();
    const r = await runCli(args(dir, writeDrillConfig(dir), ['--symbols', 'SPY', '--duration', '1s']), { env: { FLAG_MULTI_SYMBOL: '0', STAGING_MODE: '1', FLAG_REALTIME: '0' } });
    expect(r.code).toBe(0);
    expect(readLines(join(dir, 'run.log'))[0]).toMatch(/RUN_STARTED: .*FLAG_MULTI_SYMBOL=0 FLAG_REALTIME=0 STAGING_MODE=1/);
    expect(readTrace(join(dir, 'trace.jsonl'))[0]?.flags).toEqual({ FLAG_MULTI_SYMBOL: false, FLAG_REALTIME: false, STAGING_MODE: true });
  });
});
