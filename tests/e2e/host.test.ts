/**
 * A runner that fails safe on its host, against the spawned CLI: one runner per set of files,
 * write failures on a really full filesystem, a closed stdout, a kill switch that cannot be
 * jammed or missed, `trader halt/resume/status` from anywhere, paths checked before anything
 * moves, durations, flags, credentials kept out of every output.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readLines, readTrace, REPO, runCli, startCli, startFeedServerCli, tempDir, waitForLine, type RunningCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

const BIN = join(REPO, 'bin/trader.js');

/** A fast drill config whose fixtures path does not depend on the working directory. */
function config(dir: string, extra = '', params = '{ lookback_bars: 1, momentum_bps: 0.2, vwap_band_bps: 0.2 }'): string {
  const path = join(dir, 'drill.yaml');
  writeFileSync(
    path,
    `symbols: [SPY, QQQ]
max_positions: 2
feeds:
  replay: { speed: 20, fixtures: ${join(REPO, 'fixtures/data')} }
decision:
  bar_interval: 1s
  strategy:
    params: ${params}
${extra}`,
  );
  return path;
}

function files(dir: string): { log: string; trace: string; pid: string; ks: string } {
  return { log: join(dir, 'run.log'), trace: join(dir, 'trace.jsonl'), pid: join(dir, 'runner.pid'), ks: join(dir, 'FLAG_TRADING_HALTED') };
}

function runArgs(dir: string, cfg: string, extra: string[] = []): string[] {
  const f = files(dir);
  return ['run', '--config', cfg, '--log-file', f.log, '--trace-file', f.trace, '--pid-file', f.pid, '--kill-switch-file', f.ks, '--quiet', ...extra];
}

const stderrLines = (text: string): string[] => text.split('\n').filter(Boolean);
const rotated = (dir: string): string[] => readdirSync(dir).filter((f) => /\.\d{8}T\d{6}Z/.test(f));
const eventOf = (line: string): string => /^\[[\d:]+\] (?:WARN |ERROR |DEBUG )?([A-Z_]+)/.exec(line)?.[1] ?? '';

async function stop(run: RunningCli): Promise<number | null> {
  run.child.kill('SIGTERM');
  return (await run.exited).code;
}

