/**
 * Data the runner may trust, end to end: the spawned runner against a spawned feed server (or its
 * embedded replay feed) sending poison ticks, a symbol whose every event is implausible, a symbol
 * the feed does not know, and a gap flood.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLines, readTrace, runCli, startCli, startFeedServerCli, tempDir, waitForLine, writeDrillConfig, type RunningCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

type Row = Record<string, unknown>;
interface SymbolSummary {
  events: number;
  accepted: number;
  dropped: number;
  held: number;
  gaps: number;
  decisions: number;
  by_kind: Record<string, number>;
}

function runner(dir: string, cfg: string, extra: string[] = []): RunningCli {
  return startCli(['run', '--config', cfg, '--log-file', join(dir, 'run.log'), '--trace-file', join(dir, 'trace.jsonl'), '--pid-file', join(dir, 'pid'), '--kill-switch-file', join(dir, 'HALT'), '--quiet', ...extra]);
}

/** The runner first, then its feed server: stopped together, the server could close first and the run would log a disconnect. */
async function stop(...clis: RunningCli[]): Promise<void> {
  for (const c of clis) {
    c.child.kill('SIGTERM');
    expect((await c.exited).code).toBe(0);
  }
}

const trace = (dir: string): Row[] => readTrace(join(dir, 'trace.jsonl'));
const decisionsOf = (rows: Row[], symbol: string): Row[] => rows.filter((r) => r.type === 'decision' && r.symbol === symbol);
const summaryOf = (rows: Row[]): Record<string, SymbolSummary> => (rows.find((r) => r.event === 'RUN_SUMMARY') as { perSymbol: Record<string, SymbolSummary> }).perSymbol;
/** The exact count a rate-limited kind reached: the highest `total` among its lines (the stop flushes the rest). */
const lastTotal = (rows: Row[], event: string, symbol: string, kind?: string): number =>
  Math.max(0, ...rows.filter((r) => r.event === event && r.symbol === symbol && (kind === undefined || r.kind === kind)).map((r) => Number(r.total)));

