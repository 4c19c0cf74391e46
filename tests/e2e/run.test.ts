import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readLines, readTrace, runCli, startCli, tempDir, waitForLine } from '../helpers/cli.js';

function runArgs(dir: string, extra: string[] = []): string[] {
  return [
    'run', '--config', 'config/smoke.yaml', '--symbols', 'SPY,QQQ',
    '--log-file', join(dir, 'run.log'), '--trace-file', join(dir, 'trace.jsonl'),
    '--pid-file', join(dir, 'runner.pid'), '--kill-switch-file', join(dir, 'HALT'), ...extra,
  ];
}

describe('trader run on the embedded replay feed', () => {
  let dir: string;
  let stdout: string;
  let code: number | null;

  beforeAll(async () => {
    dir = tempDir();
    const running = startCli(runArgs(dir, ['--duration', '9s']));
    // The PID file exists while the runner runs, with the PID it printed.
    await waitForLine(join(dir, 'runner.pid'), /^\d+$/);
    expect(readFileSync(join(dir, 'runner.pid'), 'utf8').trim()).toBe(String(running.child.pid));
    const result = await running.exited;
    stdout = result.stdout;
    code = result.code;
  });

  it('prints its PID, exits 0 at the end of --duration and removes the PID file', () => {
    expect(code).toBe(0);
    expect(stdout).toMatch(/pid \d+ \(written to .*runner\.pid\)/);
    expect(existsSync(join(dir, 'runner.pid'))).toBe(false);
  });

  it('logs heartbeats and decisions for both symbols in the runbook line form', () => {
    const log = readLines(join(dir, 'run.log'));
    for (const sym of ['SPY', 'QQQ']) {
      expect(log.some((l) => new RegExp(`^\\[\\d\\d:\\d\\d:\\d\\d\\] HEARTBEAT_OK: ${sym} last_update=\\d+\\.\\ds lag=`).test(l))).toBe(true);
      expect(log.some((l) => new RegExp(`^\\[\\d\\d:\\d\\d:\\d\\d\\] DECISION_LOGGED: symbol=${sym} confidence=\\d\\.\\d\\d latency=[\\d.]+ms action=(BUY|SELL|HOLD)$`).test(l))).toBe(true);
    }
    expect(log.filter((l) => /ERROR|EXCEPTION/.test(l))).toEqual([]);
    expect(log.some((l) => l.includes('RUN_STARTED:'))).toBe(true);
    expect(log.some((l) => l.includes('FEED_CONNECTED:'))).toBe(true);
    expect(log.some((l) => l.includes('RUN_SUMMARY:'))).toBe(true);
    expect(log[log.length - 1]).toMatch(/RUN_STOPPED: reason=duration chain_records=\d+ chain_head=[0-9a-f]{64}$/);
  });

  it('writes a trace whose first record describes the run and whose decisions carry their inputs', () => {
    const trace = readTrace(join(dir, 'trace.jsonl'));
    const run = trace[0] ?? {};
    expect(run).toMatchObject({ type: 'run', schema_version: 1, command: 'run', symbols: ['SPY', 'QQQ'], strategy: { name: 'vwap_momentum' } });
    expect(run.flags).toHaveProperty('FLAG_MULTI_SYMBOL');
    expect(run.pid).toEqual(expect.any(Number));
    const decisions = trace.filter((r) => r.type === 'decision');
    expect(decisions.length).toBeGreaterThanOrEqual(4);
    const logText = readFileSync(join(dir, 'run.log'), 'utf8');
    for (const d of decisions) {
      expect(d).toMatchObject({ event: 'DECISION_LOGGED', action: expect.stringMatching(/^(BUY|SELL|HOLD)$/), inputs: { symbol: d.symbol } });
      expect(d.confidence).toBeGreaterThanOrEqual(0);
      expect(d.confidence).toBeLessThanOrEqual(1);
      expect(d.latency_ms).toBeGreaterThanOrEqual(0);
      expect(d.processing_us).toBeGreaterThanOrEqual(0);
      expect(d.inputs_digest).toMatch(/^[0-9a-f]{64}$/);
      expect(d.output_digest).toMatch(/^[0-9a-f]{64}$/);
      // msg is the log line's text, so grep on either file finds the same decision.
      expect(logText).toContain(`] ${String(d.msg)}\n`);
    }
    // Only decision records contain `latency=`, so the runbook's grep sees decisions alone.
    const lines = readLines(join(dir, 'trace.jsonl'));
    expect(lines.filter((l) => l.includes('latency='))).toHaveLength(decisions.length);
    // Every log event is a trace record too.
    expect(trace.some((r) => r.type === 'heartbeat_ok' && r.symbol === 'SPY')).toBe(true);
    expect(trace.find((r) => r.type === 'run_summary')).toMatchObject({ decisions: decisions.length });
  });

  it('agrees with the runbook\'s grep | jq | awk latency average', () => {
    const trace = join(dir, 'trace.jsonl');
    const out = execFileSync('bash', ['-c', `grep "latency=" ${trace} | jq '.latency_ms' | awk '{sum+=$1; count++} END {print "Avg latency:", sum/count "ms"}'`]).toString();
    const latencies = readTrace(trace).filter((r) => r.type === 'decision').map((r) => Number(r.latency_ms));
    const avg = latencies.reduce((a, b) => a + b, 0) / latencies.length;
    const printed = Number(/Avg latency: ([\d.e+-]+)ms/.exec(out)?.[1]);
    expect(printed).toBeCloseTo(avg, 3);
  });
});

