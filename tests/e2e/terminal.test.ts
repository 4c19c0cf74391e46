/**
 * What the operator sees (issue 12 §1, §2): the live status under a real pseudo-terminal, plain
 * lines with no escape code on a pipe, and the runbook's line forms in a real log through the
 * runbook's own grep.
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLines, readTrace, REPO, RUN_DIR, startCli, tempDir, waitForLine, writeDrillConfig } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

const ESC = '\x1b[';
const stripAnsi = (s: string): string => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');

function files(dir: string): string[] {
  return ['--log-file', join(dir, 'run.log'), '--trace-file', join(dir, 'trace.jsonl'), '--pid-file', join(dir, 'pid'), '--kill-switch-file', join(dir, 'FLAG_TRADING_HALTED')];
}

/** The runbook's T+1 watch, run by the real grep on the log. */
function runbookGrep(log: string): string[] {
  const r = spawnSync('grep', ['-E', '(HEARTBEAT|STALENESS|DECISION)', log], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean);
}

/**
 * The CLI under a pseudo-terminal (python3's pty module: no native module), sized 160×50 so no
 * line is clipped; resolves with everything the terminal received. python3 missing fails the test.
 */
function underPty(args: string[]): Promise<{ code: number | null; screen: string }> {
  const command = `stty cols 160 rows 50; exec "${process.execPath}" bin/trader.js ${args.map((a) => `'${a}'`).join(' ')}`;
  const child = spawn('python3', ['-c', 'import pty,sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)', 'sh', '-c', command], {
    cwd: REPO,
    env: { ...process.env, TRADER_RUN_DIR: RUN_DIR, TERM: 'xterm-256color', NO_COLOR: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let screen = '';
  child.stdout.on('data', (d: Buffer) => (screen += d.toString()));
  child.stderr.on('data', (d: Buffer) => (screen += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, screen }));
  });
}