describe('poison ticks through a real socket', () => {
  it('keeps deciding on good data: a year-2100 stamp, seq 2^53 and a $0.01 x 1,000,000 print are counted, logged rate-limited, never decided on; replay agrees', async () => {
    const dir = tempDir();
    const feed = await startFeedServerCli(['--speed', '20', '--poison-every', '200ms']);
    const capture = join(dir, 'capture.jsonl');
    const run = runner(dir, writeDrillConfig(dir), ['--feed', 'native', '--feed-url', feed.url, '--record', capture]);
    await waitFor(() => {
      const rows = trace(dir);
      return lastTotal(rows, 'EVENT_REJECTED', 'SPY', 'outlier') >= 10 && ['SPY', 'QQQ'].every((s) => decisionsOf(rows, s).length >= 8);
    }, 60_000);
    await stop(run, feed.cli);
    const rows = trace(dir);
    const summary = summaryOf(rows);

    for (const [symbol, lo, hi] of [['SPY', 600, 700], ['QQQ', 520, 620]] as const) {
      const s = summary[symbol];
      expect(s).toBeDefined();
      if (!s) continue;
      // Every poison round: the 2100 stamp and the lone 2^53 seq are bad values, the $0.01 print an outlier.
      expect(s.by_kind.outlier).toBeGreaterThanOrEqual(10);
      expect(s.by_kind.bad_value).toBeGreaterThanOrEqual(2 * s.by_kind.outlier - 2);
      expect(s.events).toBe(s.accepted + s.dropped + s.held);
      // Exact counts in the trace's rate-limited records too.
      expect(lastTotal(rows, 'EVENT_REJECTED', symbol, 'outlier')).toBe(s.by_kind.outlier);
      expect(lastTotal(rows, 'EVENT_REJECTED', symbol, 'bad_value')).toBe(s.by_kind.bad_value);
      // The symbol kept deciding after the first bad tick, and no decision saw the bad print.
      const firstBad = rows.findIndex((r) => r.event === 'EVENT_REJECTED' && r.symbol === symbol);
      expect(rows.slice(firstBad).filter((r) => r.type === 'decision' && r.symbol === symbol).length).toBeGreaterThanOrEqual(5);
      for (const d of decisionsOf(rows, symbol)) {
        const inputs = d.inputs as { session_vwap: number; bars: Array<{ low: number; high: number; vwap: number }> };
        expect(inputs.session_vwap).toBeGreaterThan(lo);
        expect(inputs.session_vwap).toBeLessThan(hi);
        for (const b of inputs.bars) expect([b.low > lo, b.high < hi, b.vwap > lo]).toEqual([true, true, true]);
      }
    }
    // Rate-limited: far fewer lines than bad events, at most about one per kind per symbol per second.
    const rejectedLines = rows.filter((r) => r.event === 'EVENT_REJECTED');
    const rejectedEvents = Object.values(summary).reduce((n, s) => n + s.by_kind.bad_value + s.by_kind.outlier, 0);
    expect(rejectedLines.length).toBeLessThan(rejectedEvents / 2);
    const seconds = Number((rows.find((r) => r.event === 'RUN_SUMMARY') as { durationMs: number }).durationMs) / 1000;
    expect(rejectedLines.length).toBeLessThanOrEqual(2 * 2 * 2 * (seconds + 2));
    const log = readLines(join(dir, 'run.log'));
    expect(log.find((l) => l.includes('EVENT_REJECTED: symbol=SPY kind=bad_value'))).toMatch(/WARN EVENT_REJECTED: symbol=SPY kind=bad_value seq=\d+ detail="(exchange time 2100-01-01T00:00:00\.000Z is [\d.]+y from receipt|seq=9007199254740992 jumped)/);
    expect(log.find((l) => l.includes('EVENT_REJECTED: symbol=SPY kind=outlier'))).toMatch(/detail="trade p=0\.01 s=1000000 outside ±10% of reference 6\d\d/);
    // Not one line per event, and no parse errors: the bad ticks were well-formed frames.
    expect(log.filter((l) => /ERROR|EXCEPTION/.test(l))).toEqual([]);

    // Replay of the capture: the same decisions, field for field in what decides.
    const replayed = join(dir, 'replay.jsonl');
    expect((await runCli(['replay', '--capture', capture, '--trace-file', replayed])).code).toBe(0);
    const key = (rs: Row[]): string[] => rs.filter((r) => r.type === 'decision').map((r) => `${String(r.symbol)} ${String(r.bar_start)} ${String(r.inputs_digest)} ${String(r.output_digest)} ${String(r.data_gap ?? false)}`);
    const replayRows = readTrace(replayed);
    expect(key(replayRows)).toEqual(key(rows));
    const replaySummary = summaryOf(replayRows);
    expect(replaySummary.SPY?.by_kind.outlier).toBeGreaterThanOrEqual(summary.SPY?.by_kind.outlier ?? Infinity);
  });
});

describe('a venue that restarts its numbering', () => {
  it('resyncs on SEQUENCE_RESET instead of dropping every event until the old ceiling is passed', async () => {
    const dir = tempDir();
    const first = await startFeedServerCli(['--speed', '20']);
    const cfg = writeDrillConfig(dir, '', '  connection: { backoff_initial: 100ms, backoff_max: 300ms }\n');
    const run = runner(dir, cfg, ['--feed', 'native', '--feed-url', first.url]);
    const log = join(dir, 'run.log');
    await waitFor(() => decisionsOf(trace(dir), 'SPY').length >= 3, 30_000);
    first.cli.child.kill('SIGTERM');
    await first.cli.exited;
    // A new server process on the same port numbers every symbol from 1 again.
    const second = await startFeedServerCli(['--speed', '20', '--port', String(first.port)]);
    await waitForLine(log, /WARN SEQUENCE_RESET: symbol=SPY from=\d+ to=\d+/, 30_000);
    const decisionsAfterReset = (): number => {
      const rows = trace(dir);
      const at = rows.findIndex((r) => r.event === 'SEQUENCE_RESET' && r.symbol === 'SPY');
      return rows.slice(at).filter((r) => r.type === 'decision' && r.symbol === 'SPY').length;
    };
    await waitFor(() => decisionsAfterReset() >= 3, 30_000);
    await stop(run, second.cli);
    const rows = trace(dir);
    const summary = summaryOf(rows);
    for (const symbol of ['SPY', 'QQQ']) {
      const reset = rows.find((r) => r.event === 'SEQUENCE_RESET' && r.symbol === symbol);
      expect(Number(reset?.from)).toBeGreaterThan(Number(reset?.to));
      const s = summary[symbol];
      expect(s?.events).toBe((s?.accepted ?? 0) + (s?.dropped ?? 0) + (s?.held ?? 0));
      // Only the frame that opened the new numbering waited; nothing of the new stream was thrown away as old.
      expect(s?.by_kind.out_of_order).toBe(0);
      expect(s?.by_kind.duplicate).toBe(0);
    }
    // The decisions right after the resync are marked: their bars may miss what the restart lost.
    const firstAfter = rows.slice(rows.findIndex((r) => r.event === 'SEQUENCE_RESET' && r.symbol === 'SPY')).find((r) => r.type === 'decision' && r.symbol === 'SPY');
    expect(firstAfter?.data_gap).toBe(true);
  });
});

describe('liveness counts accepted events', () => {
  it('breaches a symbol whose every event is rejected (its exchange clock is an hour off): ERROR last_update=never, HALTED, never HEARTBEAT_OK; the other decides', async () => {
    const dir = tempDir();
    const scenario = join(dir, 'skew.yaml');
    writeFileSync(scenario, 'clock_skew_ms: { QQQ: 3600000 }\n');
    const feed = await startFeedServerCli(['--speed', '20', '--scenario', scenario]);
    // A bound of two heartbeats: the first heartbeat comes before it and must not say OK.
    const run = runner(dir, writeDrillConfig(dir, 'staleness: { max_lag: 2s }\n'), ['--feed', 'native', '--feed-url', feed.url]);
    const log = join(dir, 'run.log');
    await waitForLine(log, /ERROR STALENESS_BREACH: QQQ last_update=never max_lag=2\.0s/, 30_000);
    const at = readLines(log).length;
    await waitFor(() => readLines(log).slice(at).filter((l) => l.includes('DECISION_LOGGED: symbol=SPY')).length >= 3, 30_000);
    await stop(run, feed.cli);
    const lines = readLines(log);
    expect(lines.some((l) => l.includes('HEARTBEAT_OK: QQQ'))).toBe(false);
    expect(lines.find((l) => l.includes('HEARTBEAT_NO_DATA: QQQ'))).toMatch(/WARN HEARTBEAT_NO_DATA: QQQ no data yet \(received=\d+ accepted=0\) waiting=\d+\.\ds/);
    expect(lines.some((l) => l.includes('DECISION_LOGGED: symbol=QQQ'))).toBe(false);
    expect(lines.some((l) => l.includes('HEARTBEAT_OK: SPY'))).toBe(true);
    const summary = summaryOf(trace(dir));
    expect(summary.QQQ?.events).toBeGreaterThan(50);
    expect(summary.QQQ?.accepted).toBe(0);
    expect(summary.QQQ?.by_kind.bad_value).toBe(summary.QQQ?.events);
    // The runbook's filter shows what the symbol is doing.
    expect(lines.filter((l) => /(HEARTBEAT|STALENESS|DECISION)/.test(l) && l.includes('QQQ')).length).toBeGreaterThan(0);
  });

  it('stops saying HEARTBEAT_OK as soon as a symbol that had data gets only rejected events, then breaches', async () => {
    const dir = tempDir();
    const first = await startFeedServerCli(['--speed', '20']);
    // max_lag leaves room for the venue's restart (seconds on a loaded machine) before the bound.
    const cfg = writeDrillConfig(dir, 'staleness: { max_lag: 8s }\n', '  connection: { backoff_initial: 100ms, backoff_max: 300ms }\n');
    const run = runner(dir, cfg, ['--feed', 'native', '--feed-url', first.url]);
    const log = join(dir, 'run.log');
    await waitForLine(log, /HEARTBEAT_OK: QQQ last_update=/, 30_000);
    first.cli.child.kill('SIGTERM');
    await first.cli.exited;
    // The venue comes back with QQQ's exchange clock an hour off: QQQ data arrives, none is accepted.
    const scenario = join(dir, 'skew.yaml');
    writeFileSync(scenario, 'clock_skew_ms: { QQQ: 3600000 }\n');
    const second = await startFeedServerCli(['--speed', '20', '--port', String(first.port), '--scenario', scenario]);
    await waitForLine(log, /WARN HEARTBEAT_DEGRADED: QQQ/, 30_000);
    await waitForLine(log, /WARN STALENESS_BREACH: QQQ last_update=\d/, 30_000);
    const at = readLines(log).length;
    await waitFor(() => readLines(log).slice(at).filter((l) => l.includes('DECISION_LOGGED: symbol=SPY')).length >= 2, 30_000);
    await stop(run, second.cli);
    const lines = readLines(log);
    const degraded = lines.findIndex((l) => /WARN HEARTBEAT_DEGRADED: QQQ last_update=\d+\.\ds lag=\S+ dropped_since=\d+ \(data arrives, none accepted\)/.test(l));
    expect(degraded).toBeGreaterThan(0);
    expect(lines.slice(degraded).some((l) => l.includes('HEARTBEAT_OK: QQQ'))).toBe(false);
    expect(lines.slice(degraded).some((l) => l.includes('HEARTBEAT_OK: SPY'))).toBe(true);
    expect(lines.slice(degraded).some((l) => l.includes('DECISION_LOGGED: symbol=QQQ'))).toBe(false);
  });

  it('a symbol the feed does not know (AAPL on the fixtures): an ERROR naming it, HALTED, no HEARTBEAT_OK, the others decide', async () => {
    const dir = tempDir();
    const run = runner(dir, writeDrillConfig(dir, 'staleness: { max_lag: 3s }\n'), ['--symbols', 'SPY,AAPL']);
    const log = join(dir, 'run.log');
    await waitForLine(log, /ERROR SYMBOL_UNKNOWN: symbol=AAPL/, 30_000);
    await waitForLine(log, /ERROR STALENESS_BREACH: AAPL last_update=never/, 30_000);
    await waitFor(() => readLines(log).filter((l) => l.includes('DECISION_LOGGED: symbol=SPY')).length >= 3, 30_000);
    await stop(run);
    const lines = readLines(log);
    expect(lines.find((l) => l.includes('SYMBOL_UNKNOWN'))).toMatch(/ERROR SYMBOL_UNKNOWN: symbol=AAPL the feed does not serve it \("unknown symbol AAPL"\); AAPL HALTED, other symbols continue/);
    expect(lines.some((l) => l.includes('HEARTBEAT_OK: AAPL'))).toBe(false);
    // Under load the first heartbeat may come before the feed's answer; then it says "no data yet".
    expect(lines.some((l) => /WARN HEARTBEAT_NO_DATA: AAPL (unknown to the feed|no data yet)/.test(l))).toBe(true);
    expect(lines.some((l) => l.includes('HEARTBEAT_OK: SPY'))).toBe(true);
    // Not a parse error: the venue's answer is its own outcome.
    expect(lines.some((l) => l.includes('FEED_PARSE_ERROR'))).toBe(false);
  });
});

describe('a gap flood', () => {
  it('stays a handful of SEQUENCE_GAP lines per second with exact counts in RUN_SUMMARY and the trace', async () => {
    const dir = tempDir();
    const feed = await startFeedServerCli(['--speed', '20', '--gap-rate', '0.3']);
    const run = runner(dir, writeDrillConfig(dir), ['--feed', 'native', '--feed-url', feed.url]);
    await waitFor(() => ['SPY', 'QQQ'].every((s) => lastTotal(trace(dir), 'SEQUENCE_GAP', s) >= 2000), 60_000);
    await stop(run, feed.cli);
    const rows = trace(dir);
    const summary = summaryOf(rows);
    const seconds = Number((rows.find((r) => r.event === 'RUN_SUMMARY') as { durationMs: number }).durationMs) / 1000;
    for (const symbol of ['SPY', 'QQQ']) {
      const lines = rows.filter((r) => r.event === 'SEQUENCE_GAP' && r.symbol === symbol);
      expect(summary[symbol]?.gaps).toBeGreaterThanOrEqual(2000);
      // One line a second and a flush line at most, against thousands of gaps.
      expect(lines.length).toBeLessThanOrEqual(2 * (seconds + 2));
      expect(lastTotal(rows, 'SEQUENCE_GAP', symbol)).toBe(summary[symbol]?.gaps);
      const suppressed = lines.reduce((n, r) => n + Number(r.suppressed), 0);
      const detailed = lines.filter((r) => r.expected !== undefined).length;
      expect(suppressed + detailed).toBe(summary[symbol]?.gaps);
    }
    expect(decisionsOf(rows, 'SPY').some((d) => d.data_gap === true)).toBe(true);
  });
});
