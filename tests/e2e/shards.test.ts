/**
 * Shards end to end, the real CLI on real files: `trader run --shard i/N` on the embedded replay
 * feed (each shard keeps the symbols it owns, names the others', heartbeats idle when it owns none,
 * takes a SIGUSR1 addition only when it owns it), then `trader validate` and `trader report` over
 * the shard set with one verdict; a missing shard, a shard started twice, a symbol in the wrong
 * shard and shards of different N are each caught. Last, the proof of determinism at scale: three
 * shards and one unsharded run on one shared replay feed make the same decisions.
 *
 * Partition of the fixture symbols among 3 shards (FNV-1a 32 mod 3, + 1): SPY 2, TSLA 2, QQQ 3,
 * BTC-USD 3, ETH-USD 3; shard 1 owns none of them.
 */
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportSchema } from '../../src/report/schema.js';
import { readLines, readTrace, REPO, runCli, startCli, startFeedServerCli, tempDir, waitForLine, type RunningCli } from '../helpers/cli.js';
import { readRecords, rechain, renderTextLog, writeRecords } from '../helpers/trace-edit.js';
import { waitFor } from '../helpers/wait.js';

const FIXTURES = join(REPO, 'fixtures/data');

function shardConfig(dir: string, symbols: string): string {
  const path = join(dir, 'shards.yaml');
  writeFileSync(
    path,
    `symbols: [${symbols}]
max_positions: 2
feeds:
  replay: { speed: 20, fixtures: ${FIXTURES} }
decision:
  bar_interval: 1s
  strategy:
    params: { lookback_bars: 1, momentum_bps: 0.2, vwap_band_bps: 0.2 }
staleness: { heartbeat_interval: 1s }
memory: { sample_interval: 500ms, warmup: 3s }
`,
  );
  return path;
}

const decided = (log: string, symbol: string): boolean => readLines(log).some((l) => l.includes(`DECISION_LOGGED: symbol=${symbol} `));
const memorySamples = (trace: string, segment: number): number => readTrace(trace).filter((r) => r.event === 'MEMORY_SAMPLE' && r.segment === segment).length;

