/**
 * The decision path with a strategy that fails: a violation or a failure is one ERROR line (never
 * a decision, never `latency=`), the symbols to halt are handed back, that symbol is not decided
 * on again while the others are; a fatal failure (the process gone) stops every symbol, also one
 * added later. The strategies are built by hand to fail on cue; the path and the journal are real.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import type { MarketEvent } from '../../../src/feeds/events.js';
import { DecisionPath } from '../../../src/runner/decision-path.js';
import { StrategyFailure, StrategyViolation } from '../../../src/strategy/failures.js';
import type { Strategy, StrategyInputs, StrategyOutput } from '../../../src/strategy/types.js';
import { Journal } from '../../../src/trace/journal.js';
import { Bus } from '../../../src/core/bus.js';
import { RunStats } from '../../../src/telemetry/run-stats.js';

const T0 = Date.UTC(2025, 7, 25, 13, 30);

function strategy(decide: (inputs: StrategyInputs) => StrategyOutput): Strategy {
  return {
    identity: { kind: 'module', name: 'cue', version: '1.0.0', digest: 'd'.repeat(64), source: 'cue.mjs' },
    paramsSchema: {},
    params: {},
    lookback: 2,
    validateParams: () => ({ ok: true, params: {} }),
    decide: (inputs) => decide(inputs),
    close: () => undefined,
  };
}

function harness(s: Strategy, symbols: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'trader-dps-'));
  let clock = T0;
  const journal = new Journal({ tracePath: join(dir, 'trace.jsonl'), logFormat: 'text', logLevel: 'debug', timezone: 'America/New_York', now: () => clock });
  const config = configSchema.parse({ symbols, decision: { bar_interval: '1s' } });
  const bus = new Bus();
  journal.attach(bus);
  const stats = new RunStats(bus);
  const path = new DecisionPath(config, s, bus, stats, () => clock);
  for (const symbol of symbols) path.add(symbol);
  const seqs = new Map<string, number>();
  const halted: string[] = [];
  /** One trade per symbol every 250 ms for `seconds`: a bar closes (a decision) every second. */
  const trade = (seconds: number, only = symbols): void => {
    const start = clock;
    for (let t = 0; t < seconds * 1000; t += 250) {
      clock = start + t;
      for (const symbol of only) {
        const seq = (seqs.get(symbol) ?? 0) + 1;
        seqs.set(symbol, seq);
        const e: MarketEvent = { kind: 'trade', symbol, seq, exchTs: clock, price: 100 + (seq % 5) * 0.01, size: 10 };
        halted.push(...path.onEvent(e, clock, 0n).halted);
      }
    }
  };
  const records = (): Array<Record<string, unknown>> => {
    journal.close();
    return readFileSync(join(dir, 'trace.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  };
  return { path, stats, trade, halted, records };
}

describe('DecisionPath with a failing strategy', () => {
  it('a violation on one symbol and a throw on another: each one line, each halted once, the third symbol decides on', () => {
    const h = harness(
      strategy((inputs) => {
        if (inputs.symbol === 'QQQ') throw new StrategyViolation('Math.random');
        if (inputs.symbol === 'TSLA') throw new StrategyFailure('threw', 'decide threw: Error: latency=3ms is too slow');
        return { action: 'HOLD', confidence: 1, reason: 'fine' };
      }),
      ['SPY', 'QQQ', 'TSLA'],
    );
    h.trade(6);
    expect(h.halted.sort()).toEqual(['QQQ', 'TSLA']);
    const records = h.records();
    const violation = records.filter((r) => r.event === 'STRATEGY_VIOLATION');
    expect(violation).toHaveLength(1);
    expect(violation[0]).toMatchObject({ level: 'error', symbol: 'QQQ', call: 'Math.random', strategy: 'cue@1.0.0' });
    const failed = records.filter((r) => r.event === 'DECISION_FAILED');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ level: 'error', symbol: 'TSLA', kind: 'threw', fatal: false });
    expect(String(failed[0]?.msg)).not.toContain('latency=');
    const decisions = records.filter((r) => r.type === 'decision');
    expect(decisions.length).toBeGreaterThanOrEqual(4);
    expect(decisions.every((d) => d.symbol === 'SPY' && d.reason === 'fine')).toBe(true);
  });

  it('a fatal failure (the process gone) halts every symbol, and one added afterwards never decides', () => {
    let gone = false;
    const h = harness(
      strategy(() => {
        if (gone) throw new StrategyFailure('gone', 'strategy command x: the process exited (code 1)');
        return { action: 'HOLD', confidence: 1 };
      }),
      ['SPY', 'QQQ'],
    );
    h.trade(3);
    const before = h.stats.peek('SPY')?.decisions ?? 0;
    expect(before).toBeGreaterThan(0);
    gone = true;
    h.trade(3);
    expect(h.halted.sort()).toEqual(['QQQ', 'SPY']);
    h.path.add('TSLA');
    h.trade(3, ['SPY', 'QQQ', 'TSLA']);
    expect(h.stats.peek('SPY')?.decisions).toBe(before);
    expect(h.stats.peek('TSLA')?.decisions).toBe(0);
    const failed = h.records().filter((r) => r.event === 'DECISION_FAILED');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ kind: 'gone', fatal: true });
  });
});
