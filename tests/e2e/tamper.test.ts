/**
 * The tamper matrix: ONE real run's files (a spawned `trader run` on the replay feed with
 * TRADER_TRACE_KEY set, decisions made, the kill switch touched, SIGTERM), then every variant an
 * adversary or an accident could produce. Each must be NO-GO (exit 1) or refused (exit 2), with the
 * row that catches it FAILED, and `trader validate` agreeing on the trace; the one exception is the
 * trace re-serialized with other spacing and key order, which reports exactly as the original.
 *
 * Some variants are forged WITH the key (as if the key leaked): the chain then holds, and the test
 * shows the other checks (log binding, figures, determinism, kill switch) still catch them.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { reportSchema, type Report } from '../../src/report/schema.js';
import { digest } from '../../src/util/canonical.js';
import { readLines, runCli, startCli, tempDir, waitForLine, writeDrillConfig, type CliResult } from '../helpers/cli.js';
import { readRecords, rechain, renderTextLog, writeRecords, type TraceRecords } from '../helpers/trace-edit.js';
import { waitFor } from '../helpers/wait.js';

const KEY = 'tamper-test-key-0123456789';
const keyed = { env: { ...process.env, TRADER_TRACE_KEY: KEY } };
const unkeyed = (): { env: NodeJS.ProcessEnv } => {
  const env = { ...process.env };
  delete env.TRADER_TRACE_KEY;
  return { env };
};

let dir: string;
let log: string;
let trace: string;
let smoke: string;
/** Another, unkeyed run with a --log-format json log. */
let other: { log: string; trace: string };
/** `trader report` on a copy of the files taken while the run was still going. */
let whileRunning: CliResult;

beforeAll(async () => {
  dir = tempDir('trader-tamper-');
  log = join(dir, 'run.log');
  trace = join(dir, 'trace.jsonl');
  smoke = join(dir, 'smoke.json');
  writeFileSync(smoke, JSON.stringify({ passed: true }));
  other = { log: join(dir, 'other.log'), trace: join(dir, 'other.jsonl') };
  const config = writeDrillConfig(dir);
  const second = startCli(['run', '--config', config, '--duration', '4s', '--log-format', 'json', '--log-file', other.log, '--trace-file', other.trace, '--pid-file', join(dir, 'other.pid'), '--kill-switch-file', join(dir, 'OTHER_HALT'), '--quiet'], unkeyed());
  const run = startCli(['run', '--config', config, '--log-file', log, '--trace-file', trace, '--pid-file', join(dir, 'pid'), '--kill-switch-file', join(dir, 'HALT'), '--quiet'], keyed);
  const decisions = (): number => readLines(log).filter((l) => l.includes('DECISION_LOGGED')).length;
  await waitFor(() => decisions() >= 8 && readLines(log).some((l) => l.includes('ORDER_FILLED')), 40_000);
  writeFileSync(join(dir, 'HALT'), 'tamper drill\n');
  await waitForLine(log, /FEEDS_ACTIVE/);
  const atHalt = decisions();
  await waitFor(() => decisions() >= atHalt + 2, 40_000);
  copyFileSync(trace, join(dir, 'live.jsonl'));
  copyFileSync(log, join(dir, 'live.log'));
  whileRunning = await runCli(['report', '--log', join(dir, 'live.log'), '--trace', join(dir, 'live.jsonl'), '--output', join(dir, 'live-report.json'), '--smoke', smoke], keyed);
  run.child.kill('SIGTERM');
  const done = await run.exited;
  expect(done.code).toBe(0);
  const stopped = readRecords(trace).find((r) => r.event === 'RUN_STOPPED');
  // The operator's copy of the seal, on the terminal.
  expect(done.stdout).toContain(`trace sealed by RUN_STOPPED: ${readRecords(trace).length} records, chain head ${String(readRecords(trace).at(-1)?.rec_chain)} (hmac-sha256`);
  expect(stopped?.chain_records).toBe(readRecords(trace).length - 1);
  expect((await second.exited).code).toBe(0);
}, 120_000);

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
  report: Report | undefined;
  rows: Record<string, string>;
  row: (id: string) => string;
}

