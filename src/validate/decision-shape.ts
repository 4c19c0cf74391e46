/**
 * The shape of a decision record, checked by hand (zod per record would dominate validate's time,
 * and a worker need not load it): the trace schema's decision, inputs exact to the key, so no
 * other symbol's data can hide in an extra field. tests/unit/validate/decision-shape.test.ts holds it equal
 * to the schema.
 */
import type { TraceRecord } from '../trace/schema.js';

export const BAR_FIELDS = ['start', 'end', 'open', 'high', 'low', 'close', 'volume', 'vwap', 'trades', 'quotes'] as const;
const INPUT_FIELDS = ['bars', 'quote', 'session_volume', 'session_vwap', 'symbol'] as const;
const QUOTE_FIELDS = ['ask', 'bid'] as const;

const isNum = (v: unknown): v is number => typeof v === 'number';
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The first key of `o` not in `allowed`, if any. */
function extraKey(o: Record<string, unknown>, allowed: readonly string[]): string | undefined {
  let n = 0;
  for (const _ in o) n += 1;
  return n === allowed.length ? undefined : Object.keys(o).find((k) => !allowed.includes(k));
}

/** The decision's own fields, without its inputs. */
function recordShapeIssue(r: TraceRecord): string | undefined {
  for (const k of ['symbol', 'inputs_digest', 'output_digest'] as const) if (typeof r[k] !== 'string') return `${k}: expected a string`;
  if (r.action !== 'BUY' && r.action !== 'SELL' && r.action !== 'HOLD') return 'action: expected BUY, SELL or HOLD';
  if (!isNum(r.confidence)) return 'confidence: expected a number';
  if (r.reason !== undefined && typeof r.reason !== 'string') return 'reason: expected a string';
  return undefined;
}

/** What is wrong with a decision record's shape; undefined when it is right. */
export function decisionShapeIssue(r: TraceRecord): string | undefined {
  const top = recordShapeIssue(r);
  if (top !== undefined) return top;
  const inputs = r.inputs;
  if (!isObject(inputs)) return 'inputs: expected an object';
  if (typeof inputs.symbol !== 'string') return 'inputs.symbol: expected a string';
  if (!isNum(inputs.session_vwap)) return 'inputs.session_vwap: expected a number';
  if (!isNum(inputs.session_volume)) return 'inputs.session_volume: expected a number';
  const quote = inputs.quote;
  if (quote !== null) {
    if (!isObject(quote)) return 'inputs.quote: expected an object or null';
    for (const k of QUOTE_FIELDS) if (!isNum(quote[k])) return `inputs.quote.${k}: expected a number`;
    const extra = extraKey(quote, QUOTE_FIELDS);
    if (extra !== undefined) return `inputs.quote: unexpected key "${extra}"`;
  }
  const bars = inputs.bars;
  if (!Array.isArray(bars)) return 'inputs.bars: expected an array';
  for (let i = 0; i < bars.length; i += 1) {
    const b: unknown = bars[i];
    if (!isObject(b)) return `inputs.bars.${i}: expected an object`;
    for (const k of BAR_FIELDS) if (!isNum(b[k])) return `inputs.bars.${i}.${k}: expected a number`;
    const extra = extraKey(b, BAR_FIELDS);
    if (extra !== undefined) return `inputs.bars.${i}: unexpected key "${extra}"`;
  }
  const extra = extraKey(inputs, INPUT_FIELDS);
  return extra === undefined ? undefined : `inputs: unexpected key "${extra}"`;
}
