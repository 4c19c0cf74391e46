/**
 * The offline commands on the files of a real drill: a spawned run with the kill switch touched
 * mid-run and --record on, then validate, report and replay as an operator would run them.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { reportSchema } from '../../src/report/schema.js';
import { digest } from '../../src/util/canonical.js';
import { readLines, readTrace, runCli, startCli, tempDir, waitForLine, writeDrillConfig } from '../helpers/cli.js';
import { rechain, renderTextLog } from '../helpers/trace-edit.js';
import { waitFor } from '../helpers/wait.js';

let dir: string;
let log: string;
let trace: string;
let capture: string;

beforeAll(async () => {
  dir = tempDir();
  log = join(dir, 'run.log');
  trace = join(dir, 'trace.jsonl');
  capture = join(dir, 'capture.jsonl');
  const config = writeDrillConfig(dir, 'memory: { sample_interval: 500ms, warmup: 2s }\n');
  const run = startCli(['run', '--config', config, '--log-file', log, '--trace-file', trace, '--record', capture, '--pid-file', join(dir, 'pid'), '--kill-switch-file', join(dir, 'HALT'), '--quiet']);
  await waitFor(() => readLines(log).filter((l) => l.includes('ORDER_FILLED')).length >= 1 && readLines(log).filter((l) => l.includes('DECISION_LOGGED')).length >= 8, 30_000);
  writeFileSync(join(dir, 'HALT'), '');
  await waitForLine(log, /FEEDS_ACTIVE/);
  await waitFor(() => readTrace(trace).filter((r) => r.event === 'MEMORY_SAMPLE' && r.growth !== null).length >= 4, 30_000);
  run.child.kill('SIGTERM');
  expect((await run.exited).code).toBe(0);
  writeFileSync(join(dir, 'smoke.json'), JSON.stringify({ passed: true }));
});

/** A copy of the trace with `edit` applied to its records (the hash chain then breaks at the edit). */
function variant(name: string, edit: (records: Array<Record<string, unknown>>) => void): string {
  const records = readTrace(trace);
  edit(records);
  const path = join(dir, name);
  writeFileSync(path, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return path;
}

/**
 * A forgery that gets past the evidence row (the run had no TRADER_TRACE_KEY, so anyone can
 * re-chain): `edit` applied, the trace re-chained and the log rewritten from it. What catches it
 * then is the row under test.
 */
function forged(name: string, edit: (records: Array<Record<string, unknown>>) => void): { trace: string; log: string } {
  const records = readTrace(trace);
  edit(records);
  rechain(records, undefined);
  const path = join(dir, name);
  writeFileSync(path, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  writeFileSync(`${path}.log`, renderTextLog(records));
  return { trace: path, log: `${path}.log` };
}

/** Where a forged record goes: before the run's summary, so the seal still closes the trace. */
const beforeSummary = (rs: Array<Record<string, unknown>>): number => rs.findIndex((r) => r.event === 'RUN_SUMMARY');

describe('trader validate', () => {
  it('passes a real run with the runbook lines', async () => {
    const r = await runCli(['validate', '--trace', trace, '--symbols', 'SPY,QQQ']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^✅ SPY: \d+ decisions, 0 inconsistencies\n✅ QQQ: \d+ decisions, 0 inconsistencies\n✅ Cross-symbol independence: PASS\n✅ Trace chain: \d+ records chained, head [0-9a-f]{64}, sha256 \(unkeyed: anyone can re-chain\)\n$/);
    const w = await runCli(['validate-determinism', '--trace', trace, '--window', '2s', '--json']);
    const json = JSON.parse(w.stdout) as { pass: boolean; symbols: Array<{ decisions: number }> };
    expect(json.pass).toBe(true);
    const all = readTrace(trace).filter((r) => r.type === 'decision').length;
    expect(json.symbols.reduce((n, s) => n + s.decisions, 0)).toBeLessThan(all);
  });

  it('flags an edited action or confidence for that symbol only, exit 1', async () => {
    const path = variant('edited.jsonl', (rs) => {
      const d = rs.find((r) => r.type === 'decision' && r.symbol === 'QQQ' && (r.inputs as { bars: unknown[] }).bars.length > 1);
      if (d) d.confidence = Number(d.confidence) === 0.5 ? 0.51 : 0.5;
    });
    const r = await runCli(['validate', '--trace', path]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✅ SPY: \d+ decisions, 0 inconsistencies/);
    expect(r.stdout).toMatch(/❌ QQQ: \d+ decisions, 1 inconsistencies/);
    expect(r.stdout).toMatch(/❌ Trace chain: chain broken at line \d+: rec_chain does not match/);
  });

  it('fails independence when a SPY decision carries QQQ data', async () => {
    const path = variant('crossed.jsonl', (rs) => {
      const spy = rs.filter((r) => r.type === 'decision' && r.symbol === 'SPY');
      const qqq = rs.find((r) => r.type === 'decision' && r.symbol === 'QQQ');
      const target = spy[3];
      if (target && qqq) target.inputs = qqq.inputs;
    });
    const r = await runCli(['validate', '--trace', path]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('❌ Cross-symbol independence: FAIL');
    expect(r.stdout).toContain('inputs carry QQQ data');
  });

  it('tolerates a cut last line with a warning, and refuses what is not a trace', async () => {
    const text = readFileSync(trace, 'utf8');
    const cut = join(dir, 'cut.jsonl');
    writeFileSync(cut, text + '{"type":"heartbeat_ok","ts":"2025-');
    const r = await runCli(['validate', '--trace', cut]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: .*last line is cut/);
    const junk = join(dir, 'junk.bin');
    writeFileSync(junk, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)));
    const bad = await runCli(['validate', '--trace', junk]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/not a trader trace/);
    expect((await runCli(['validate', '--trace', 'package.json'])).code).toBe(2);
    expect((await runCli(['validate', '--trace', join(dir, 'missing.jsonl')])).stderr).toMatch(/no such trace file/);
  });
});

describe('trader report', () => {
  const report = (t: string, extra: string[] = []) => runCli(['report', '--log', log, '--trace', t, '--output', join(dir, `${extra.length}-report.json`), '--smoke', join(dir, 'smoke.json'), ...extra]);

  it('says GO on the clean drill with the kill switch exercised, and writes the documented JSON and HTML', async () => {
    const html = join(dir, 'report.html');
    const r = await runCli(['generate-report', '--log', log, '--trace', trace, '--output', join(dir, 'go.json'), '--smoke', join(dir, 'smoke.json'), '--html', html]);
    expect(r.stdout).toMatch(/DECISION: GO$/m);
    expect(r.code).toBe(0);
    const json = reportSchema.parse(JSON.parse(readFileSync(join(dir, 'go.json'), 'utf8')));
    expect(json.criteria.map((c) => c.status)).toEqual(Array(10).fill('PASS'));
    expect(json.evidence.log.matched).toBe(readLines(log).length);
    expect(json.kill_switch.orders_after_halt).toBe(0);
    expect(json.kill_switch.detection_delay_ms).toBeLessThan(10_000);
    // The page's charts are checked in a browser by html-report.test.ts; here, that it was written whole.
    expect(readFileSync(html, 'utf8')).toMatch(/^<!doctype html>[\s\S]*id="trader-chart-data"[\s\S]*<\/html>\n$/);
    // The report's average is the runbook pipeline's average.
    const out = execFileSync('bash', ['-c', `grep "latency=" ${trace} | jq '.latency_ms' | awk '{sum+=$1; count++} END {print "Avg latency:", sum/count "ms"}'`]).toString();
    expect(Number(/Avg latency: ([\d.e+-]+)ms/.exec(out)?.[1])).toBeCloseTo(json.latency_ms.avg, 2);
  });

  it('catches an edited decision, and a re-digested one, with or without --reexecute (now a no-op)', async () => {
    const pick = (rs: Array<Record<string, unknown>>) => rs.find((r) => r.type === 'decision' && r.symbol === 'SPY' && (r.inputs as { bars: unknown[] }).bars.length > 1);
    const edited = variant('report-edited.jsonl', (rs) => {
      const d = pick(rs);
      if (d) d.confidence = Number(d.confidence) === 0.5 ? 0.51 : 0.5;
    });
    const r = await report(edited);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/re-executed, 1 inconsistencies.*FAIL/);
    const redigested = forged('report-redigested.jsonl', (rs) => {
      const d = pick(rs);
      if (!d) return;
      d.confidence = Number(d.confidence) === 0.5 ? 0.51 : 0.5;
      d.output_digest = digest({ action: d.action, confidence: d.confidence });
      d.msg = String(d.msg).replace(/confidence=[\d.]+/, `confidence=${Number(d.confidence).toFixed(2)}`);
    });
    const args = ['--log', redigested.log];
    for (const extra of [args, [...args, '--reexecute']]) {
      const full = await report(redigested.trace, extra);
      expect(full.code).toBe(1);
      expect(full.stdout).toMatch(/DECISION: NO-GO \(determinism: FAIL\)/);
      expect(full.stdout).toMatch(/re-executed, 1 inconsistencies.*FAIL/);
    }
  });

  it('says NO-GO with a staleness breach, even one the trace and log agree on', async () => {
    const path = forged('stale.jsonl', (rs) => rs.splice(beforeSummary(rs), 0, { type: 'staleness_breach', event: 'STALENESS_BREACH', level: 'warn', ts: rs[beforeSummary(rs)]?.ts, msg: 'STALENESS_BREACH: SPY last_update=6.0s max_lag=5.0s', symbol: 'SPY', age_ms: 6000 }));
    const r = await report(path.trace, ['--log', path.log]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/DECISION: NO-GO \(staleness: FAIL\)/);
  });

  it('says NO-GO when an order was accepted after the halt', async () => {
    const path = forged('late-order.jsonl', (rs) => rs.splice(beforeSummary(rs), 0, { type: 'order_submitted', event: 'ORDER_SUBMITTED', level: 'info', ts: rs[beforeSummary(rs)]?.ts, msg: 'ORDER_SUBMITTED: id=99 symbol=SPY side=BUY qty=1', symbol: 'SPY' }));
    const r = await report(path.trace, ['--log', path.log]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/kill_switch: FAIL/);
  });

  it('says NO-GO when a criterion was not exercised, unless it is waived', async () => {
    const path = forged('no-halt.jsonl', (rs) => {
      for (let i = rs.length - 1; i >= 0; i -= 1) if (rs[i]?.event === 'KILL_SWITCH_DETECTED') rs.splice(i, 1);
    });
    const r = await report(path.trace, ['--log', path.log]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/kill_switch: NOT_EXERCISED/);
    const waived = await report(path.trace, ['--log', path.log, '--waive', 'kill_switch']);
    expect(waived.code).toBe(0);
    expect(waived.stdout).toMatch(/Waived .*: kill_switch/);
    expect((await report(path.trace, ['--waive', 'bogus'])).code).toBe(2);
  });
});