let n = 0;
async function report(logPath: string, tracePath: string, opts: { env: NodeJS.ProcessEnv } = keyed, extra: string[] = []): Promise<Outcome> {
  n += 1;
  const output = join(dir, `report-${n}.json`);
  const r = await runCli(['report', '--log', logPath, '--trace', tracePath, '--output', output, '--smoke', smoke, ...extra], opts);
  let parsed: Report | undefined;
  try {
    parsed = reportSchema.parse(JSON.parse(readFileSync(output, 'utf8')));
  } catch {
    parsed = undefined;
  }
  const rows = Object.fromEntries((parsed?.criteria ?? []).map((c) => [c.id, c.status]));
  return { ...r, report: parsed, rows, row: (id) => parsed?.criteria.find((c) => c.id === id)?.observed ?? '' };
}

const validate = (tracePath: string, opts: { env: NodeJS.ProcessEnv } = keyed): Promise<CliResult> => runCli(['validate', '--trace', tracePath], opts);

/** Files for one variant: the trace and the log, each copied or edited. */
function variant(name: string, edit: { trace?: (rs: TraceRecords) => void; log?: (lines: string[]) => void; rechainWithKey?: boolean; logFromTrace?: boolean }): { trace: string; log: string } {
  const t = join(dir, `${name}.jsonl`);
  const l = join(dir, `${name}.log`);
  const records = readRecords(trace);
  if (edit.trace) edit.trace(records);
  if (edit.rechainWithKey) rechain(records, KEY);
  writeRecords(t, records);
  if (edit.logFromTrace) writeFileSync(l, renderTextLog(records));
  else {
    const lines = readFileSync(log, 'utf8').split('\n').slice(0, -1);
    edit.log?.(lines);
    writeFileSync(l, lines.length ? lines.join('\n') + '\n' : '');
  }
  return { trace: t, log: l };
}

const decisionsOf = (rs: TraceRecords, symbol?: string): TraceRecords => rs.filter((r) => r.type === 'decision' && (symbol === undefined || r.symbol === symbol));
const indexAfterHalt = (rs: TraceRecords): number => rs.findIndex((r) => r.event === 'FEEDS_ACTIVE') + 1;
const forgedOrder = (ts: unknown): Record<string, unknown> => ({ type: 'order_submitted', ts, event: 'ORDER_SUBMITTED', level: 'info', msg: 'ORDER_SUBMITTED: id=999 symbol=SPY side=BUY qty=1 type=MARKET broker=paper', order_id: 999, symbol: 'SPY', side: 'BUY', qty: 1 });
/** A decision with more than one bar (so re-execution is meaningful), from the middle of the run. */
const middleDecision = (rs: TraceRecords): Record<string, unknown> => {
  const ds = decisionsOf(rs, 'SPY').filter((d) => (d.inputs as { bars: unknown[] }).bars.length > 1);
  const d = ds[Math.floor(ds.length / 2)];
  if (!d) throw new Error('no decision to edit');
  return d;
};