describe('the live status view', () => {
  it('under a pseudo-terminal: a coloured frame with every symbol and the progress bar, and no heartbeat echoed', async () => {
    const dir = tempDir();
    const r = await underPty(['run', '--config', writeDrillConfig(dir), '--symbols', 'SPY,QQQ', '--duration', '6s', ...files(dir)]);
    expect(r.code, r.screen.slice(-2000)).toBe(0);
    // It is the terminal path: cursor movement and colour.
    expect(r.screen).toMatch(/\x1b\[\d+A\r\x1b\[J/);
    expect(r.screen).toContain(`${ESC}32m`);
    const plain = stripAnsi(r.screen);
    expect(plain).toMatch(/trader run (stopped )?elapsed [\d.]+s of 6\.0s, [\d.]+s left █*░* \d+%/);
    expect(plain).toMatch(/elapsed [\d.]+s of 6\.0s, 0\.0s left █{30} 100%/);
    for (const symbol of ['SPY', 'QQQ']) expect(plain).toMatch(new RegExp(`\\n${symbol}\\s+ACTIVE\\s+[\\d.]+s\\s+[\\d.]+/[\\d.]+ms\\s+\\d+\\s+(BUY|SELL|HOLD) \\d\\.\\d\\d`));
    expect(plain).toMatch(/kill switch armed \/\S+FLAG_TRADING_HALTED/);
    expect(plain).toMatch(/feed replay connected/);
    // Heartbeats stay in the log; the terminal shows the decisions.
    expect(plain).not.toContain('HEARTBEAT_OK');
    expect(plain).toContain('DECISION_LOGGED: symbol=SPY');
    expect(readLines(join(dir, 'run.log')).some((l) => l.includes('HEARTBEAT_OK: SPY'))).toBe(true);
  });

  it('on a pipe: plain lines only — no escape code on stdout or stderr, a status line with every symbol, no heartbeat echoed', async () => {
    const dir = tempDir();
    const run = startCli(['run', '--config', writeDrillConfig(dir), '--symbols', 'SPY,QQQ', '--duration', '12s', ...files(dir)], { env: { FORCE_COLOR: '1', CI: '1' } });
    const done = await run.exited;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).not.toContain('\x1b');
    expect(done.stderr).not.toContain('\x1b');
    expect(done.stderr).toBe('');
    const status = done.stdout.split('\n').find((l) => l.startsWith('trader run: status '));
    expect(status).toMatch(/^trader run: status elapsed [\d.]+s of 12s, [\d.]+s left \[#+-*\] \d+%; trading=ACTIVE kill_switch=armed feed=replay:connected rss=[\d.]+MB heap=[\d.]+MB; SPY=ACTIVE age=[\d.]+s lag_p50\/p99=\S+ decisions=\d+ last=\S+ pos=-?\d+; QQQ=ACTIVE /);
    expect(done.stdout).not.toContain('HEARTBEAT_OK');
    expect(done.stdout).toMatch(/DECISION_LOGGED: symbol=QQQ confidence=/);
    expect(readLines(join(dir, 'run.log')).filter((l) => l.includes('HEARTBEAT_OK')).length).toBeGreaterThan(10);
  });
});

describe('the runbook\'s line forms, through the runbook\'s grep', () => {
  it('shows decisions with the runbook\'s prefix, the halt lines, and heartbeats saying HALTED after the kill switch', async () => {
    const dir = tempDir();
    const log = join(dir, 'run.log');
    const run = startCli(['run', '--config', writeDrillConfig(dir), '--symbols', 'SPY,QQQ', ...files(dir), '--quiet']);
    // Decisions and a heartbeat of an ACTIVE symbol first: the halt's effect on heartbeats is the point.
    await waitFor(() => {
      const lines = readLines(log);
      return lines.filter((l) => l.includes('DECISION_LOGGED')).length >= 2 && lines.some((l) => l.includes('HEARTBEAT_OK'));
    }, 30_000);
    writeFileSync(join(dir, 'halt.tmp'), 'drill\n');
    renameSync(join(dir, 'halt.tmp'), join(dir, 'FLAG_TRADING_HALTED'));
    await waitForLine(log, /KILL_SWITCH_VERIFIED/, 20_000);
    await waitFor(() => {
      const lines = readLines(log);
      return lines.slice(lines.findIndex((l) => l.includes('KILL_SWITCH_VERIFIED'))).some((l) => l.includes('HEARTBEAT_OK: QQQ'));
    }, 20_000);
    run.child.kill('SIGTERM');
    expect((await run.exited).code).toBe(0);

    const shown = runbookGrep(log);
    expect(shown.find((l) => l.includes('DECISION_LOGGED'))).toMatch(/^\[\d\d:\d\d:\d\d\] DECISION_LOGGED: symbol=(SPY|QQQ) confidence=\d\.\d\d latency=[\d.]+ms action=(BUY|SELL|HOLD)$/);
    expect(shown.find((l) => l.includes('KILL_SWITCH_DETECTED'))).toMatch(/WARN KILL_SWITCH_DETECTED: \/\S+FLAG_TRADING_HALTED exists \(detection_delay=\d+ms\) note="drill" DECISION_ORDERS=HALTED$/);
    expect(shown.find((l) => l.includes('TRADING_HALTED:'))).toMatch(/WARN TRADING_HALTED: no new orders accepted DECISION_ORDERS=HALTED$/);
    expect(shown.find((l) => l.includes('KILL_SWITCH_VERIFIED'))).toMatch(/KILL_SWITCH_VERIFIED: probe orders rejected reason=TRADING_HALTED symbols=SPY,QQQ verified [\d.]+ms after detection DECISION_ORDERS=HALTED$/);
    const afterHalt = shown.slice(shown.findIndex((l) => l.includes('KILL_SWITCH_VERIFIED')));
    expect(afterHalt.find((l) => l.includes('HEARTBEAT_OK: QQQ'))).toMatch(/HEARTBEAT_OK: QQQ last_update=[\d.]+s lag=\S+ state=HALTED$/);
    const beforeHalt = shown.slice(0, shown.findIndex((l) => l.includes('KILL_SWITCH_DETECTED'))).filter((l) => l.includes('HEARTBEAT_OK'));
    expect(beforeHalt.length).toBeGreaterThan(0);
    expect(beforeHalt.every((l) => !l.includes('state='))).toBe(true);
  });

  it('explains the warm-up on the staging config: one DECISION_WARMUP line per symbol with its numbers', async () => {
    const dir = tempDir();
    const log = join(dir, 'run.log');
    const run = startCli(['run', '--config', 'config/staging_multi.yaml', '--symbols', 'SPY,QQQ', '--duration', '3s', ...files(dir), '--quiet']);
    const done = await run.exited;
    expect(done.code, done.stderr).toBe(0);
    const warmup = runbookGrep(log).filter((l) => l.includes('DECISION_WARMUP'));
    expect(warmup).toHaveLength(2);
    expect(warmup[0]).toMatch(/^\[\d\d:\d\d:\d\d\] DECISION_WARMUP: symbol=SPY lookback=4 /);
    expect(warmup[1]).toMatch(/DECISION_WARMUP: symbol=QQQ lookback=4 /);
    // The numbers behind the sentence, as the trace records them: the staging config's 4 bars of 1 min.
    const records = readTrace(join(dir, 'trace.jsonl')).filter((r) => r.event === 'DECISION_WARMUP');
    expect(records.map((r) => [r.symbol, r.lookback, r.bar_interval_ms, r.strategy])).toEqual([['SPY', 4, 60_000, 'vwap_momentum@1.0.0'], ['QQQ', 4, 60_000, 'vwap_momentum@1.0.0']]);
  });
});