describe('on worker threads', () => {
  // Chunks of about one record, so nearly every record sits on a chunk boundary.
  const threads = { env: { ...process.env, TRADER_WORKERS: '2', TRADER_CHUNK_BYTES: '1024' } };
  const inline = { env: { ...process.env, TRADER_WORKERS: '0' } };
  const without = (json: string) => {
    const { generated_at: _g, ...rest } = JSON.parse(json) as Record<string, unknown>;
    return rest;
  };

  it('validate finds the same problems on the same lines as a single pass', async () => {
    const broken = variant('broken-chain.jsonl', (rs) => {
      const spy = rs.filter((r) => r.type === 'decision' && r.symbol === 'SPY');
      const [a, b] = [spy[1], spy[3]];
      expect(a && b).toBeTruthy();
      if (a && b) [a.inputs, b.inputs] = [b.inputs, a.inputs];
      const dup = rs.find((r) => r.type === 'decision' && r.symbol === 'QQQ');
      expect(dup).toBeTruthy();
      if (dup) rs.push({ ...dup, action: dup.action === 'BUY' ? 'SELL' : 'BUY', output_digest: '0'.repeat(64) });
    });
    for (const path of [trace, broken]) {
      const one = await runCli(['validate', '--trace', path, '--json'], inline);
      const many = await runCli(['validate', '--trace', path, '--json'], threads);
      expect(many.code).toBe(one.code);
      expect(JSON.parse(many.stdout)).toEqual(JSON.parse(one.stdout));
    }
    const found = JSON.parse((await runCli(['validate', '--trace', broken, '--json'], threads)).stdout) as { pass: boolean; problems: Array<{ what: string }> };
    expect(found.pass).toBe(false);
    expect(found.problems.map((p) => p.what).join('\n')).toMatch(/bars do not continue[\s\S]*same inputs gave a different output/);
  });

  it('report gives the same figures and decision as a single pass', async () => {
    const args = (out: string) => ['report', '--log', log, '--trace', trace, '--output', join(dir, out), '--smoke', join(dir, 'smoke.json')];
    const one = await runCli(args('inline.json'), inline);
    const many = await runCli(args('threads.json'), threads);
    expect(many.code).toBe(0);
    expect(many.stdout.replace(/threads\.json/, 'inline.json')).toBe(one.stdout);
    expect(without(readFileSync(join(dir, 'threads.json'), 'utf8'))).toEqual(without(readFileSync(join(dir, 'inline.json'), 'utf8')));
  });

  it('tolerates a cut last line and names the line of a corrupt one', async () => {
    const text = readFileSync(trace, 'utf8');
    const cut = join(dir, 'cut-threads.jsonl');
    writeFileSync(cut, text + '{"type":"decision","ts":"2025-');
    const r = await runCli(['validate', '--trace', cut], threads);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: .*last line is cut/);
    const lines = text.split('\n');
    lines[9] = '{"type":"decision",';
    const corrupt = join(dir, 'corrupt-threads.jsonl');
    writeFileSync(corrupt, lines.join('\n'));
    const bad = await runCli(['validate', '--trace', corrupt], threads);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe(`trader: ${corrupt}:10: not a JSON record (the trace is corrupt in the middle, not just cut at the end)`);
  });
});

