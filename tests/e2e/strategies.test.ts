/**
 * Strategy plug-ins through the real CLI on the replay feed: each shipped example runs and
 * validates; a module edited after its run is refused offline; a strategy that misbehaves halts
 * only what it must and never crashes the runner; a killed Python strategy halts its symbols and
 * the report says NO-GO; replay re-executes a plug-in to the same decisions; a strategy that
 * cannot start is one line and exit 2 with nothing rotated. Budgets are generous: the machine is
 * shared and loaded, and a timeout is not what these tests are about.
 */
import { copyFileSync, existsSync, readFileSync, readdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLines, readTrace, REPO, runCli, startCli, tempDir, waitForLine } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

const PARAMS = '{ lookback_bars: 1, momentum_bps: 0.2, vwap_band_bps: 0.2 }';

function writeConfig(dir: string, strategy: string, symbols = 'SPY, QQQ'): string {
  const path = join(dir, 'drill.yaml');
  writeFileSync(path, `symbols: [${symbols}]\nmax_positions: 3\nfeeds:\n  replay: { speed: 20 }\ndecision:\n  bar_interval: 1s\n  strategy: ${strategy}\n`);
  return path;
}

interface Files {
  dir: string;
  config: string;
  log: string;
  trace: string;
  pid: string;
  args: string[];
}

function files(dir: string, config: string, extra: string[] = []): Files {
  const log = join(dir, 'run.log');
  const trace = join(dir, 'trace.jsonl');
  const pid = join(dir, 'runner.pid');
  return { dir, config, log, trace, pid, args: ['run', '--config', config, '--log-file', log, '--trace-file', trace, '--pid-file', pid, '--kill-switch-file', join(dir, 'HALT'), '--quiet', ...extra] };
}

const decisions = (trace: string) => readTrace(trace).filter((r) => r.type === 'decision');

/**
 * Runs until every symbol has logged `n` decisions, then stops it with SIGTERM (a fixed duration
 * is too short on a loaded machine, where the first bars can take seconds).
 */
async function runUntilDecided(f: Files, n: number, symbols = ['SPY', 'QQQ']) {
  const cli = startCli(f.args);
  await waitFor(() => {
    const lines = readLines(f.log);
    return symbols.every((s) => lines.filter((l) => l.includes(`DECISION_LOGGED: symbol=${s} `)).length >= n) || cli.child.exitCode !== null;
  }, 90_000);
  cli.child.kill('SIGTERM');
  return cli.exited;
}

