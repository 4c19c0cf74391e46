/**
 * The decision path's data-quality accounting on a virtual clock, as `trader replay` drives it:
 * a flood of gaps, duplicates and poison ticks over 20 s of receipt time writes about one line per
 * kind per symbol per second, and the counts in the lines add up exactly to RUN_SUMMARY's.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import type { MarketEvent } from '../../../src/feeds/events.js';
import { poisonTicks } from '../../../src/feeds/server/faults.js';
import { DecisionPath } from '../../../src/runner/decision-path.js';
import { builtinVwapMomentum } from '../../../src/strategy/vwap-momentum.js';
import { Journal } from '../../../src/trace/journal.js';
import { Bus } from '../../../src/core/bus.js';
import { RunStats } from '../../../src/telemetry/run-stats.js';

const T0 = Date.UTC(2025, 7, 25, 13, 30);

describe('DecisionPath data-quality accounting', () => {
  it('rate-limits a flood to about one line a second per kind and symbol, with exact totals', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trader-dq-'));
    let clock = T0;
    const journal = new Journal({ tracePath: join(dir, 'trace.jsonl'), logFormat: 'text', logLevel: 'debug', timezone: 'America/New_York', now: () => clock });
    const config = configSchema.parse({ symbols: ['SPY'], decision: { bar_interval: '1s' } });
    const bus = new Bus();
    journal.attach(bus);
    const stats = new RunStats(bus);
    const path = new DecisionPath(config, builtinVwapMomentum({ lookback_bars: 3, momentum_bps: 2, vwap_band_bps: 1 }), bus, stats, () => clock);
    path.add('SPY');
    let seq = 0;
    let sent = 0;
    const send = (e: MarketEvent): void => {
      sent += 1;
      path.onEvent(e, clock, 0n);
    };
    // 20 s at 500 events/s: every 3rd seq withheld (a gap), every 7th event sent twice, a poison round every 50.
    for (let i = 0; i < 10_000; i++) {
      clock = T0 + i * 2;
      seq += i % 3 === 0 ? 2 : 1;
      const e: MarketEvent = { kind: 'trade', symbol: 'SPY', seq, exchTs: clock, price: 640 + Math.sin(i / 200), size: 100 };
      send(e);
      if (i % 7 === 0) send(e);
      if (i % 50 === 25) for (const bad of poisonTicks(e, clock, () => ++seq)) send(bad);
      if (i % 500 === 0) path.flushLimited(false); // the runner's heartbeat
    }
    path.flushLimited(true);
    journal.close();

    const records = readFileSync(join(dir, 'trace.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const counters = stats.peek('SPY');
    expect(counters).toBeDefined();
    if (!counters) return;
    expect(counters.events).toBe(sent);
    expect(counters.events).toBe(counters.accepted + counters.dropped + counters.held);
    expect(counters.byKind).toEqual({ duplicate: 1429, out_of_order: 0, late: 0, bad_value: 400, outlier: 200 });
    expect(counters.gaps).toBeGreaterThan(3000);
    const lines = (event: string, kind?: string): Array<Record<string, unknown>> => records.filter((r) => r.event === event && (kind === undefined || r.kind === kind));
    for (const [event, kind, exact] of [
      ['SEQUENCE_GAP', undefined, counters.gaps],
      ['EVENT_DROPPED', 'duplicate', counters.byKind.duplicate],
      ['EVENT_REJECTED', 'bad_value', counters.byKind.bad_value],
      ['EVENT_REJECTED', 'outlier', counters.byKind.outlier],
    ] as const) {
      const ls = lines(event, kind);
      // 20 s of receipt time: one line a second at most, plus the final flush.
      expect(ls.length).toBeGreaterThanOrEqual(10);
      expect(ls.length).toBeLessThanOrEqual(22);
      expect(Math.max(...ls.map((r) => Number(r.total)))).toBe(exact);
      // Every occurrence is accounted for once: by its own line or in a later line's `suppressed`.
      expect(ls.reduce((n, r) => n + Number(r.suppressed) + (r.seq !== undefined || r.expected !== undefined ? 1 : 0), 0)).toBe(exact);
    }
    // The poison never reached a decision.
    const decisions = records.filter((r) => r.type === 'decision');
    expect(decisions.length).toBeGreaterThan(15);
    for (const d of decisions) expect((d.inputs as { session_vwap: number }).session_vwap).toBeGreaterThan(630);
  });

  it('applies each symbol\'s own band and size limit from data_quality.per_symbol', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trader-dq-'));
    const clock = T0;
    const journal = new Journal({ tracePath: join(dir, 'trace.jsonl'), logFormat: 'text', logLevel: 'debug', timezone: 'America/New_York', now: () => clock });
    const config = configSchema.parse({ symbols: ['SPY', 'TSLA'], data_quality: { per_symbol: { TSLA: { price_band_pct: 20, max_size: 500 } } } });
    const bus = new Bus();
    journal.attach(bus);
    const stats = new RunStats(bus);
    const path = new DecisionPath(config, builtinVwapMomentum({ lookback_bars: 3, momentum_bps: 2, vwap_band_bps: 1 }), bus, stats, () => clock);
    path.add('SPY');
    path.add('TSLA');
    for (const symbol of ['SPY', 'TSLA']) {
      // A confirmed first price of 100, then a 15 % jump, then a 1,000-share print at the level.
      [100, 100, 115, 100].forEach((price, i) => path.onEvent({ kind: 'trade', symbol, seq: i + 1, exchTs: T0 + i, price, size: i === 3 ? 1000 : 100 }, clock, 0n));
    }
    journal.close();
    // SPY (default 10 %, 10M shares): the jump is an outlier, the big print fine. TSLA (20 %, 500): the reverse.
    expect(stats.peek('SPY')?.byKind.outlier).toBe(1);
    expect(stats.peek('SPY')?.accepted).toBe(3);
    expect(stats.peek('TSLA')?.byKind.outlier).toBe(1);
    expect(stats.peek('TSLA')?.accepted).toBe(3);
    const rejected = readFileSync(join(dir, 'trace.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => r.event === 'EVENT_REJECTED');
    expect(rejected.map((r) => `${String(r.symbol)} ${String(r.detail)}`)).toEqual(['SPY trade p=115 s=100 outside ±10% of reference 100', 'TSLA trade p=100 s=1000 size 1000 above max_size 500']);
  });
});