describe('one runner per set of files', () => {
  it('refuses a second run on the same log, trace or pid file before touching anything, and the first runs on', async () => {
    const dir = tempDir();
    const cfg = config(dir);
    const f = files(dir);
    const first = startCli(runArgs(dir, cfg));
    await waitForLine(f.log, /HEARTBEAT_OK: SPY/);
    const firstPid = String(first.child.pid);
    const linesBefore = readLines(f.log).length;

    const same = await runCli(runArgs(dir, cfg, ['--duration', '5s']));
    expect(same.code).toBe(2);
    expect(stderrLines(same.stderr)).toEqual([expect.stringMatching(new RegExp(`^trader: .*already running \\(pid ${firstPid} since \\d{4}-`))]);

    // Only the trace shared: still refused, and nothing of the second run's own is created.
    const other = join(dir, 'other');
    const sharedTrace = await runCli(['run', '--config', cfg, '--log-file', join(other, 'run.log'), '--trace-file', f.trace, '--pid-file', join(other, 'pid'), '--kill-switch-file', join(other, 'HALT'), '--quiet', '--duration', '5s']);
    expect(sharedTrace.code).toBe(2);
    expect(sharedTrace.stderr).toMatch(new RegExp(`trace\\.jsonl: already running \\(pid ${firstPid} `));
    expect(existsSync(join(other, 'run.log'))).toBe(false);
    expect(existsSync(join(other, 'pid'))).toBe(false);

    // Nothing was rotated away, the pid file still names the first runner, which goes on logging.
    expect(rotated(dir)).toEqual([]);
    expect(readFileSync(f.pid, 'utf8').trim()).toBe(firstPid);
    await waitFor(() => readLines(f.log).length > linesBefore + 5, 20_000);
    expect(await stop(first)).toBe(0);
    const log = readLines(f.log);
    expect(log.filter((l) => l.includes('RUN_STARTED'))).toHaveLength(1);
    expect(log[log.length - 1]).toMatch(/RUN_STOPPED: reason=SIGTERM\b/);
    // Stopped cleanly: its pid file and its locks are gone.
    expect(readdirSync(dir).filter((n) => n.endsWith('.lock') || n === 'runner.pid')).toEqual([]);
  });

  it('two runs started at the same instant on the same files: exactly one runs', async () => {
    const dir = tempDir();
    const cfg = config(dir);
    const [a, b] = [startCli(runArgs(dir, cfg, ['--duration', '3s'])), startCli(runArgs(dir, cfg, ['--duration', '3s']))];
    const codes = [(await a.exited).code, (await b.exited).code].sort();
    expect(codes).toEqual([0, 2]);
    expect(readLines(files(dir).log).filter((l) => l.includes('RUN_STARTED'))).toHaveLength(1);
    expect(rotated(dir)).toEqual([]);
  });

  it('takes over the locks of a runner that was SIGKILLed, with a warning, and keeps its files', async () => {
    const dir = tempDir();
    const cfg = config(dir);
    const f = files(dir);
    const killed = startCli(runArgs(dir, cfg));
    await waitForLine(f.log, /HEARTBEAT_OK: SPY/);
    killed.child.kill('SIGKILL');
    await killed.exited;
    const again = await runCli(runArgs(dir, cfg, ['--duration', '2s']));
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(new RegExp(`warning: took over the lock .*run\\.log\\.lock left by pid ${killed.child.pid} .*no longer running`));
    // The killed run's log and trace were kept under stamped names, not lost.
    expect(rotated(dir).length).toBe(2);
  });
});