describe('the shipped example strategies', () => {
  it.each([
    ['strategies/opening_range.mjs (module)', '{ module: strategies/opening_range.mjs, params: { range_bars: 3 }, budget: 500ms }', 'opening_range'],
    ['strategies/vwap_momentum.mjs (module)', `{ module: strategies/vwap_momentum.mjs, params: ${PARAMS}, budget: 500ms }`, 'vwap_momentum_module'],
    ['strategies/momentum.py (command)', `{ command: [python3, strategies/momentum.py], params: ${PARAMS}, budget: 500ms, start_timeout: 30s }`, 'momentum_py'],
  ])('%s runs on the replay feed and trader validate passes on its trace', async (_label, strategy, name) => {
    const dir = tempDir();
    const f = files(dir, writeConfig(dir, strategy));
    const run = await runUntilDecided(f, 2);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const record = readTrace(f.trace)[0] as { strategy: Record<string, unknown> };
    expect(record.strategy).toMatchObject({ name, base_dir: REPO });
    expect(record.strategy.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(readLines(f.log)[0]).toContain(`strategy=${name}@1.0.0`);
    const made = decisions(f.trace);
    expect(made.filter((d) => d.symbol === 'SPY').length).toBeGreaterThan(0);
    expect(made.filter((d) => d.symbol === 'QQQ').length).toBeGreaterThan(0);
    expect(readFileSync(f.log, 'utf8')).not.toMatch(/STRATEGY_VIOLATION|DECISION_FAILED|STRATEGY_EXITED/);
    const validate = await runCli(['validate', '--trace', f.trace]);
    expect(validate.stdout).toContain('✅ SPY:');
    expect(validate.stdout).toContain('✅ QQQ:');
    expect(validate.code).toBe(0);
    // On worker threads (tiny chunks), each loads its own copy of the strategy: the same verdict.
    const threaded = await runCli(['validate', '--trace', f.trace], { env: { TRADER_WORKERS: '2', TRADER_CHUNK_BYTES: '1024' } });
    expect(threaded.stdout).toBe(validate.stdout);
    expect(threaded.code).toBe(0);
  }, 120_000);
});

describe('offline tools refuse a strategy file that changed since the run', () => {
  it('a module edited after the run: validate and report exit 2 with one line naming the change', async () => {
    const dir = tempDir();
    const module = join(dir, 'mine.mjs');
    copyFileSync(join(REPO, 'strategies/vwap_momentum.mjs'), module);
    const f = files(dir, writeConfig(dir, `{ module: ${module}, params: ${PARAMS}, budget: 500ms }`));
    const run = await runUntilDecided(f, 1);
    expect(run.code).toBe(0);
    expect((await runCli(['validate', '--trace', f.trace])).code).toBe(0);

    appendFileSync(module, '\n// tuned after the drill\n');
    const validate = await runCli(['validate', '--trace', f.trace]);
    expect(validate.code).toBe(2);
    expect(validate.stderr.trim().split('\n')).toHaveLength(1);
    expect(validate.stderr).toMatch(/changed since the run/);
    expect(validate.stdout).toBe('');
    const output = join(dir, 'report.json');
    const report = await runCli(['report', '--log', f.log, '--trace', f.trace, '--output', output]);
    expect(report.code).toBe(2);
    expect(report.stderr.trim().split('\n')).toHaveLength(1);
    expect(report.stderr).toMatch(/changed since the run/);
    expect(existsSync(output)).toBe(false);
  }, 90_000);
});

describe('a misbehaving strategy halts what it must, and the run goes on', () => {
  it('Date.now() for QQQ is STRATEGY_VIOLATION, a throw for TSLA is DECISION_FAILED; those symbols HALTED, SPY decides on', async () => {
    const dir = tempDir();
    const module = join(dir, 'flaky.mjs');
    writeFileSync(
      module,
      `export const name = 'flaky';
export const version = '1.0.0';
export const lookback = 2;
export const params = {};
export function decide(inputs) {
  if (inputs.symbol === 'QQQ') return { action: 'HOLD', confidence: Date.now() > 0 ? 1 : 0 };
  if (inputs.symbol === 'TSLA') throw new Error('no view on TSLA latency=1ms');
  return { action: 'HOLD', confidence: 1, reason: 'SPY only' };
}
`,
    );
    const f = files(dir, writeConfig(dir, `{ module: ${module}, budget: 500ms }`, 'SPY, QQQ, TSLA'));
    // No fixed duration: stopped once SPY has decided after both failures (a loaded machine is slow to its first bars).
    const cli = startCli(f.args);
    const afterFailures = (): boolean => {
      const lines = readLines(f.log);
      const last = Math.max(lines.findIndex((l) => l.includes('STRATEGY_VIOLATION')), lines.findIndex((l) => l.includes('DECISION_FAILED')));
      return lines.every((l) => !l.includes('STRATEGY_VIOLATION')) || lines.every((l) => !l.includes('DECISION_FAILED')) ? false : lines.slice(last).some((l) => l.includes('DECISION_LOGGED: symbol=SPY')) && lines.slice(last).some((l) => l.includes('HEARTBEAT_OK: QQQ'));
    };
    await waitFor(afterFailures, 60_000);
    cli.child.kill('SIGTERM');
    const run = await cli.exited;
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const log = readLines(f.log);
    const violation = log.filter((l) => l.includes('STRATEGY_VIOLATION'));
    expect(violation).toHaveLength(1);
    expect(violation[0]).toMatch(/ERROR STRATEGY_VIOLATION: symbol=QQQ call=Date\.now .*QQQ HALTED/);
    const failed = log.filter((l) => l.includes('DECISION_FAILED'));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(/ERROR DECISION_FAILED: symbol=TSLA kind=threw .*TSLA HALTED/);
    // Only decisions carry latency= (the runbook's latency pipeline), even when a strategy writes it.
    for (const line of [...violation, ...failed]) expect(line).not.toContain('latency=');

    const trace = readTrace(f.trace);
    const made = decisions(f.trace);
    expect(made.filter((d) => d.symbol === 'QQQ' || d.symbol === 'TSLA')).toEqual([]);
    expect(made.filter((d) => d.symbol === 'SPY').length).toBeGreaterThan(0);
    expect(made.every((d) => d.reason === 'SPY only')).toBe(true);
    // Heartbeats after the failures show the halted symbols' state; SPY's stays ACTIVE.
    const violationAt = trace.findIndex((r) => r.type === 'strategy_violation');
    const later = trace.slice(violationAt).filter((r) => r.type === 'heartbeat_ok');
    expect(later.some((r) => r.symbol === 'QQQ' && r.state === 'HALTED')).toBe(true);
    expect(later.filter((r) => r.symbol === 'SPY').every((r) => r.state === 'ACTIVE')).toBe(true);
    expect(trace.at(-1)?.type).toBe('run_stopped');
    // Failed decisions are not decisions: validate re-executes SPY's and passes them.
    const validate = await runCli(['validate', '--trace', f.trace, '--symbols', 'SPY']);
    expect(validate.stdout).toMatch(/✅ SPY: \d+ decisions, 0 inconsistencies/);
    expect(validate.code).toBe(0);
  }, 90_000);

  it('a Python strategy killed mid-run: its symbols HALTED, the run goes on and exits 0, the report says NO-GO', async () => {
    const dir = tempDir();
    const f = files(dir, writeConfig(dir, `{ command: [python3, strategies/momentum.py], params: ${PARAMS}, budget: 500ms, start_timeout: 30s }`));
    const cli = startCli(f.args);
    await waitForLine(f.log, /DECISION_LOGGED: symbol=SPY/, 60_000);
    const runnerPid = Number(readFileSync(f.pid, 'utf8'));
    const python = childrenOf(runnerPid).find((c) => c.cmdline.includes('strategies/momentum.py'));
    expect(python, 'the strategy process is a child of the runner').toBeDefined();
    process.kill(python?.pid ?? 0, 'SIGKILL');
    // The run goes on: heartbeats after the exit, then a normal stop.
    await waitFor(() => {
      const lines = readLines(f.log);
      const at = lines.findIndex((l) => l.includes('STRATEGY_EXITED'));
      return at >= 0 && lines.slice(at).some((l) => l.includes('HEARTBEAT_OK: SPY'));
    }, 30_000);
    cli.child.kill('SIGTERM');
    const result = await cli.exited;
    expect(result.code).toBe(0);
    const log = readLines(f.log);
    const exited = log.find((l) => l.includes('STRATEGY_EXITED'));
    expect(exited).toMatch(/ERROR STRATEGY_EXITED: strategy=momentum_py@1\.0\.0 .*SIGKILL.*SPY,QQQ HALTED, the run goes on/);
    const trace = readTrace(f.trace);
    const at = trace.findIndex((r) => r.type === 'strategy_exited');
    // The run went on (heartbeats, a clean stop) without a decision after the process died.
    expect(trace.slice(at).filter((r) => r.type === 'decision')).toEqual([]);
    const beats = trace.slice(at).filter((r) => r.type === 'heartbeat_ok');
    expect(beats.length).toBeGreaterThan(0);
    expect(beats.every((r) => r.state === 'HALTED')).toBe(true);
    expect(trace.at(-1)?.type).toBe('run_stopped');
    const report = await runCli(['report', '--log', f.log, '--trace', f.trace, '--output', join(dir, 'report.json')]);
    expect(report.code).toBe(1);
    expect(report.stdout).toMatch(/DECISION: NO-GO \(.*errors: FAIL/);
    // What it decided before it died is still checkable through the same command.
    expect((await runCli(['validate', '--trace', f.trace, '--symbols', 'SPY'])).code).toBe(0);
  }, 120_000);
});

describe('a command strategy\'s stderr', () => {
  it('reaches the log as rate-limited STRATEGY_STDERR lines with exact totals, never as latency=', async () => {
    const dir = tempDir();
    const script = join(dir, 'chatty.py');
    writeFileSync(
      script,
      `import json, sys
print(json.dumps({"protocol": "trader-strategy/1", "name": "chatty", "version": "1.0.0", "lookback": 1, "params": {}}), flush=True)
for line in sys.stdin:
    req = json.loads(line)
    for i in range(40):
        print(f"thinking {i} latency=3ms", file=sys.stderr, flush=True)
    print(json.dumps({"id": req["id"], "action": "HOLD", "confidence": 1}), flush=True)
`,
    );
    const f = files(dir, writeConfig(dir, `{ command: [python3, ${script}], budget: 500ms, start_timeout: 30s }`));
    const run = await runUntilDecided(f, 3);
    expect(run.code).toBe(0);
    const trace = readTrace(f.trace);
    const lines = trace.filter((r) => r.event === 'STRATEGY_STDERR');
    const written = lines.filter((r) => typeof r.line === 'string');
    expect(written.length).toBeGreaterThan(0);
    for (const r of lines) expect(String(r.msg)).not.toContain('latency=');
    expect(String(written[0]?.msg)).toMatch(/^STRATEGY_STDERR: strategy=chatty@1\.0\.0 line="thinking 0 latency:3ms" total=1 suppressed=0$/);
    // 40 lines a decision: most are counted, not written; the highest total is every line read.
    const total = Math.max(...lines.map((r) => Number(r.total)));
    expect(total).toBeGreaterThanOrEqual(40 * 6);
    expect(lines.length).toBeLessThan(total / 4);
    expect(lines.reduce((n, r) => n + Number(r.suppressed) + (typeof r.line === 'string' ? 1 : 0), 0)).toBe(total);
  }, 120_000);
});

describe('replay parity with a plug-in strategy', () => {
  it('--record then trader replay gives the same decisions, reasons included', async () => {
    const dir = tempDir();
    const capture = join(dir, 'capture.jsonl');
    const f = files(dir, writeConfig(dir, '{ module: strategies/opening_range.mjs, params: { range_bars: 3 }, budget: 500ms }'), ['--record', capture]);
    const run = await runUntilDecided(f, 4);
    expect(run.code).toBe(0);
    const replayTrace = join(dir, 'replay.jsonl');
    const replay = await runCli(['replay', '--capture', capture, '--trace-file', replayTrace, '--log-file', join(dir, 'replay.log')]);
    expect(replay.stderr).toBe('');
    expect(replay.code).toBe(0);
    const key = (d: Record<string, unknown>) => [d.symbol, d.bar_end, d.action, d.confidence, d.reason, d.inputs_digest, d.output_digest];
    const live = decisions(f.trace).map(key);
    expect(live.length).toBeGreaterThan(4);
    expect(live.some((k) => typeof k[4] === 'string')).toBe(true);
    expect(decisions(replayTrace).map(key)).toEqual(live);
    expect((readTrace(replayTrace)[0] as { strategy: unknown }).strategy).toMatchObject({ kind: 'module', name: 'opening_range' });
    expect((await runCli(['validate', '--trace', replayTrace])).code).toBe(0);
  }, 90_000);
});

describe('a strategy that cannot start is bad input: one line, exit 2, nothing rotated', () => {
  const cases: Array<[string, (dir: string) => string, RegExp]> = [
    ['a missing module', (dir) => `{ module: ${join(dir, 'nope.mjs')} }`, /nope\.mjs/],
    ['a module without decide', (dir) => moduleFile(dir, "export const name = 'x';\nexport const version = '1';\n"), /decide/],
    ['a module that throws at load', (dir) => moduleFile(dir, "export const name = 'x';\nexport const version = '1';\nexport function decide() { return { action: 'HOLD', confidence: 1 }; }\nthrow new Error('boom at load');\n"), /boom at load/],
    ['params that fail the schema', () => '{ module: strategies/opening_range.mjs, params: { range_bars: -4 } }', /range_bars/],
    ['an unknown param', () => '{ name: vwap_momentum, params: { lookback: 3 } }', /lookback/],
    ['a command not found', () => '{ command: [trader-no-such-command-xyz] }', /not found/],
    ['a command that exits at start', () => "{ command: [python3, -c, 'import sys; sys.exit(3)'] }", /before its hello/],
    ['a wrong protocol version', () => `{ command: [python3, -c, 'print(${JSON.stringify(JSON.stringify({ protocol: 'trader-strategy/9', name: 'x', version: '1', lookback: 1, params: {} }))}, flush=True); import time; time.sleep(5)'] }`, /protocol/],
    ['name and module together', () => '{ name: vwap_momentum, module: strategies/opening_range.mjs }', /one of name, module or command/],
  ];
  it.each(cases)('%s', async (_label, strategy, message) => {
    const dir = tempDir();
    const f = files(dir, writeConfig(dir, strategy(dir)));
    writeFileSync(f.log, 'the previous run\n');
    const result = await runCli([...f.args, '--duration', '3s']);
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^trader: .*decision\.strategy/);
    expect(lines[0]).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    // Nothing rotated, nothing written: the previous run's log is where it was, as it was.
    expect(readFileSync(f.log, 'utf8')).toBe('the previous run\n');
    expect(readdirSync(dir).sort()).toEqual(['drill.yaml', 'run.log', ...(existsSync(join(dir, 'strategy.mjs')) ? ['strategy.mjs'] : [])].sort());
  }, 60_000);
});

function moduleFile(dir: string, text: string): string {
  const path = join(dir, 'strategy.mjs');
  writeFileSync(path, text);
  return `{ module: ${path} }`;
}

/** The runner's child processes, from /proc (the strategy process is one; the embedded feed is another). */
function childrenOf(pid: number): Array<{ pid: number; cmdline: string }> {
  const out: Array<{ pid: number; cmdline: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 (ppid) follows the command name in parentheses, which may itself hold spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push({ pid: Number(entry), cmdline: readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ') });
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}
