import { describe, expect, it } from 'vitest';
import { decisionRecordSchema } from '../../../src/trace/schema.js';
import type { TraceRecord } from '../../../src/trace/schema.js';
import { decisionShapeIssue } from '../../../src/validate/decision-shape.js';

const bar = (start: number) => ({ start, end: start + 1000, open: 1, high: 2, low: 0.5, close: 1.5, volume: 10, vwap: 1.2, trades: 3, quotes: 4 });
const valid = (): TraceRecord => ({
  type: 'decision',
  ts: '2025-08-25T13:30:01.000Z',
  event: 'DECISION_LOGGED',
  msg: 'DECISION_LOGGED: symbol=SPY confidence=0.50 latency=1.0ms action=HOLD',
  symbol: 'SPY',
  action: 'HOLD',
  confidence: 0.5,
  latency_ms: 1,
  processing_us: 100,
  bar_start: 0,
  bar_end: 1000,
  trigger_seq: 1,
  trigger_ts: 1000,
  inputs: { bars: [bar(0), bar(1000)], quote: { ask: 1.51, bid: 1.49 }, session_volume: 20, session_vwap: 1.2, symbol: 'SPY' },
  inputs_digest: 'a'.repeat(64),
  output_digest: 'b'.repeat(64),
});

type Json = Record<string, unknown>;
type Edit = [string, (r: Json) => void];
/** The object at `path` inside `r`. */
const at = (r: Json, ...path: Array<string | number>): Json => path.reduce<Json>((o, k) => o[k] as Json, r);
// Each edit breaks the record in one place the hand check covers (or, for the first few, not at all).
const edits: Edit[] = [
  ['nothing', () => undefined],
  ['quote null', (r) => { at(r, 'inputs').quote = null; }],
  ['no bars', (r) => { at(r, 'inputs').bars = []; }],
  ['action JUMP', (r) => { r.action = 'JUMP'; }],
  ['confidence as text', (r) => { r.confidence = '0.5'; }],
  ['symbol missing', (r) => { delete r.symbol; }],
  ['inputs_digest a number', (r) => { r.inputs_digest = 1; }],
  ['inputs null', (r) => { r.inputs = null; }],
  ['inputs an array', (r) => { r.inputs = []; }],
  ['inputs.symbol missing', (r) => { delete at(r, 'inputs').symbol; }],
  ['extra input field with another symbol', (r) => { at(r, 'inputs').peer = 'QQQ'; }],
  ['session_vwap null', (r) => { at(r, 'inputs').session_vwap = null; }],
  ['session_volume text', (r) => { at(r, 'inputs').session_volume = '20'; }],
  ['quote without ask', (r) => { delete at(r, 'inputs', 'quote').ask; }],
  ['quote with a symbol', (r) => { at(r, 'inputs', 'quote').symbol = 'QQQ'; }],
  ['bars an object', (r) => { at(r, 'inputs').bars = {}; }],
  ['a bar null', (r) => { (at(r, 'inputs').bars as unknown[])[1] = null; }],
  ['a bar without close', (r) => { delete at(r, 'inputs', 'bars', 0).close; }],
  ['a bar with a symbol', (r) => { at(r, 'inputs', 'bars', 1).symbol = 'QQQ'; }],
];

describe('decisionShapeIssue', () => {
  it.each(edits)('agrees with the trace schema: %s', (_name, edit) => {
    const r = valid();
    edit(r);
    const schemaOk = decisionRecordSchema.safeParse(r).success;
    const issue = decisionShapeIssue(r);
    expect(issue === undefined).toBe(schemaOk);
  });

  it('names the place of the problem', () => {
    const r = valid();
    at(r, 'inputs', 'bars', 1).symbol = 'QQQ';
    expect(decisionShapeIssue(r)).toBe('inputs.bars.1: unexpected key "symbol"');
  });
});