describe('the untouched run', () => {
  it('is intact, complete and deterministic in report and validate', async () => {
    const r = await report(log, trace);
    expect(r.rows).toMatchObject({ evidence: 'PASS', run_complete: 'PASS', determinism: 'PASS', latency: 'PASS' });
    expect(r.row('evidence')).toMatch(/hmac-sha256 \(keyed\)/);
    expect(r.report?.evidence.log.matched).toBe(readLines(log).length);
    expect(r.report?.evidence.chain.head).toBe(readRecords(trace).at(-1)?.rec_chain);
    const v = await validate(trace);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/✅ Trace chain: \d+ records chained, .*hmac-sha256 \(keyed\)/);
  });

  it('a run still in progress is refused, exit 2', () => {
    expect(whileRunning.code).toBe(2);
    expect(whileRunning.stderr.trim().split('\n')).toHaveLength(1);
    expect(whileRunning.stderr).toMatch(/still in progress \(pid \d+/);
  });

  it('an unkeyed run is shown as such, not failed; its json log binds to its trace', async () => {
    const r = await report(other.log, other.trace, unkeyed());
    expect(r.rows).toMatchObject({ evidence: 'PASS', run_complete: 'PASS' });
    expect(r.row('evidence')).toMatch(/sha256 \(unkeyed: anyone can re-chain\)/);
    expect(r.report?.evidence.log.format).toBe('json');
    // One json line edited: named by file and line.
    const lines = readFileSync(other.log, 'utf8').split('\n');
    const at = lines.findIndex((l) => l.includes('DECISION_LOGGED'));
    lines[at] = (lines[at] ?? '').replace(/confidence=[\d.]+/, 'confidence=0.99');
    const edited = join(dir, 'other-edited.log');
    writeFileSync(edited, lines.join('\n'));
    const e = await report(edited, other.trace, unkeyed());
    expect(e.rows.evidence).toBe('FAIL');
    expect(e.report?.evidence.log.first_mismatch).toContain(`${edited}:${at + 1}:`);
  });

  it('re-serialized with other spacing and key order (python3 json) reports exactly as the original', async () => {
    const re = join(dir, 'reserialized.jsonl');
    execFileSync('python3', ['-c', 'import json,sys\nout=open(sys.argv[2],"w")\nfor l in open(sys.argv[1]):\n  r=json.loads(l)\n  out.write(json.dumps(dict(reversed(list(r.items()))), indent=None, separators=(", ", " : "))+"\\n")', trace, re]);
    expect(readFileSync(re, 'utf8')).not.toBe(readFileSync(trace, 'utf8'));
    const a = await report(log, trace);
    const b = await report(log, re);
    expect(b.code).toBe(a.code);
    const strip = (x: Report | undefined) => ({ ...x, generated_at: null, inputs: null });
    expect(strip(b.report)).toEqual(strip(a.report));
    expect((await validate(re)).stdout).toBe((await validate(trace)).stdout);
  });
});

interface Case {
  name: string;
  files: () => { trace: string; log: string };
  /** Rows that must FAIL. */
  fails: string[];
  /** validate's exit code on the variant's trace. */
  validate: 0 | 1;
  /** Where the report names the problem (its evidence row or determinism row), if it must. */
  says?: RegExp;
  env?: { env: NodeJS.ProcessEnv };
}

