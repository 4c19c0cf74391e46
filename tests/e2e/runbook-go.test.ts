/**
 * The runbook followed step by step on the embedded replay feed gives GO: launch SPY,QQQ, watch
 * decisions, add TSLA to the config and SIGUSR1 (T+10), touch the kill switch (T+15), stop with
 * SIGTERM, then `trader validate` and `trader report` as the operator runs them. The smoke row is
 * fed by a real `bash scripts/smoke.sh`, run alongside the drill.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { reportSchema } from '../../src/report/schema.js';
import { readLines, readTrace, REPO, runCli, startCli, tempDir, waitForLine, writeDrillConfig } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

/** `make smoke` as CI runs it; resolves with its exit code. */
function smoke(): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['scripts/smoke.sh'], { cwd: REPO, stdio: 'ignore' });
    child.on('close', (code) => resolve(code));
  });
}

it('the runbook followed step by step on the replay feed gives GO', async () => {
  const smokeDone = smoke();
  const dir = tempDir();
  const log = join(dir, 'market_open_validation.log');
  const trace = join(dir, 'validation_trace.jsonl');
  const halt = join(dir, 'FLAG_TRADING_HALTED');
  const config = writeDrillConfig(dir, 'memory: { sample_interval: 500ms, warmup: 3s }\n');
  // T+0: launch.
  const run = startCli(['run', '--config', config, '--symbols', 'SPY,QQQ', '--log-file', log, '--trace-file', trace, '--pid-file', join(dir, 'runner.pid'), '--kill-switch-file', halt, '--quiet'], {
    env: { FLAG_MULTI_SYMBOL: '1', FLAG_REALTIME: '1', STAGING_MODE: '1' },
  });
  await waitForLine(join(dir, 'runner.pid'), /^\d+$/);
  const pid = Number(readFileSync(join(dir, 'runner.pid'), 'utf8'));
  // T+1: heartbeats and decisions for both symbols.
  await waitFor(() => ['SPY', 'QQQ'].every((s) => readLines(log).some((l) => l.includes(`DECISION_LOGGED: symbol=${s} `))), 30_000);
  // Memory is judged before the addition too: two post-warm-up samples of the first segment.
  await waitFor(() => readTrace(trace).filter((r) => r.event === 'MEMORY_SAMPLE' && r.segment === 0).length >= 2, 30_000);
  // T+10: add TSLA to the config's symbols, then SIGUSR1 the PID in the pid file.
  writeFileSync(config, readFileSync(config, 'utf8').replace('symbols: [SPY, QQQ]', 'symbols: [SPY, QQQ, TSLA]'));
  process.kill(pid, 'SIGUSR1');
  await waitForLine(log, /SYMBOL_ADDED: symbol=TSLA/);
  await waitForLine(log, /DECISION_LOGGED: symbol=TSLA /, 30_000);
  // The memory row is judged after the addition too: two post-warm-up samples of the new segment.
  await waitFor(() => readTrace(trace).filter((r) => r.event === 'MEMORY_SAMPLE' && r.segment === 1).length >= 2, 30_000);
  // T+15: the kill switch; the runner proves the halt with its probe.
  writeFileSync(halt, '');
  await waitForLine(log, /KILL_SWITCH_VERIFIED: probe orders rejected reason=TRADING_HALTED symbols=SPY,QQQ,TSLA/, 20_000);
  await waitFor(() => readLines(log).slice(readLines(log).findIndex((l) => l.includes('KILL_SWITCH_DETECTED'))).filter((l) => l.includes('DECISION_LOGGED')).length >= 3, 20_000);
  // Emergency stop, graceful.
  process.kill(pid, 'SIGTERM');
  expect((await run.exited).code).toBe(0);

  const lines = readLines(log);
  expect(lines.filter((l) => /ERROR|EXCEPTION/.test(l))).toEqual([]);
  const memory = readTrace(trace).filter((r) => r.event === 'MEMORY_SAMPLE');
  // The samples are the runner's own, read after a full GC.
  expect(memory.every((r) => r.after_gc === true)).toBe(true);

  const validate = await runCli(['validate', '--trace', trace, '--symbols', 'SPY,QQQ']);
  expect(validate.code).toBe(0);
  // The runbook's three lines, then the chain's.
  expect(validate.stdout).toMatch(/^✅ SPY: \d+ decisions, 0 inconsistencies\n✅ QQQ: \d+ decisions, 0 inconsistencies\n✅ Cross-symbol independence: PASS\n✅ Trace chain: \d+ records chained, head [0-9a-f]{64}, sha256 \(unkeyed: anyone can re-chain\)\n$/);

  expect(await smokeDone).toBe(0);
  const output = join(dir, 'market_open_validation.json');
  const report = await runCli(['report', '--log', log, '--trace', trace, '--output', output, '--smoke', join(REPO, 'reports/smoke.json')]);
  expect(report.stdout).toMatch(/^DECISION: GO$/m);
  expect(report.code).toBe(0);
  const json = reportSchema.parse(JSON.parse(readFileSync(output, 'utf8')));
  const row = (id: string) => json.criteria.find((c) => c.id === id);
  expect(json.criteria.every((c) => c.status === 'PASS')).toBe(true);
  expect(row('kill_switch')?.observed).toMatch(/^detected after \d+ ms; verified by probe \(refused TRADING_HALTED/);
  expect(json.kill_switch).toMatchObject({ verified: true, present_at_start: false, orders_after_halt: 0, probes: 3 });
  // TSLA's addition opened a second memory segment, and the row says what it judged.
  expect(json.memory.segments).toBe(2);
  expect(row('memory')?.observed).toMatch(/^judged: retained = heap used \+ external after GC, worst of 2 segments/);
  expect(json.per_symbol.TSLA?.decisions).toBeGreaterThan(0);
}, 180_000);
