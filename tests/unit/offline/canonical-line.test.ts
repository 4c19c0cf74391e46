/**
 * The canonical reader is a shortcut, never a second definition: whatever it accepts must be what
 * JSON.parse gives, and its hashed text and inputs text must be what canonicalJson gives; whatever
 * is not canonical (or not JSON) it must refuse, so the offline commands fall back to JSON.parse.
 */
import { describe, expect, it } from 'vitest';
import { parseCanonicalLine } from '../../../src/offline/canonical-line.js';
import { ChainWriter } from '../../../src/trace/chain.js';
import { canonicalJson } from '../../../src/util/canonical.js';

const read = (line: string): ReturnType<typeof parseCanonicalLine> => parseCanonicalLine(`${line}\n`, 0, line.length);

/** Accepted, and equal to JSON.parse and canonicalJson. */
function expectSame(line: string): void {
  const got = read(line);
  expect(got, line).toBeDefined();
  const parsed = JSON.parse(line) as Record<string, unknown>;
  expect(got?.record).toStrictEqual(parsed);
  expect(Object.keys(got?.record ?? {})).toEqual(Object.keys(parsed));
  const { rec_chain: _chain, ...rest } = parsed;
  if (got?.hashed !== null) expect(got?.hashed).toBe(canonicalJson(rest));
  if (parsed.inputs !== undefined) expect(got?.inputs).toBe(canonicalJson(parsed.inputs));
}

const decision = {
  type: 'decision',
  ts: '2025-08-25T13:30:01.003Z',
  event: 'DECISION_LOGGED',
  msg: 'DECISION_LOGGED: symbol=SPY action=BUY confidence=0.75 latency=3.3ms',
  symbol: 'SPY',
  action: 'BUY',
  confidence: 0.75,
  latency_ms: 3.287,
  inputs: {
    bars: [{ close: 199.86, end: 1756128601000, high: 199.9, low: 0.000001, open: -12.5, quotes: 30, start: 1756128600000, trades: 0, volume: 1523, vwap: 199.85000000000002 }],
    quote: { ask: 199.87, bid: 0.1 + 0.2 },
    session_volume: 1523,
    session_vwap: 123456789012345,
    symbol: 'SPY',
  },
  data_gap: false,
  reason: null,
  inputs_digest: 'a'.repeat(64),
};

describe('the canonical trace-line reader', () => {
  it('reads what the writer writes exactly as JSON.parse does, with the chain and inputs texts canonicalJson gives', () => {
    const w = new ChainWriter(undefined);
    expectSame(w.line(decision));
    expectSame(w.line({ type: 'heartbeat_ok', ts: '2025-08-25T13:30:00.000Z', level: 'info', lag_ms: null, nested: { a: [], b: {}, c: [1, [2, { d: -0.5 }]] } }));
    expectSame(w.line({ type: 'x', numbers: [0, -1, 1e15 - 1, 0.1, 123.456, 1 / 3, 2 ** 53 + 2, 1e-6, 0.1 + 0.2, -4.000000000000001] }));
    // Numbers JSON.stringify writes with an exponent are canonical but left to JSON.parse.
    for (const n of [5e-324, 1.7976931348623157e308, 1e-7, 1e21]) expect(read(w.line({ type: 'x', n }))).toBeUndefined();
    // Without rec_chain (a line written before the chain): canonical, nothing to hash.
    const plain = canonicalJson({ b: 1, a: 'x' });
    expect(read(plain)?.hashed).toBeNull();
    expectSame(plain);
  });

  it('refuses text that is not canonical JSON, so the caller falls back to JSON.parse', () => {
    const line = new ChainWriter(undefined).line(decision);
    const refused = [
      line.replace('"action":"BUY",', '"action": "BUY",'), // spacing
      line.replace('"action":"BUY","confidence":0.75', '"confidence":0.75,"action":"BUY"'), // key order
      line.replace('"confidence":0.75', '"confidence":0.750'), // a trailing zero
      line.replace('"confidence":0.75', '"confidence":7.5e-1'), // an exponent
      line.replace('"quotes":30', '"quotes":030'), // a leading zero
      line.replace('"trades":0', '"trades":-0'), // -0 is written 0
      line.replace('"vwap":199.85000000000002', '"vwap":199.850000000000021'), // not the shortest text of its double
      line.replace('"symbol":"SPY"}', '"symbol":"SPY","symbol":"QQQ"}'), // a duplicate key
      line.replace('"action":"BUY"', '"__proto__":{},"action":"BUY"'), // JSON.parse makes it an own key
      line.replace('"msg":"DECISION_LOGGED', '"msg":"\tDECISION_LOGGED'), // a raw control character: not even JSON
      line.replace('"msg":"DECISION_LOGGED', '"msg":"éDECISION_LOGGED'), // non-ASCII, written as is by JSON.stringify but left to JSON.parse
      line.replace('"action":"BUY"', '"action":"BUY","rec_chain":"x"'), // rec_chain twice
      `${line} `, // trailing text
      line.slice(0, -1), // cut
    ];
    for (const text of refused) expect(read(text), text).toBeUndefined();
  });

  it('only reads up to the given end: the next line is not part of the record', () => {
    const a = canonicalJson({ a: 1 });
    const text = `${a}\n${canonicalJson({ b: 2 })}\n`;
    expect(parseCanonicalLine(text, 0, a.length)?.record).toStrictEqual({ a: 1 });
    expect(parseCanonicalLine(text, 0, a.length - 1)).toBeUndefined();
  });
});