describe('a write that fails', () => {
  const mounts: string[] = [];
  afterAll(() => {
    for (const m of mounts) spawnSync('umount', ['-l', m]);
  });

  /** A real small filesystem (tmpfs) with `free` bytes left, or undefined when mounting is not permitted. */
  function smallFilesystem(free: number): string | undefined {
    const dir = join(tempDir(), 'small');
    mkdirSync(dir);
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]).status !== 0) return undefined;
    mounts.push(dir);
    writeFileSync(join(dir, 'filler'), Buffer.alloc(1024 * 1024 - free));
    return dir;
  }

  it('ENOSPC on the trace halts trading, says so in one stderr line, keeps every line before it complete, and exits 74', async () => {
    const dir = tempDir();
    // tmpfs when root (CI); else /dev/full, which fails every write with the same ENOSPC.
    const small = smallFilesystem(24 * 1024);
    const trace = small ? join(small, 'trace.jsonl') : '/dev/full';
    const log = join(dir, 'run.log');
    const run = await runCli(['run', '--config', config(dir), '--log-file', log, '--trace-file', trace, '--pid-file', join(dir, 'pid'), '--kill-switch-file', join(dir, 'HALT'), '--quiet', '--duration', '90s']);
    expect(run.code).toBe(74);
    expect(stderrLines(run.stderr)).toEqual([expect.stringMatching(/^trader: cannot write the trace .*: (ENOSPC|SHORT_WRITE) .*trading HALTED, stopping with exit 74$/)]);
    expect(run.stderr).not.toMatch(/\n\s+at /);

    const lines = readLines(log);
    expect(lines[lines.length - 1]).toMatch(/^\[[\d:]+\] ERROR WRITE_FAILED: file=trace .*error=(ENOSPC|SHORT_WRITE)/);
    if (!small) return;
    // Every trace line is complete (a short write was cut back), and the log and the trace
    // agree line for line up to the failure: nothing written before it was lost.
    const records = readFileSync(trace, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; msg?: string; event?: string; level?: string });
    expect(records[0]?.type).toBe('run');
    // The log is at info level: debug records are in the trace alone.
    const traced = records.filter((r) => r.msg !== undefined && r.event !== 'WRITE_FAILED' && r.level !== 'debug').map((r) => r.msg);
    const logged = lines.slice(0, -1).map((l) => l.replace(/^\[[\d:]+\] (?:WARN |ERROR |DEBUG )?/, ''));
    expect(logged).toEqual(traced);
    expect(logged.filter((l) => l.startsWith('DECISION_LOGGED')).length).toBeGreaterThan(3);
    expect(logged.some((l) => l.startsWith('ORDER_SUBMITTED'))).toBe(true);
    // Halted at the failure: nothing is recorded after it, no order least of all.
    expect(lines.slice(lines.findIndex((l) => l.includes('WRITE_FAILED')) + 1)).toEqual([]);
  });

  it('ENOSPC on the --record capture stops the run the same way (exit 74), recorded in the log and the trace', async () => {
    const dir = tempDir();
    const small = smallFilesystem(16 * 1024);
    const capture = small ? join(small, 'capture.jsonl') : '/dev/full';
    const f = files(dir);
    const run = await runCli(runArgs(dir, config(dir), ['--record', capture, '--duration', '90s']));
    expect(run.code).toBe(74);
    expect(stderrLines(run.stderr)).toEqual([expect.stringMatching(/^trader: cannot write the capture .*: (ENOSPC|SHORT_WRITE) /)]);
    expect(readLines(f.log).find((l) => l.includes('WRITE_FAILED'))).toMatch(/ERROR WRITE_FAILED: file=capture .*trading HALTED/);
    expect(readTrace(f.trace).some((r) => r.event === 'WRITE_FAILED' && r.file === 'capture')).toBe(true);
  });

  it('a replay whose trace cannot be written is exit 74 with one line, not a stack', async () => {
    const dir = tempDir();
    const capture = join(dir, 'capture.jsonl');
    const f = files(dir);
    expect((await runCli(runArgs(dir, config(dir), ['--record', capture, '--duration', '3s']))).code).toBe(0);
    // Into a directory that does not exist yet: made, as for a run.
    expect((await runCli(['replay', '--capture', capture, '--trace-file', join(dir, 'new', 'replayed.jsonl')])).code).toBe(0);
    expect(readLines(join(dir, 'new', 'replayed.jsonl')).length).toBeGreaterThan(3);
    const r = await runCli(['replay', '--capture', capture, '--trace-file', '/dev/full']);
    expect(r.code).toBe(74);
    expect(stderrLines(r.stderr)).toEqual([expect.stringMatching(/^trader: cannot write the trace \/dev\/full: ENOSPC .*incomplete$/)]);
    // And a replay never writes over its own capture or a live run's files.
    const same = await runCli(['replay', '--capture', capture, '--trace-file', capture]);
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/--capture and --trace-file are the same file/);
    expect(readFileSync(capture, 'utf8').split('\n')[0]).toMatch(/^\{"type":"capture"/);
    expect(existsSync(f.trace)).toBe(true);
  });

  it('a closed stdout (`| head -5`) stops the echo; the run goes on and ends normally', () => {
    const dir = tempDir();
    const f = files(dir);
    const out = execFileSync('bash', ['-c', `node ${BIN} run --config ${config(dir)} --log-file ${f.log} --trace-file ${f.trace} --pid-file ${f.pid} --kill-switch-file ${f.ks} --duration 4s 2>${join(dir, 'stderr')} | head -5; echo "rc=\${PIPESTATUS[0]}"`], { env: { ...process.env, TRADER_RUN_DIR: join(dir, 'rundir') } }).toString();
    const lines = out.split('\n').filter(Boolean);
    expect(lines).toHaveLength(6);
    expect(lines[5]).toBe('rc=0');
    expect(readFileSync(join(dir, 'stderr'), 'utf8')).toBe('');
    expect(readLines(f.log).pop()).toMatch(/RUN_STOPPED: reason=duration\b/);
    expect(readLines(f.log).some((l) => l.includes('DECISION_LOGGED'))).toBe(true);
  });
});