const cases: Case[] = [
  {
    name: 'a record removed',
    files: () => variant('removed', { trace: (rs) => rs.splice(rs.indexOf(middleDecision(rs)), 1) }),
    fails: ['evidence'],
    validate: 1,
    says: /chain broken at line \d+: rec_seq is \d+, expected \d+/,
  },
  {
    name: 'a record inserted',
    files: () => variant('inserted', { trace: (rs) => rs.splice(rs.indexOf(middleDecision(rs)), 0, { ...(rs.find((r) => r.event === 'HEARTBEAT_OK') ?? {}) }) }),
    fails: ['evidence'],
    validate: 1,
    says: /chain broken at line \d+/,
  },
  {
    name: 'two records swapped',
    files: () =>
      variant('swapped', {
        trace: (rs) => {
          const i = rs.indexOf(middleDecision(rs));
          [rs[i], rs[i + 1]] = [rs[i + 1] as Record<string, unknown>, rs[i] as Record<string, unknown>];
        },
      }),
    fails: ['evidence'],
    validate: 1,
  },
  {
    name: 'a decision duplicated',
    files: () => variant('duplicated', { trace: (rs) => rs.splice(rs.indexOf(middleDecision(rs)), 0, { ...middleDecision(rs) }) }),
    fails: ['evidence'],
    validate: 1,
  },
  {
    name: 'a decision edited',
    files: () =>
      variant('edited', {
        trace: (rs) => {
          const d = middleDecision(rs);
          d.confidence = Number(d.confidence) === 0.5 ? 0.51 : 0.5;
        },
      }),
    fails: ['evidence', 'determinism'],
    validate: 1,
  },
  {
    name: 'an ORDER_SUBMITTED forged after the halt in the trace only',
    files: () => variant('order-trace', { trace: (rs) => rs.splice(indexAfterHalt(rs) + 1, 0, forgedOrder(rs[indexAfterHalt(rs)]?.ts)) }),
    fails: ['evidence', 'kill_switch'],
    validate: 1,
  },
  {
    name: 'an ORDER_SUBMITTED forged after the halt in the log only',
    files: () =>
      variant('order-log', {
        log: (lines) => {
          const at = lines.findIndex((l) => l.includes('FEEDS_ACTIVE'));
          lines.splice(at + 1, 0, `${(lines[at] ?? '').slice(0, 10)} ORDER_SUBMITTED: id=999 symbol=SPY side=BUY qty=1 type=MARKET broker=paper`);
        },
      }),
    fails: ['evidence'],
    validate: 0,
    says: /order-log\.log:\d+: differs from the trace/,
  },
  {
    name: 'an ORDER_SUBMITTED forged after the halt in both, re-chained with the key',
    files: () => variant('order-both', { trace: (rs) => rs.splice(indexAfterHalt(rs) + 1, 0, forgedOrder(rs[indexAfterHalt(rs)]?.ts)), rechainWithKey: true, logFromTrace: true }),
    // The chain and the log hold (the forger had the key); RUN_SUMMARY's order count does not, nor does the kill switch.
    fails: ['evidence', 'kill_switch'],
    validate: 0,
    says: /RUN_SUMMARY says \d+ orders submitted, the trace holds \d+/,
  },
  {
    name: 'another run\'s log',
    files: () => ({ trace, log: other.log }),
    fails: ['evidence'],
    validate: 0,
    says: /other\.log:1: /,
  },
  {
    name: 'an empty log',
    files: () => variant('empty-log', { log: (lines) => lines.splice(0) }),
    fails: ['evidence'],
    validate: 0,
    says: /empty-log\.log:1: the log ends/,
  },
  {
    name: 'a log line edited',
    files: () =>
      variant('log-edited', {
        log: (lines) => {
          const at = lines.findIndex((l) => l.includes('DECISION_LOGGED'));
          lines[at] = (lines[at] ?? '').replace(/latency=[\d.]+ms/, 'latency=1ms');
        },
      }),
    fails: ['evidence'],
    validate: 0,
  },
  {
    name: 'a killed run (trace and log cut at a line, no RUN_STOPPED)',
    files: () => variant('killed', { trace: (rs) => rs.splice(Math.floor(rs.length * 0.6)), logFromTrace: true }),
    fails: ['run_complete'],
    validate: 0,
  },
  {
    name: 'a killed run cut mid-line',
    files: () => {
      const f = variant('killed-midline', { trace: (rs) => rs.splice(Math.floor(rs.length * 0.6)), logFromTrace: true });
      const next = readFileSync(trace, 'utf8').split('\n')[readRecords(f.trace).length] ?? '';
      writeFileSync(f.trace, readFileSync(f.trace, 'utf8') + next.slice(0, 40));
      return f;
    },
    fails: ['run_complete'],
    validate: 0,
  },
  {
    name: 'the run record\'s params edited',
    files: () =>
      variant('params', {
        trace: (rs) => {
          (rs[0] as { strategy: { params: Record<string, number> } }).strategy.params.momentum_bps = 50;
        },
      }),
    fails: ['evidence'],
    validate: 1,
    says: /chain broken at line 1:/,
  },
  {
    name: 'latency_ms edited down',
    files: () =>
      variant('latency-down', {
        trace: (rs) => {
          for (const d of decisionsOf(rs)) d.latency_ms = 0.001;
        },
      }),
    fails: ['evidence', 'latency'],
    validate: 1,
  },
  {
    name: 'latency_ms edited down, re-chained with the key, log rewritten',
    files: () =>
      variant('latency-down-keyed', {
        trace: (rs) => {
          // The slowest decision made instant: its msg (and its own timestamps) still say otherwise.
          const d = decisionsOf(rs).reduce((a, b) => (Number(b.latency_ms) > Number(a.latency_ms) ? b : a));
          expect(Number(d.latency_ms)).toBeGreaterThan(0.05);
          d.latency_ms = 0;
        },
        rechainWithKey: true,
        logFromTrace: true,
      }),
    fails: ['evidence', 'latency', 'determinism'],
    validate: 1,
    says: /figures: .*disagree/,
  },
  {
    name: 'latency_ms and msg edited consistently, re-chained with the key',
    files: () =>
      variant('latency-msg', {
        trace: (rs) => {
          const d = middleDecision(rs);
          d.latency_ms = Number(d.latency_ms) + 400;
          d.msg = String(d.msg).replace(/latency=[\d.]+ms/, `latency=${Math.round(Number(d.latency_ms))}ms`);
        },
        rechainWithKey: true,
        logFromTrace: true,
      }),
    fails: ['evidence', 'latency', 'determinism'],
    validate: 1,
    says: /latency_ms [\d.]+ disagrees with ts − trigger_ts/,
  },
  {
    name: 'one symbol\'s decisions all removed, re-chained with the key, log rewritten',
    files: () =>
      variant('no-qqq', {
        trace: (rs) => {
          for (const d of decisionsOf(rs, 'QQQ')) rs.splice(rs.indexOf(d), 1);
        },
        rechainWithKey: true,
        logFromTrace: true,
      }),
    fails: ['determinism', 'evidence'],
    validate: 1,
    says: /no decisions for QQQ/,
  },
  {
    name: 'a decision edited and re-digested, re-chained with the key, log rewritten',
    files: () =>
      variant('redigested', {
        trace: (rs) => {
          const d = middleDecision(rs);
          d.confidence = Number(d.confidence) === 0.5 ? 0.51 : 0.5;
          d.output_digest = digest({ action: d.action, confidence: d.confidence });
          d.msg = String(d.msg).replace(/confidence=[\d.]+/, `confidence=${Number(d.confidence).toFixed(2)}`);
        },
        rechainWithKey: true,
        logFromTrace: true,
      }),
    fails: ['determinism'],
    validate: 1,
  },
  {
    name: 'a record appended after RUN_STOPPED, re-chained with the key',
    files: () => variant('after-stop', { trace: (rs) => rs.push(forgedOrder(rs.at(-1)?.ts)), rechainWithKey: true, logFromTrace: true }),
    fails: ['evidence'],
    validate: 1,
    says: /record\(s\) after RUN_STOPPED/,
  },
  {
    name: 'edited and re-chained without the key (run record still says hmac-sha256)',
    files: () => {
      const f = variant('rechained-unkeyed', { trace: (rs) => rs.splice(rs.indexOf(middleDecision(rs)), 1) });
      const rs = readRecords(f.trace);
      rechain(rs, undefined, 'hmac-sha256');
      writeRecords(f.trace, rs);
      return f;
    },
    fails: ['evidence'],
    validate: 1,
    says: /chain broken at line 1:/,
  },
  {
    name: 'edited and re-chained without the key, relabelled sha256',
    files: () => {
      const f = variant('relabelled', { trace: (rs) => rs.splice(rs.indexOf(middleDecision(rs)), 1) });
      const rs = readRecords(f.trace);
      rechain(rs, undefined);
      writeRecords(f.trace, rs);
      writeFileSync(f.log, renderTextLog(rs));
      return f;
    },
    fails: ['evidence'],
    validate: 1,
    says: /unkeyed \(sha256\) but TRADER_TRACE_KEY is set/,
  },
  {
    name: 'a keyed trace reported without the key',
    files: () => ({ trace, log }),
    fails: ['evidence'],
    validate: 1,
    says: /keyed \(hmac-sha256\) but TRADER_TRACE_KEY is not set/,
    env: unkeyed(),
  },
];

