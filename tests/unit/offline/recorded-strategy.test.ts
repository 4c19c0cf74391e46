/**
 * Offline re-execution of a plug-in: the run record's strategy is loaded again (older records
 * without `kind` as the built-in), a changed or unknown one is an E_INPUT line; the determinism
 * check compares the reason too, and a failed decision is not re-executed.
 */
import { copyFileSync, mkdtempSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TraderError } from '../../../src/errors.js';
import { loadRecordedStrategy } from '../../../src/offline/recorded-strategy.js';
import { resolveStrategy } from '../../../src/strategy/registry.js';
import type { Strategy } from '../../../src/strategy/types.js';
import { decisionMsg, inputsDigestOf, outputDigestOf } from '../../../src/trace/decision-line.js';
import type { TraceRecord } from '../../../src/trace/schema.js';
import { ChunkChecker, DeterminismChecker } from '../../../src/validate/determinism.js';
import { REPO } from '../../helpers/cli.js';

const opened: Strategy[] = [];
afterAll(() => {
  for (const s of opened) s.close();
});

async function refusal(load: Promise<Strategy>): Promise<string> {
  try {
    opened.push(await load);
  } catch (e) {
    expect(e).toBeInstanceOf(TraderError);
    expect((e as TraderError).code).toBe('E_INPUT');
    return (e as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('loadRecordedStrategy', () => {
  it('loads a run record from before plug-ins (no kind) as the built-in, with its params', async () => {
    const s = await loadRecordedStrategy({ name: 'vwap_momentum', version: '1.0.0', params: { lookback_bars: 2, momentum_bps: 1, vwap_band_bps: 1 } }, 't.jsonl');
    opened.push(s);
    expect(s.identity).toMatchObject({ kind: 'builtin', name: 'vwap_momentum' });
    expect(s.lookback).toBe(3);
  });

  it('refuses an unknown built-in, another version, and a module edited since the run, naming the trace', async () => {
    expect(await refusal(loadRecordedStrategy({ name: 'mean_revert', version: '1.0.0', params: {} }, 't.jsonl'))).toMatch(/^t\.jsonl: .*unknown strategy "mean_revert"/);
    expect(await refusal(loadRecordedStrategy({ name: 'vwap_momentum', version: '0.9.0', params: {} }, 't.jsonl'))).toMatch(/^t\.jsonl: the run used strategy vwap_momentum@0\.9\.0/);
    const dir = mkdtempSync(join(tmpdir(), 'trader-rs-'));
    copyFileSync(join(REPO, 'strategies/opening_range.mjs'), join(dir, 'or.mjs'));
    // The digest the run recorded is the file's as it was loaded then.
    const first = await resolveStrategy({ module: 'or.mjs' }, dir);
    opened.push(first);
    const recorded = { kind: 'module' as const, name: 'opening_range', version: '1.0.0', params: {}, digest: first.identity.digest, source: 'or.mjs', base_dir: dir };
    opened.push(await loadRecordedStrategy(recorded, 't.jsonl'));
    appendFileSync(join(dir, 'or.mjs'), '\n// edited\n');
    expect(await refusal(loadRecordedStrategy(recorded, 't.jsonl'))).toMatch(/^t\.jsonl: or\.mjs changed since the run/);
  });
});

describe('the determinism check with reasons and failures', () => {
  const strategyGiving = (reason: string): Strategy => ({
    identity: { kind: 'module', name: 'r', version: '1', digest: null, source: 'r.mjs' },
    paramsSchema: {},
    params: {},
    lookback: 1,
    validateParams: () => ({ ok: true, params: {} }),
    decide: () => ({ action: 'HOLD', confidence: 1, reason }),
    close: () => undefined,
  });
  const bar = { start: 0, end: 1000, open: 1, high: 1, low: 1, close: 1, volume: 1, vwap: 1, trades: 1, quotes: 0 };
  const decision = (reason: string): TraceRecord => {
    const inputs = { bars: [bar], quote: null, session_volume: 1, session_vwap: 1, symbol: 'SPY' };
    const output = { action: 'HOLD', confidence: 1, reason };
    return { type: 'decision', ts: new Date(2000).toISOString(), event: 'DECISION_LOGGED', msg: decisionMsg({ symbol: 'SPY', action: 'HOLD', confidence: 1, latency_ms: 1000 }), symbol: 'SPY', action: 'HOLD', confidence: 1, latency_ms: 1000, processing_us: 1, bar_start: 0, bar_end: 1000, trigger_seq: 2, trigger_ts: 1000, inputs, inputs_digest: inputsDigestOf(inputs), output_digest: outputDigestOf(output), reason };
  };
  const check = (strategy: Strategy, records: TraceRecord[]) => {
    const chunk = new ChunkChecker(strategy, {});
    records.forEach((r, i) => chunk.add(r, i + 2));
    const merged = new DeterminismChecker({});
    merged.merge(chunk.finish(), 0);
    return merged.finish();
  };

  it('a reason re-executed differently is an inconsistency; the same reason passes', () => {
    expect(check(strategyGiving('flat'), [decision('flat')]).pass).toBe(true);
    const result = check(strategyGiving('flat'), [decision('rising')]);
    expect(result.pass).toBe(false);
    expect(result.problems[0]?.what).toMatch(/recorded reason "rising", re-execution gives "flat"/);
  });

  it('a DECISION_FAILED record is not re-executed and restarts the symbol\'s bar chain', () => {
    const throwing: Strategy = { ...strategyGiving('x'), decide: () => { throw new Error('must not be called'); } };
    const failed: TraceRecord = { type: 'decision_failed', ts: new Date(2000).toISOString(), event: 'DECISION_FAILED', symbol: 'SPY', kind: 'threw' };
    const result = check(throwing, [failed]);
    expect(result.symbols).toEqual([]);
    expect(result.pass).toBe(true);
  });
});