describe('a kill switch that cannot be jammed or missed', () => {
  const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

  it.each([
    ['a FIFO', (path: string) => execFileSync('mkfifo', [path]), /FIFO; not read/],
    ['a symlink to /dev/zero', (path: string) => symlinkSync('/dev/zero', path), /character device behind a symlink; not read/],
  ])('%s at the path halts from the start; decisions go on, memory stays put, SIGTERM is answered', async (_name, make, note) => {
    const dir = tempDir();
    const f = files(dir);
    make(f.ks);
    const run = startCli(runArgs(dir, config(dir)));
    await waitForLine(f.log, /KILL_SWITCH_DETECTED/);
    await waitFor(() => readLines(f.log).filter((l) => l.includes('DECISION_LOGGED')).length >= 6, 30_000);
    // Reading /dev/zero ate 400 MB/s; opening the FIFO froze the loop.
    expect(rssMb(run.child.pid ?? 0)).toBeLessThan(300);
    // It is the runner's own kill switch, so `trader resume` removes it (the FIFO or the link, never /dev/zero).
    const resumed = await runCli(['resume']);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(`removed ${f.ks} (runner pid ${run.child.pid})`);
    await waitForLine(f.log, /KILL_SWITCH_CLEARED/);
    expect(existsSync('/dev/zero')).toBe(true);
    expect(await stop(run)).toBe(0);
    const log = readLines(f.log);
    expect(log[0]).toContain(`kill_switch=${f.ks}`);
    expect(log.find((l) => l.includes('KILL_SWITCH_DETECTED'))).toMatch(note);
    expect(log.map(eventOf)).not.toContain('ORDER_SUBMITTED');
    expect(log.map(eventOf)).toContain('ORDER_REJECTED');
    expect(readTrace(f.trace).find((r) => r.event === 'RUN_STOPPED')).toBeDefined();
  });

  it('catches a file that exists for 50 ms, with the poll too slow to see it', async () => {
    const dir = tempDir();
    const f = files(dir);
    // Thresholds no move reaches: every decision is HOLD, so no order polls the file either.
    const run = startCli(runArgs(dir, config(dir, 'kill_switch: { poll_interval: 30s }\n', '{ lookback_bars: 1, momentum_bps: 100000, vwap_band_bps: 100000 }')));
    await waitForLine(f.log, /DECISION_LOGGED: symbol=QQQ/);
    writeFileSync(f.ks, 'flicker');
    await new Promise((r) => setTimeout(r, 50));
    rmSync(f.ks);
    // Well inside the 30 s poll: only the directory watch can have seen it.
    await waitForLine(f.log, /KILL_SWITCH_DETECTED/, 10_000);
    expect(await stop(run)).toBe(0);
    const log = readLines(f.log);
    // No strategy order polled the file (the runner's own probe after the detection is the only rejection).
    expect(log.filter((l) => l.includes('ORDER_REJECTED') && !l.includes('PROBE'))).toEqual([]);
    expect(log.map(eventOf)).not.toContain('ORDER_SUBMITTED');
    expect(log.map(eventOf)).toContain('KILL_SWITCH_VERIFIED');
  });
});