describe('trader replay', () => {
  const timing = (r: Record<string, unknown>) => {
    // The chain fields number the trace's own records, which differ between a live run and its replay.
    const { ts: _ts, latency_ms: _l, processing_us: _p, msg: _m, rec_seq: _s, rec_chain: _c, ...rest } = r;
    return rest;
  };

  it('reproduces the live decisions field for field, except the timing fields', async () => {
    const out = join(dir, 'replayed.jsonl');
    const r = await runCli(['replay', '--capture', capture, '--trace-file', out]);
    expect(r.code).toBe(0);
    const live = readTrace(trace).filter((x) => x.type === 'decision').map(timing);
    const replayed = readTrace(out).filter((x) => x.type === 'decision').map(timing);
    expect(live.length).toBeGreaterThanOrEqual(8);
    expect(replayed).toEqual(live);
    expect((await runCli(['validate', '--trace', out])).code).toBe(0);
  });

  it('keeps each symbol\'s decisions unchanged when replaying a subset', async () => {
    const out = join(dir, 'spy-only.jsonl');
    expect((await runCli(['replay', '--capture', capture, '--trace-file', out, '--symbols', 'SPY'])).code).toBe(0);
    const live = readTrace(trace).filter((x) => x.type === 'decision' && x.symbol === 'SPY').map(timing);
    const replayed = readTrace(out).filter((x) => x.type === 'decision').map(timing);
    expect(replayed).toEqual(live);
  });
});