describe('the runbook\'s thresholds, not the config\'s', () => {
  it('a data age over 5 s fails staleness without any STALENESS_BREACH, and a looser max_lag is flagged', async () => {
    // Written as a runner with staleness.max_lag 10s would have (chain and log consistent, with the key).
    const files = variant('loose-config', {
      trace: (rs) => {
        (rs[0] as { thresholds: { max_lag_ms: number } }).thresholds.max_lag_ms = 10_000;
        const hb = rs.find((r) => r.event === 'HEARTBEAT_OK' && r.symbol === 'QQQ');
        if (!hb) throw new Error('no heartbeat');
        hb.last_update_ms = 6000;
        hb.msg = String(hb.msg).replace(/last_update=[\d.]+s/, 'last_update=6.0s');
      },
      rechainWithKey: true,
      logFromTrace: true,
    });
    const r = await report(files.log, files.trace);
    expect(r.code).toBe(1);
    expect(r.rows).toMatchObject({ evidence: 'PASS', staleness: 'FAIL' });
    expect(r.row('staleness')).toMatch(/^0 breaches; max heartbeat age 6\.0 s.*FLAG: the run's staleness\.max_lag 10 s is looser than the runbook's 5 s$/);
  });
});

describe('a run killed with SIGKILL', () => {
  it('is NO-GO on run_complete (its pid is gone: not "in progress"), its chain intact', async () => {
    const d = tempDir('trader-killed-');
    const files = { log: join(d, 'run.log'), trace: join(d, 'trace.jsonl') };
    const run = startCli(['run', '--config', writeDrillConfig(d), '--log-file', files.log, '--trace-file', files.trace, '--pid-file', join(d, 'pid'), '--kill-switch-file', join(d, 'HALT'), '--quiet'], keyed);
    await waitFor(() => readLines(files.log).filter((l) => l.includes('DECISION_LOGGED')).length >= 4, 40_000);
    run.child.kill('SIGKILL');
    expect((await run.exited).signal).toBe('SIGKILL');
    const r = await report(files.log, files.trace);
    expect(r.code).toBe(1);
    expect(r.rows).toMatchObject({ run_complete: 'FAIL', determinism: 'PASS' });
    expect(r.report?.evidence.chain.pass).toBe(true);
    // The trace line is written just before its log line: a kill between the two leaves the log one line short.
    if (!r.report?.evidence.log.pass) expect(r.report?.evidence.log.first_mismatch).toMatch(/the log ends, but .*trace\.jsonl:\d+ is a logged record/);
    expect(r.row('run_complete')).toMatch(/no RUN_STOPPED: the run was killed or crashed/);
    const v = await validate(files.trace);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/Trace not sealed/);
  });
});