describe('trader halt / resume / status from anywhere', () => {
  it('finds the runners in the run directory: asks which of several, halts one by --pid, refuses to delete a stranger, works with a broken config', async () => {
    const runDir = join(tempDir(), 'rundir');
    const env = { TRADER_RUN_DIR: runDir };
    const elsewhere = tempDir();
    const broken = join(elsewhere, 'broken.yaml');
    writeFileSync(broken, 'symbols: [SPY]\nkill_swich: { file: X }\n');
    const a = tempDir();
    const b = tempDir();
    const fa = files(a);
    const fb = files(b);
    // A's kill switch is given relative to its own directory: halt must find the absolute path.
    const ra = startCli(['run', '--config', config(a), '--log-file', fa.log, '--trace-file', fa.trace, '--pid-file', fa.pid, '--kill-switch-file', 'FLAG_TRADING_HALTED', '--quiet'], { cwd: a, env });
    const rb = startCli(runArgs(b, config(b)), { env });
    await waitForLine(fa.log, /HEARTBEAT_OK: SPY/);
    await waitForLine(fb.log, /HEARTBEAT_OK: SPY/);
    const pa = ra.child.pid ?? 0;
    const pb = rb.child.pid ?? 0;

    const cli = (args: string[]) => runCli(args, { cwd: elsewhere, env });
    const ask = await cli(['halt', '--config', broken]);
    expect(ask.code).toBe(2);
    expect(stderrLines(ask.stderr)).toHaveLength(1);
    expect(ask.stderr).toMatch(new RegExp(`2 runners are running: pid (${pa}|${pb}) .*pid (${pa}|${pb}) .*--pid N.*--all`));
    expect(existsSync(fa.ks) || existsSync(fb.ks)).toBe(false);

    const st = await cli(['status', '--json']);
    expect(st.code).toBe(0);
    const status = JSON.parse(st.stdout) as { runners: Array<{ pid: number; kill_switch: string; kill_switch_present: boolean }> };
    expect(status.runners.map((r) => [r.pid, r.kill_switch, r.kill_switch_present]).sort()).toEqual([[pa, fa.ks, false], [pb, fb.ks, false]].sort());

    const h = await cli(['halt', '--pid', String(pa), '--config', broken, '--reason', 'T+15 drill']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain(`wrote ${fa.ks} `);
    await waitForLine(fa.log, /KILL_SWITCH_DETECTED: .*reason="T\+15 drill"/).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${readLines(fa.log).join('\n')}\n${ra.stderr()}`);
    });
    expect(existsSync(fb.ks)).toBe(false);
    expect((await cli(['status'])).stdout).toMatch(new RegExp(`pid ${pa} since .*\\n  kill switch ${fa.ks}: PRESENT, trading HALTED`));

    // resume deletes only a kill switch: not an arbitrary file.
    const stranger = join(elsewhere, 'notes.txt');
    writeFileSync(stranger, 'important\n');
    const refused = await cli(['resume', '--kill-switch-file', stranger]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/not a kill switch/);
    expect(readFileSync(stranger, 'utf8')).toBe('important\n');
    const resumed = await cli(['resume', '--pid', String(pa), '--config', broken]);
    expect(resumed.code).toBe(0);
    expect(existsSync(fa.ks)).toBe(false);
    await waitForLine(fa.log, /KILL_SWITCH_CLEARED/);

    // One runner left: plain `trader halt` with a broken config halts it.
    expect(await stop(rb)).toBe(0);
    const only = await cli(['halt', '--config', broken]);
    expect(only.code).toBe(0);
    expect(only.stdout).toContain(`wrote ${fa.ks} `);
    await waitFor(() => readLines(fa.log).filter((l) => l.includes('KILL_SWITCH_DETECTED')).length === 2, 20_000);
    expect(await stop(ra)).toBe(0);

    // None left: the broken config cannot say where, so exit 2 saying why.
    const none = await cli(['halt', '--config', broken]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no runner is running .*kill_swich/);
  });
});

describe('paths checked before anything moves', () => {
  function withPrevious(dir: string): void {
    writeFileSync(join(dir, 'run.log'), 'previous log\n');
    writeFileSync(join(dir, 'trace.jsonl'), '{"type":"run"}\n');
  }
  const untouched = (dir: string): void => {
    expect(rotated(dir)).toEqual([]);
    expect(readFileSync(join(dir, 'run.log'), 'utf8')).toBe('previous log\n');
    expect(readFileSync(join(dir, 'trace.jsonl'), 'utf8')).toBe('{"type":"run"}\n');
  };

  it.each([
    ['the log and the trace are one file', (dir: string) => ['--trace-file', join(dir, 'run.log')], /--log-file and --trace-file are the same file/],
    ['the pid file is the trace', (dir: string) => ['--pid-file', join(dir, 'trace.jsonl')], /--trace-file and --pid-file are the same file/],
    ['the capture is the log', (dir: string) => ['--record', join(dir, 'run.log')], /--log-file and --record are the same file/],
    ['a directory as the log', (dir: string) => { mkdirSync(join(dir, 'logs')); writeFileSync(join(dir, 'logs', 'keep'), 'x'); return ['--log-file', join(dir, 'logs')]; }, /--log-file .*logs: is a directory/],
    ['the trace under a regular file', (dir: string) => ['--trace-file', join(dir, 'run.log', 'trace.jsonl')], /run\.log is not a directory/],
  ])('%s: exit 2, one line, nothing rotated', async (_name, extra, message) => {
    const dir = tempDir();
    withPrevious(dir);
    const args = runArgs(dir, config(dir), ['--duration', '5s']);
    const flags = extra(dir);
    for (let i = 0; i < flags.length; i += 2) {
      const at = args.indexOf(flags[i] ?? '');
      if (at >= 0) args[at + 1] = flags[i + 1] ?? '';
      else args.push(flags[i] ?? '', flags[i + 1] ?? '');
    }
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(stderrLines(r.stderr)).toEqual([expect.stringMatching(message)]);
    untouched(dir);
    if (existsSync(join(dir, 'logs'))) expect(readdirSync(join(dir, 'logs'))).toEqual(['keep']);
  });

  it('an unwritable log directory: exit 2, one line, nothing rotated', async () => {
    const dir = tempDir();
    withPrevious(dir);
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    const root = process.getuid?.() === 0;
    // Root writes through permission bits; a read-only mount stops it.
    if (root) execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', ro]);
    else execFileSync('chmod', ['555', ro]);
    try {
      const r = await runCli(runArgs(dir, config(dir), ['--duration', '5s', '--log-file', join(ro, 'run.log')]));
      expect(r.code).toBe(2);
      expect(stderrLines(r.stderr)).toEqual([expect.stringMatching(/--log-file .*ro\/run\.log: cannot write there \((EROFS|EACCES)\)/)]);
      untouched(dir);
    } finally {
      if (root) spawnSync('umount', ['-l', ro]);
    }
  });
});

describe('durations and flags', () => {
  it('--duration 600h (past one timer\'s 2^31 ms) runs until told, instead of ending at once', async () => {
    const dir = tempDir();
    const f = files(dir);
    const run = startCli(runArgs(dir, config(dir), ['--duration', '600h']));
    await waitFor(() => readLines(f.log).filter((l) => l.includes('HEARTBEAT_OK: SPY')).length >= 3, 30_000);
    expect(run.child.exitCode).toBeNull();
    expect(await stop(run)).toBe(0);
    expect(readLines(f.log).pop()).toMatch(/RUN_STOPPED: reason=SIGTERM\b/);
  });

  it('a duration without a unit is exit 2', async () => {
    const r = await runCli(['run', '--duration', '30']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--duration.*"30"/);
  });

  it.each([
    ['off', /FLAG_MULTI_SYMBOL=0 allows one symbol/],
    ['FALSE', /FLAG_MULTI_SYMBOL=0 allows one symbol/],
    ['maybe', /FLAG_MULTI_SYMBOL="maybe": expected 0\/1, false\/true, off\/on or no\/yes/],
  ])('FLAG_MULTI_SYMBOL=%s with two symbols is exit 2 naming the flag', async (value, message) => {
    const dir = tempDir();
    const r = await runCli(runArgs(dir, config(dir), ['--symbols', 'SPY,QQQ', '--duration', '2s']), { env: { FLAG_MULTI_SYMBOL: value } });
    expect(r.code).toBe(2);
    expect(stderrLines(r.stderr)).toEqual([expect.stringMatching(message)]);
    expect(existsSync(join(dir, 'run.log'))).toBe(false);
  });
});

describe('credentials in --feed-url', () => {
  it('never reach the log, the trace, the capture or the terminal', async () => {
    const dir = tempDir();
    const f = files(dir);
    const feed = await startFeedServerCli(['--speed', '20']);
    try {
      const url = `ws://operator:Secr3tPassw0rd@127.0.0.1:${feed.port}/?apiKey=AKSECRET123&token=TOKSECRET456`;
      const r = await runCli(['run', '--config', config(dir), '--feed', 'native', '--feed-url', url, '--log-file', f.log, '--trace-file', f.trace, '--pid-file', f.pid, '--kill-switch-file', f.ks, '--record', join(dir, 'capture.jsonl'), '--duration', '3s']);
      expect(r.code).toBe(0);
      const everything = [r.stdout, r.stderr, readFileSync(f.log, 'utf8'), readFileSync(f.trace, 'utf8'), readFileSync(join(dir, 'capture.jsonl'), 'utf8')].join('\n');
      expect(everything).toMatch(/FEED_CONNECTED: venue=native url=ws:\/\/\*\*\*:\*\*\*@127\.0\.0\.1/);
      for (const secret of ['operator', 'Secr3tPassw0rd', 'AKSECRET123', 'TOKSECRET456']) expect(everything).not.toContain(secret);
    } finally {
      feed.cli.child.kill('SIGTERM');
      await feed.cli.exited;
    }
  });
});