describe('trader run lifecycle and files', () => {
  it('stops gracefully on SIGTERM with a summary, and keeps an earlier log and trace', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'run.log'), 'earlier run\n');
    writeFileSync(join(dir, 'trace.jsonl'), '{"type":"run"}\n');
    const running = startCli(runArgs(dir));
    await waitForLine(join(dir, 'run.log'), /HEARTBEAT_OK: QQQ/);
    running.child.kill('SIGTERM');
    const result = await running.exited;
    expect(result.code).toBe(0);
    const log = readLines(join(dir, 'run.log'));
    expect(log.some((l) => l.includes('RUN_SUMMARY:'))).toBe(true);
    expect(log[log.length - 1]).toMatch(/RUN_STOPPED: reason=SIGTERM chain_records=\d+ chain_head=[0-9a-f]{64}$/);
    const kept = readdirSync(dir).filter((f) => /^run\.\d{8}T\d{6}Z\.log$/.test(f));
    expect(kept).toHaveLength(1);
    expect(readFileSync(join(dir, kept[0] ?? ''), 'utf8')).toBe('earlier run\n');
    expect(readdirSync(dir).some((f) => /^trace\.\d{8}T\d{6}Z\.jsonl$/.test(f))).toBe(true);
  });

  it('writes pino NDJSON with --log-format json, same event names', async () => {
    const dir = tempDir();
    const result = await runCli(runArgs(dir, ['--duration', '4s', '--log-format', 'json', '--quiet']));
    expect(result.code).toBe(0);
    const lines = readLines(join(dir, 'run.log')).map((l) => JSON.parse(l) as { event: string; msg: string; level: number });
    // On a loaded machine the feed may have sent nothing by the first heartbeat: then the line is
    // HEARTBEAT_NO_DATA at warn (never OK without data); either way pino carries the event and level.
    const heartbeat = lines.find((l) => l.event === 'HEARTBEAT_OK' || l.event === 'HEARTBEAT_NO_DATA');
    expect(heartbeat?.msg).toMatch(/^HEARTBEAT_(OK: (SPY|QQQ) last_update=|NO_DATA: (SPY|QQQ) no data yet)/);
    expect(heartbeat?.level).toBe(heartbeat?.event === 'HEARTBEAT_OK' ? 30 : 40);
    expect(lines.find((l) => l.event === 'RUN_STARTED')?.level).toBe(30);
    expect(lines.some((l) => l.event === 'RUN_STOPPED')).toBe(true);
  });
});