describe('the tamper matrix', () => {
  it('has at least 20 variants', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  for (const c of cases) {
    it(`${c.name}: NO-GO with ${c.fails.join(', ')} FAILED; validate exit ${c.validate}`, async () => {
      const files = c.files();
      const r = await report(files.log, files.trace, c.env ?? keyed);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toMatch(/DECISION: NO-GO/);
      for (const id of c.fails) expect(r.rows[id], `${id}: ${r.row(id)}`).toBe('FAIL');
      if (c.says) expect(`${r.row('evidence')}\n${r.row('determinism')}`).toMatch(c.says);
      const v = await validate(files.trace, c.env ?? keyed);
      expect(v.code, v.stdout).toBe(c.validate);
      // One answer: validate fails exactly when the report's determinism row or its chain fails.
      const chainFailed = r.report?.evidence.chain.pass === false;
      expect(v.code === 1).toBe(r.rows.determinism === 'FAIL' || chainFailed);
    });
  }

  it('gives the same answers on worker threads, records cut across chunk boundaries', async () => {
    // Chunks of about one record: every link and every log line is checked across a boundary.
    const threads = { env: { ...keyed.env, TRADER_WORKERS: '2', TRADER_CHUNK_BYTES: '1024' } };
    const inline = { env: { ...keyed.env, TRADER_WORKERS: '0' } };
    const strip = (x: Report | undefined) => ({ ...x, generated_at: null, inputs: null });
    for (const name of ['a record removed', 'a log line edited', 'latency_ms and msg edited consistently, re-chained with the key', 'a killed run cut mid-line']) {
      const c = cases.find((k) => k.name.startsWith(name));
      if (!c) throw new Error(name);
      const files = c.files();
      const [one, many] = [await report(files.log, files.trace, inline), await report(files.log, files.trace, threads)];
      expect(many.code).toBe(one.code);
      expect(strip(many.report)).toEqual(strip(one.report));
      expect((await validate(files.trace, threads)).stdout).toBe((await validate(files.trace, inline)).stdout);
    }
  });

  it('--waive on a FAILED row is exit 2 naming it; a NOT_EXERCISED row can still be waived', async () => {
    const files = variant('waive', { trace: (rs) => rs.splice(rs.indexOf(middleDecision(rs)), 1) });
    const r = await report(files.log, files.trace, keyed, ['--waive', 'evidence']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--waive evidence: the evidence row FAILED/);
    const ok = await report(log, trace, keyed, ['--smoke', join(dir, 'no-smoke.json'), '--waive', 'smoke']);
    expect(ok.rows.evidence).toBe('PASS');
    expect(ok.rows.smoke).toBe('WAIVED');
  });
});