describe('credentials in error messages', () => {
  it('are masked in the one line of a refused --feed-url', async () => {
    const r = await runCli(['run', '--feed', 'native', '--feed-url', 'ws://user:S3cretPw@127.0.0.1:1/?token=TOK12345 x']);
    expect(r.code).toBe(2);
    expect(stderrLines(r.stderr)).toEqual([expect.stringContaining('--feed-url: expected a ws:// or wss:// URL, got "ws://***:***@127.0.0.1:1/?token=***"')]);
    expect(r.stderr).not.toMatch(/S3cretPw|TOK12345/);
  });
});

describe('report and feed-server outputs', () => {
  it('report refuses to overwrite its inputs and an unwritable output, before reading anything', async () => {
    const dir = tempDir();
    const log = join(dir, 'run.log');
    const trace = join(dir, 'trace.jsonl');
    writeFileSync(log, 'the log\n');
    writeFileSync(trace, 'the trace\n');
    for (const [extra, message] of [
      [['--output', trace], /--trace and --output are the same file/],
      [['--html', log], /--log and --html are the same file/],
      [['--output', join(dir, 'r.json'), '--html', join(dir, 'r.json')], /--output and --html are the same file/],
      [['--output', join(dir, 'run.log', 'r.json')], /--output .*run\.log is not a directory/],
      [['--output', dir], /--output .*: is a directory/],
    ] as Array<[string[], RegExp]>) {
      const r = await runCli(['report', '--log', log, '--trace', trace, '--smoke', join(dir, 'none.json'), ...extra]);
      expect(r.code).toBe(2);
      expect(stderrLines(r.stderr)).toEqual([expect.stringMatching(message)]);
    }
    expect(readFileSync(log, 'utf8')).toBe('the log\n');
    expect(readFileSync(trace, 'utf8')).toBe('the trace\n');
  });

  it('feed-server on a busy port is exit 2; a non-loopback --host warns', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as { port: number }).port;
    try {
      const r = await runCli(['feed-server', '--port', String(port)]);
      expect(r.code).toBe(2);
      expect(stderrLines(r.stderr)).toEqual([expect.stringMatching(new RegExp(`--port ${port}: already in use`))]);
    } finally {
      busy.close();
    }
    const open = spawn(process.execPath, [BIN, 'feed-server', '--port', '0', '--host', '0.0.0.0'], { cwd: REPO });
    let stderr = '';
    open.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitFor(() => stderr.includes('not loopback'), 20_000);
    open.kill('SIGTERM');
    await new Promise((r) => open.once('close', r));
    expect(stderr).toMatch(/warning: --host 0\.0\.0\.0 is not loopback/);
  });
});