describe('trader run refuses bad input with one line and exit 2', () => {
  it.each([
    [['--bogus'], /unknown option '--bogus'/],
    [['--duration', 'soon'], /--duration.*expected a positive number with a unit.*got "soon"/],
    [['--symbols', ''], /--symbols.*expected a comma-separated list/],
    [['--symbols', 'SPY,,QQQ'], /expected a comma-separated list/],
    [['--symbols', 'spy'], /expected upper-case tickers.*got "spy"/],
    [['--config', 'nope.yaml'], /^trader: nope\.yaml: cannot read config: no such file$/m],
    [['--feed', 'nasdaq'], /--feed.*nasdaq.*Allowed choices/],
    [['--feed', 'native'], /--feed native needs --feed-url/],
  ])('%j', async (args, message) => {
    const dir = tempDir();
    writeFileSync(join(dir, 'run.log'), 'keep me\n');
    const result = await runCli(['run', '--log-file', join(dir, 'run.log'), '--trace-file', join(dir, 't.jsonl'), '--pid-file', join(dir, 'pid'), ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(join(dir, 'run.log'), 'utf8')).toBe('keep me\n');
    expect(existsSync(join(dir, 't.jsonl'))).toBe(false);
  });

  it('names the config file and field of an invalid config', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'x.yaml'), 'symbols: [SPY, "spy!"]\n');
    const result = await runCli(['run', '--config', join(dir, 'x.yaml')]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(`trader: ${join(dir, 'x.yaml')}: symbols[1]: expected an upper-case ticker such as SPY or BTC-USD, got "spy!"`);
  });

  it('refuses more than one symbol under FLAG_MULTI_SYMBOL=0', async () => {
    const result = await runCli(['run', '--config', 'config/smoke.yaml', '--symbols', 'SPY,QQQ'], { env: { FLAG_MULTI_SYMBOL: '0' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/FLAG_MULTI_SYMBOL=0 allows one symbol, got 2/);
  });
});

describe('the runbook\'s staging copy of the live canary config', () => {
  it('runs a drill with --feed replay and no venue keys: the live fallback is not used, and it says so', async () => {
    const dir = tempDir();
    const config = join(dir, 'staging_multi.yaml');
    // The runbook's step: cp config/live_canary.yaml config/staging_multi.yaml, then symbols: [SPY, QQQ].
    writeFileSync(config, readFileSync('config/live_canary.yaml', 'utf8'));
    const env = { ...process.env, APCA_API_KEY_ID: '', APCA_API_SECRET_KEY: '', POLYGON_API_KEY: '' };
    const r = await runCli(['run', '--config', config, '--symbols', 'SPY,QQQ', '--feed', 'replay', '--duration', '3s', '--log-file', join(dir, 'run.log'), '--trace-file', join(dir, 'trace.jsonl'), '--pid-file', join(dir, 'runner.pid'), '--kill-switch-file', join(dir, 'HALT')], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--feed replay replaces the config's primary \(alpaca\); its fallback \(polygon\) is not used/);
    const started = readTrace(join(dir, 'trace.jsonl')).find((rec) => rec.event === 'RUN_STARTED');
    expect(started?.msg).toMatch(/feed=replay(?! fallback)/);
    // Without --feed the same copy is a live config: the missing key is named, nothing is written.
    const live = await runCli(['run', '--config', config, '--duration', '3s', '--log-file', join(dir, 'live.log'), '--trace-file', join(dir, 'live.jsonl'), '--pid-file', join(dir, 'live.pid'), '--kill-switch-file', join(dir, 'HALT')], { env });
    expect(live.code).toBe(2);
    expect(live.stderr).toMatch(/APCA_API_KEY_ID/);
    expect(existsSync(join(dir, 'live.jsonl'))).toBe(false);
  });
});