describe('--shard', () => {
  it('refuses an index beyond the count in one line, exit 2, writing nothing', async () => {
    const dir = tempDir();
    for (const [shard, message] of [
      ['3/2', /^trader: --shard 3\/2: shard index 3 is beyond the 2 shards\n$/],
      ['0/2', /^trader: --shard 0\/2: shard indices start at 1/],
      ['2', /^trader: --shard 2: expected i\/N/],
      ['1/300', /^trader: --shard 1\/300: the shard count must be 1 to 256/],
    ] as const) {
      const r = await runCli(['run', '--config', shardConfig(dir, 'SPY, QQQ'), '--shard', shard, '--duration', '2s', '--quiet'], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(existsSync(join(dir, 'logs'))).toBe(false);
  });
});

describe('a run in 3 shards on the embedded replay feed', () => {
  const dir = tempDir();
  const logs = join(dir, 'logs');
  const log = (i: number): string => join(logs, `market_open_validation.shard-${i}-of-3.log`);
  const trace = (i: number): string => join(logs, `validation_trace.shard-${i}-of-3.jsonl`);
  // A shard 2/3 started a second time by mistake, and one shard of a run split in 2.
  const dup = { log: join(dir, 'dup', 'dup.log'), trace: join(dir, 'dup', 'dup.jsonl') };
  const half = { log: join(dir, 'half', 'half.log'), trace: join(dir, 'half', 'half.jsonl') };
  const halt = join(dir, 'FLAG_TRADING_HALTED');
  let config = '';
  const runs: RunningCli[] = [];

  beforeAll(async () => {
    config = shardConfig(dir, 'SPY, QQQ, TSLA, BTC-USD');
    mkdirSync(join(dir, 'dup'));
    // The config as the set started with it (same digest), for the shard started again later.
    const started = shardConfig(join(dir, 'dup'), 'SPY, QQQ, TSLA, BTC-USD');
    mkdirSync(join(dir, 'half'));
    const common = ['run', '--config', config, '--kill-switch-file', halt, '--quiet'];
    // The operator names no file: each shard's log, trace and pid file get its own suffix.
    for (const i of [1, 2, 3]) runs.push(startCli([...common, '--shard', `${i}/3`], { cwd: dir }));
    for (const i of [1, 2, 3]) await waitForLine(join(logs, `runner.shard-${i}-of-3.pid`), /^\d+$/, 30_000);
    await waitFor(() => decided(log(2), 'SPY') && decided(log(2), 'TSLA') && decided(log(3), 'QQQ') && decided(log(3), 'BTC-USD'), 60_000);
    await waitFor(() => [1, 2, 3].every((i) => memorySamples(trace(i), 0) >= 2), 60_000);
    // A shard 2/3 started a second time by mistake, while the set runs (shards of one run overlap in time).
    const short = ['run', '--config', started, '--kill-switch-file', join(dir, 'NO_HALT'), '--quiet', '--duration', '4s'];
    const again = startCli([...short, '--shard', '2/3', '--log-file', dup.log, '--trace-file', dup.trace, '--pid-file', join(dir, 'dup', 'dup.pid')], { cwd: dir });
    runs.push(again);
    expect((await again.exited).code).toBe(0);
    // T+10 of the runbook: ETH-USD joins the config; every shard is signalled, only its owner (3/3) takes it.
    writeFileSync(config, readFileSync(config, 'utf8').replace('symbols: [SPY, QQQ, TSLA, BTC-USD]', 'symbols: [SPY, QQQ, TSLA, BTC-USD, ETH-USD]'));
    for (const r of runs.slice(0, 3)) r.child.kill('SIGUSR1');
    await waitForLine(log(3), /SYMBOL_ADDED: symbol=ETH-USD/, 20_000);
    await waitFor(() => decided(log(3), 'ETH-USD') && memorySamples(trace(3), 1) >= 2, 60_000);
    // The kill switch is one file for every shard on this host: each halts and proves it.
    writeFileSync(halt, '');
    for (const l of [log(1), log(2), log(3)]) await waitForLine(l, /KILL_SWITCH_VERIFIED/, 30_000);
    for (const r of runs) r.child.kill('SIGTERM');
    for (const r of runs) expect((await r.exited).code).toBe(0);
    // Then, after the set (2 cores are shared): one shard of a run split in 2.
    const extra = [startCli([...short, '--shard', '1/2', '--log-file', half.log, '--trace-file', half.trace, '--pid-file', join(dir, 'half', 'half.pid')], { cwd: dir })];
    runs.push(...extra);
    for (const r of extra) expect((await r.exited).code).toBe(0);
  }, 240_000);

  afterAll(() => {
    for (const r of runs) if (r.child.exitCode === null) r.child.kill('SIGKILL');
  });

  it('each shard runs only the symbols it owns, names the others\' shard, and a shard with none heartbeats idle', () => {
    expect(readTrace(trace(2))[0]).toMatchObject({ symbols: ['SPY', 'TSLA'], shard: { index: 2, count: 3, partition: 'fnv1a32', symbols_all: ['SPY', 'QQQ', 'TSLA', 'BTC-USD'] } });
    expect(readTrace(trace(3))[0]).toMatchObject({ symbols: ['QQQ', 'BTC-USD'], shard: { index: 3, count: 3 } });
    expect(readTrace(trace(1))[0]).toMatchObject({ symbols: [], shard: { index: 1, count: 3 } });
    // max_positions 2 over 3 shards on the replay feed: quotas 1, 1, 0 — together no more than one process.
    expect([1, 2, 3].map((i) => (readTrace(trace(i))[0] as { thresholds: { max_positions: number } }).thresholds.max_positions)).toEqual([1, 1, 0]);
    expect(readLines(log(2))).toContainEqual(expect.stringMatching(/SHARD_SYMBOL_SKIPPED: symbol=QQQ belongs to shard 3\/3, not this shard 2\/3/));
    expect(readLines(log(1))).toContainEqual(expect.stringMatching(/SHARD_ASSIGNED: shard=1\/3 partition=fnv1a32 symbols=none of SPY,QQQ,TSLA,BTC-USD/));
    expect(readLines(log(1)).filter((l) => l.includes('HEARTBEAT_IDLE: symbols=none')).length).toBeGreaterThan(1);
    // The SIGUSR1 addition went to its owner only; the others named it once.
    for (const i of [1, 2]) {
      expect(readLines(log(i))).toContainEqual(expect.stringMatching(/SHARD_SYMBOL_SKIPPED: symbol=ETH-USD belongs to shard 3\/3/));
      expect(readLines(log(i)).some((l) => l.includes('symbol=ETH-USD') && l.includes('DECISION_LOGGED'))).toBe(false);
    }
    for (const i of [1, 2, 3]) expect(readLines(log(i)).filter((l) => /ERROR|EXCEPTION/.test(l))).toEqual([]);
  });

  it('validate over the directory: one verdict, exit 0', async () => {
    const r = await runCli(['validate', '--trace', logs]);
    expect(r.stdout).toMatch(/^Shards: 3 trace\(s\) of 3 shards \(partition fnv1a32\)$/m);
    for (const [s, i] of [['SPY', 2], ['TSLA', 2], ['QQQ', 3], ['BTC-USD', 3], ['ETH-USD', 3]] as const) expect(r.stdout).toMatch(new RegExp(`^✅ ${s}: [1-9]\\d* decisions, 0 inconsistencies \\(shard ${i}/3\\)$`, 'm'));
    expect(r.stdout).toMatch(/^✅ Shards complete: 3 of 3 shards present, each once/m);
    expect(r.stdout).toMatch(/^✅ Symbol partition: each of 5 symbols in exactly one shard/m);
    expect(r.stdout).toMatch(/^✅ Trace chains: 3 of 3 shards' chains verified/m);
    expect(r.code).toBe(0);
  });

  it('report over a glob: GO, every row over the set', async () => {
    const output = join(dir, 'report.json');
    const r = await runCli(['report', '--trace', join(logs, '*.jsonl'), '--output', output, '--smoke', join(dir, 'no-smoke.json'), '--waive', 'smoke']);
    expect(r.stdout).toMatch(/^DECISION: GO$/m);
    expect(r.code).toBe(0);
    const json = reportSchema.parse(JSON.parse(readFileSync(output, 'utf8')));
    expect(json.criteria.map((c) => [c.id, c.status])).toEqual([
      ['shards_complete', 'PASS'], ['shard_partition', 'PASS'], ['run_complete', 'PASS'], ['evidence', 'PASS'], ['staleness', 'PASS'], ['determinism', 'PASS'],
      ['latency', 'PASS'], ['kill_switch', 'PASS'], ['errors', 'PASS'], ['reconnects', 'PASS'], ['memory', 'PASS'], ['smoke', 'WAIVED'],
    ]);
    expect(Object.keys(json.per_symbol).sort()).toEqual(['BTC-USD', 'ETH-USD', 'QQQ', 'SPY', 'TSLA']);
    // The latency row is over every shard's decisions.
    const decisions = Object.values(json.per_symbol).reduce((n, s) => n + s.decisions, 0);
    expect(json.latency_ms.count).toBe(decisions);
    expect(json.shards?.map((s) => [s.index, s.log])).toEqual([[1, log(1)], [2, log(2)], [3, log(3)]]);
    // Alone, the shard that owns no symbol has nothing to decide; the set has.
    expect(json.shards?.[0]?.decision).toBe('NO-GO');
  });

  it('a missing shard: NO-GO naming it (validate exit 1, report exit 1)', async () => {
    const v = await runCli(['validate', '--trace', trace(1), trace(3)]);
    expect(v.stdout).toMatch(/^❌ Shards complete: 2 of 3 shards present: shard 2\/3 missing \(its symbols SPY,TSLA unchecked\)$/m);
    expect(v.code).toBe(1);
    const output = join(dir, 'missing.json');
    const r = await runCli(['report', '--trace', trace(1), trace(3), '--output', output, '--smoke', join(dir, 'no-smoke.json'), '--waive', 'smoke']);
    expect(r.stdout).toMatch(/^DECISION: NO-GO \(.*shards_complete: FAIL/m);
    expect(r.code).toBe(1);
    const json = reportSchema.parse(JSON.parse(readFileSync(output, 'utf8')));
    expect(json.criteria.find((c) => c.id === 'shards_complete')?.observed).toMatch(/shard 2\/3 missing/);
  });

  it('shards of different N: one line, exit 2, for validate and report', async () => {
    const v = await runCli(['validate', '--trace', trace(1), half.trace]);
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/^trader: .*half\.jsonl \(shard 1\/2\) is one of 2 shards but .*shard-1-of-3\.jsonl \(shard 1\/3\) is one of 3: shards of one run are started with the same N\n$/);
    const r = await runCli(['report', '--trace', trace(1), trace(2), trace(3), half.trace, '--log', logs, join(dir, 'half'), '--output', join(dir, 'n.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(dir, 'n.json'))).toBe(false);
  });

  it('a shard started twice: its symbols are in two shards, FAIL', async () => {
    const v = await runCli(['validate', '--trace', logs, dup.trace]);
    expect(v.stdout).toMatch(/^❌ Symbol partition: .*SPY in 2 shards \(shard 2\/3, shard 2\/3\)/m);
    expect(v.stdout).toMatch(/^❌ Shards complete: .*shard 2\/3 given 2×/m);
    expect(v.code).toBe(1);
    const output = join(dir, 'dup.json');
    // The logs: one directory for the set, the extra shard's log by name.
    const r = await runCli(['report', '--trace', logs, dup.trace, '--log', logs, dup.log, '--output', output, '--smoke', join(dir, 'no-smoke.json'), '--waive', 'smoke']);
    expect(r.code).toBe(1);
    const json = reportSchema.parse(JSON.parse(readFileSync(output, 'utf8')));
    expect(json.criteria.find((c) => c.id === 'shard_partition')).toMatchObject({ status: 'FAIL', observed: expect.stringMatching(/TSLA in 2 shards/) });
  });

  it('a shard of another day beside today\'s: they never ran at the same time, so they are not one run (exit 2)', async () => {
    // Shard 2's trace moved a day later, re-chained as a writer would have chained it: same config,
    // same N, same symbols, yet not today's run (a shard that failed to start leaves yesterday's files).
    const stale = join(dir, 'stale');
    mkdirSync(stale);
    const DAY = 86_400_000;
    for (const i of [1, 2, 3]) {
      const records = readRecords(trace(i));
      if (i === 2) {
        for (const r of records as Array<Record<string, unknown>>) {
          for (const k of ['ts', 'started_at']) if (typeof r[k] === 'string') r[k] = new Date(Date.parse(r[k] as string) + DAY).toISOString();
        }
        rechain(records, undefined);
      }
      writeRecords(join(stale, `t${i}.jsonl`), records);
      writeFileSync(join(stale, `t${i}.log`), renderTextLog(records));
    }
    for (const cmd of [['validate', '--trace', stale], ['report', '--trace', stale, '--output', join(dir, 'stale.json')]]) {
      const r = await runCli(cmd);
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toMatch(/never ran at the same time, so they are not shards of one run/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('a symbol in the wrong shard (a shard that partitioned differently): FAIL', async () => {
    // Shards 1 and 3 swap their indices in the run records, re-chained as a writer would have chained them.
    const forged = join(dir, 'forged');
    mkdirSync(forged);
    for (const [from, to] of [[1, 3], [3, 1], [2, 2]] as const) {
      const records = readRecords(trace(from));
      (records[0] as { shard: { index: number } }).shard.index = to;
      rechain(records, undefined);
      writeRecords(join(forged, `t${to}.jsonl`), records);
      writeFileSync(join(forged, `t${to}.log`), renderTextLog(records));
    }
    const v = await runCli(['validate', '--trace', forged]);
    expect(v.stdout).toMatch(/^✅ Shards complete/m);
    expect(v.stdout).toMatch(/^❌ Symbol partition: .*QQQ in shard 1\/3 but owned by shard 3\/3/m);
    expect(v.stdout).toMatch(/^✅ Trace chains/m);
    expect(v.code).toBe(1);
    const r = await runCli(['report', '--trace', forged, '--output', join(dir, 'forged.json'), '--smoke', join(dir, 'no-smoke.json'), '--waive', 'smoke']);
    expect(r.stdout).toMatch(/^DECISION: NO-GO \(.*shard_partition: FAIL/m);
    expect(r.code).toBe(1);
    // Forged as a writer would have written them: the evidence holds, the partition does not.
    const json = reportSchema.parse(JSON.parse(readFileSync(join(dir, 'forged.json'), 'utf8')));
    expect(json.criteria.find((c) => c.id === 'evidence')?.status).toBe('PASS');
  });
});

/**
 * The proof of determinism at scale. Each embedded replay feed stamps events with its own wall
 * clock, so two processes with their own feeds never see the same stream; here all four runs
 * share one `trader feed-server` replaying the fixtures, which holds its session for 20 s from the
 * first subscription (four CLIs start well inside that, even on a loaded 2-core host; before, 12 s),
 * then sends each symbol's events once, to every run that subscribed it. The runs stop at slightly different moments, so the comparison is over the bars
 * both sides decided; a bar only one side decided must be past the other's last (the stop edge).
 */
it('the union of 3 shards\' decisions equals one process\'s, decision for decision', async () => {
  const dir = tempDir();
  const hold = join(dir, 'hold.yaml');
  writeFileSync(hold, 'stall: { after_ms: 0, for_ms: 20000 }\n');
  const config = join(dir, 'native.yaml');
  writeFileSync(
    config,
    `symbols: [SPY, QQQ, TSLA, BTC-USD, ETH-USD]
max_positions: 2
feeds:
  primary: { venue: native }
  # The held session sends nothing, pongs included, for 20 s: neither a half-open connection (2 s + 30 s) nor a stale symbol (30 s).
  connection: { ping_interval: 2s, ping_timeout: 30s }
decision:
  bar_interval: 1s
  strategy:
    params: { lookback_bars: 1, momentum_bps: 0.2, vwap_band_bps: 0.2 }
staleness: { max_lag: 30s, heartbeat_interval: 1s }
`,
  );
  const feed = await startFeedServerCli(['--speed', '20', '--scenario', hold]);
  const names = ['s1', 's2', 's3', 'one'];
  const args = (name: string): string[] => ['run', '--config', config, '--feed-url', feed.url, '--log-file', join(dir, `${name}.log`), '--trace-file', join(dir, `${name}.jsonl`), '--pid-file', join(dir, `${name}.pid`), '--kill-switch-file', join(dir, 'HALT'), '--quiet'];
  const runs = [1, 2, 3].map((i) => startCli([...args(`s${i}`), '--shard', `${i}/3`])).concat(startCli(args('one')));
  try {
    const decisions = (name: string): Array<Record<string, unknown>> => readTrace(join(dir, `${name}.jsonl`)).filter((r) => r.type === 'decision');
    const enough = (name: string, symbols: string[]): boolean => symbols.every((s) => decisions(name).filter((d) => d.symbol === s).length >= 8);
    await waitFor(() => enough('one', ['SPY', 'QQQ', 'TSLA', 'BTC-USD', 'ETH-USD']) && enough('s2', ['SPY', 'TSLA']) && enough('s3', ['QQQ', 'BTC-USD', 'ETH-USD']), 120_000);
    for (const r of runs) r.child.kill('SIGTERM');
    for (const r of runs) expect((await r.exited).code).toBe(0);

    // Wall-clock and chain fields aside (ts, latency_ms, processing_us, the latency in msg, rec_seq, rec_chain), every field is compared.
    const key = (d: Record<string, unknown>): string => `${String(d.symbol)} ${String(d.bar_start)}`;
    const comparable = (d: Record<string, unknown>): string => {
      const { ts: _ts, latency_ms: _l, processing_us: _p, rec_seq: _s, rec_chain: _c, msg, ...rest } = d;
      return JSON.stringify({ ...rest, msg: String(msg).replace(/ latency=\S+/, '') });
    };
    const single = new Map(decisions('one').map((d) => [key(d), d]));
    const union = new Map<string, Record<string, unknown>>();
    for (const name of names.slice(0, 3)) for (const d of decisions(name)) {
      expect(union.has(key(d)), `${key(d)} decided by two shards`).toBe(false);
      union.set(key(d), d);
    }
    expect(decisions('s1')).toEqual([]);
    let compared = 0;
    for (const symbol of ['SPY', 'QQQ', 'TSLA', 'BTC-USD', 'ETH-USD']) {
      const bars = (m: Map<string, Record<string, unknown>>): number[] => [...m.values()].filter((d) => d.symbol === symbol).map((d) => Number(d.bar_start));
      const a = bars(single);
      const b = bars(union);
      const both = a.filter((x) => b.includes(x));
      expect(both.length, `${symbol}: bars decided by both`).toBeGreaterThanOrEqual(8);
      // Both sides start at the same first bar; only the stop edge may differ.
      expect(Math.min(...a)).toBe(Math.min(...b));
      const lastCommon = Math.max(...both);
      expect([...a, ...b].filter((x) => !both.includes(x) && x < lastCommon), `${symbol}: bars inside the common span decided by one side only`).toEqual([]);
      for (const bar of both) {
        const k = `${symbol} ${bar}`;
        expect(comparable(union.get(k) as Record<string, unknown>), k).toBe(comparable(single.get(k) as Record<string, unknown>));
        compared += 1;
      }
    }
    expect(compared).toBeGreaterThanOrEqual(40);
  } finally {
    for (const r of runs) if (r.child.exitCode === null) r.child.kill('SIGKILL');
    feed.cli.child.kill('SIGTERM');
    await feed.cli.exited;
  }
}, 180_000);
