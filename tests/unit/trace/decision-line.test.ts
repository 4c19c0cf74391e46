/** A decision's figures checked against each other, and canonical JSON independent of layout. */
import { describe, expect, it } from 'vitest';
import { decisionMsg, decisionRecordText, inputsTextAndDigest, latencyIssue } from '../../../src/trace/decision-line.js';
import type { DecisionLine } from '../../../src/core/events.js';
import { canonicalJson } from '../../../src/util/canonical.js';

const decision = (latency: number, nowMs: number, trigger: number) => ({
  symbol: 'SPY',
  action: 'BUY',
  confidence: 0.654,
  latency_ms: latency,
  trigger_ts: trigger,
  ts: new Date(nowMs).toISOString(),
  msg: decisionMsg({ symbol: 'SPY', action: 'BUY', confidence: 0.654, latency_ms: latency }),
});

describe('a decision\'s figures', () => {
  it('agree as the runner writes them, the ISO ts truncating to the millisecond', () => {
    const trigger = 1756128600000.25;
    for (const now of [trigger + 0.4, trigger + 12.9996, trigger + 89.5, trigger + 1234.75]) {
      const latency = Math.round((now - trigger) * 1000) / 1000;
      expect(latencyIssue(decision(latency, now, trigger))).toBeUndefined();
    }
    // A clock behind the exchange: latency_ms is clamped at 0, and so is the check.
    expect(latencyIssue(decision(0, trigger - 5, trigger))).toBeUndefined();
  });

  it('disagree when latency_ms, the msg or the time stamps were edited', () => {
    const trigger = 1756128600000;
    const ok = decision(89.5, trigger + 89.5, trigger);
    expect(latencyIssue({ ...ok, latency_ms: 20 })).toMatch(/latency_ms 20 disagrees with ts − trigger_ts = 89/);
    expect(latencyIssue({ ...ok, msg: ok.msg.replace('latency=90ms', 'latency=20ms') })).toMatch(/msg .* disagrees with the record's figures/);
    expect(latencyIssue({ ...ok, msg: ok.msg.replace('confidence=0.65', 'confidence=0.99') })).toMatch(/msg/);
    expect(latencyIssue({ ...ok, ts: new Date(trigger + 20).toISOString() })).toMatch(/disagrees with ts − trigger_ts = 20 ms/);
    expect(latencyIssue({ ...ok, latency_ms: -1 })).toMatch(/expected a number >= 0/);
    expect(latencyIssue({ ...ok, trigger_ts: undefined })).toMatch(/cannot be checked/);
  });
});

describe('a decision\'s log line', () => {
  it('keeps the runbook\'s prefix: symbol, confidence, latency, then action', () => {
    expect(decisionMsg({ symbol: 'SPY', action: 'BUY', confidence: 0.654, latency_ms: 89.4 })).toBe('DECISION_LOGGED: symbol=SPY confidence=0.65 latency=89ms action=BUY');
    expect(decisionMsg({ symbol: 'QQQ', action: 'HOLD', confidence: 0, latency_ms: 1.25 })).toMatch(/^DECISION_LOGGED: symbol=QQQ confidence=0\.00 latency=1\.3ms /);
  });

  it('of an older trace (action= before confidence=) still verifies, and is still checked against its figures', () => {
    const trigger = 1756128600000;
    const old = { ...decision(89.5, trigger + 89.5, trigger), msg: 'DECISION_LOGGED: symbol=SPY action=BUY confidence=0.65 latency=90ms' };
    expect(latencyIssue(old)).toBeUndefined();
    expect(latencyIssue({ ...old, msg: old.msg.replace('action=BUY', 'action=SELL') })).toMatch(/msg .* disagrees/);
    expect(latencyIssue({ ...old, msg: old.msg.replace('latency=90ms', 'latency=20ms') })).toMatch(/msg .* disagrees/);
  });
});

describe('canonicalJson', () => {
  it('gives one text whatever the key order, at every level, leaving undefined out', () => {
    const a = { b: 1, a: { d: [1, { z: 1, y: 2 }], c: null, u: undefined }, '10': 'x', '9': 'y' };
    const b = { '9': 'y', a: { c: null, d: [1, { y: 2, z: 1 }] }, '10': 'x', b: 1 };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"10":"x","9":"y","a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}');
    // An object already in order is written by one native stringify, with the same result.
    expect(canonicalJson({ a: [1, 2], b: { c: 'd' } })).toBe(JSON.stringify({ a: [1, 2], b: { c: 'd' } }));
    expect(canonicalJson([undefined, 1])).toBe('[null,1]');
  });
});

describe('a decision\'s trace record laid out member by member', () => {
  const inputs = { bars: [{ close: 100.5, end: 2000, high: 101, low: 99.25, open: 100, quotes: 3, start: 1000, trades: 7, volume: 1200, vwap: 100.123456 }], quote: { ask: 100.51, bid: 100.49 }, session_volume: 1200, session_vwap: 100.2, symbol: 'SPY' };
  const base: DecisionLine = { msg: decisionMsg({ symbol: 'SPY', action: 'BUY', confidence: 0.65, latency_ms: 1.25 }), symbol: 'SPY', action: 'BUY', confidence: 0.65, latency_ms: 1.25, processing_us: 41, bar_start: 1000, bar_end: 2000, trigger_seq: 17, trigger_ts: 2000.5, inputs, inputs_digest: inputsTextAndDigest(inputs).digest, output_digest: 'b'.repeat(64) };
  const generic = (r: DecisionLine, ts: string, seq: number): string => canonicalJson({ type: 'decision', ts, event: 'DECISION_LOGGED', ...r, rec_seq: seq });

  it('is exactly canonicalJson of the record, with and without the optional members and with any string or number in them', () => {
    const { text } = inputsTextAndDigest(inputs);
    const ts = '2025-08-25T13:30:02.000Z';
    const variants: DecisionLine[] = [
      base,
      { ...base, reason: 'momentum "up" \\ and é — ✓' },
      { ...base, data_gap: true },
      { ...base, data_gap: true, reason: '' },
      { ...base, symbol: 'BTC-USD', action: 'HOLD', confidence: 0, latency_ms: 0, processing_us: -0, trigger_seq: Number.MAX_SAFE_INTEGER, trigger_ts: 1e21, bar_start: 0.1 + 0.2 },
      { ...base, msg: 'line\nbreak\t"quoted"', reason: undefined },
    ];
    for (const [k, r] of variants.entries()) expect(decisionRecordText(r, ts, k + 1, text), JSON.stringify(r)).toBe(generic(r, ts, k + 1));
  });

  it('leaves a record of another shape to canonicalJson (a member added to DecisionLine is never silently dropped)', () => {
    const { text } = inputsTextAndDigest(inputs);
    const extra = { ...base, venue_order_id: 'x' } as DecisionLine;
    expect(decisionRecordText(extra, 't', 1, text)).toBeUndefined();
    // A required member missing and another one added: the same count, still not this shape.
    const { trigger_seq: _gone, ...missing } = base;
    expect(decisionRecordText({ ...missing, venue_order_id: 'x' } as unknown as DecisionLine, 't', 1, text)).toBeUndefined();
  });
});
