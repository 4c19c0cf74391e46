/**
 * A trace line read as canonical JSON, when it is canonical: the writer lays every record out as
 * canonicalJson(record) with rec_chain appended last (chain.ts), so nearly every line of a real
 * trace is, and then two expensive steps of the offline check need no re-serialization:
 *  - the chain's hashed text is the line up to `,"rec_chain":` plus `}`, exactly
 *    canonicalJson(record without rec_chain), the text the chain's definition hashes;
 *  - a decision's inputs_digest is sha256 of the inputs' text as it stands in the line.
 * JSON.stringify of the inputs (their ~50 numbers) was the largest cost of validate.
 *
 * The parser accepts only text that canonicalJson(JSON.parse(text)) would give back unchanged, and
 * builds the same value JSON.parse builds; anything else (spacing, key order, escapes, non-ASCII,
 * a number not in its shortest form, a duplicate key, `__proto__`) returns undefined and the caller
 * falls back to JSON.parse and the canonical re-serialization. So a re-serialized trace still
 * verifies, only more slowly.
 *
 * Numbers: a token -?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?, no exponent. With at most 15 significant digits
 * and, below 1, at most 5 zeros after the point, it is canonical by its form alone: every decimal of
 * at most 15 significant digits round-trips through a double, so no shorter text gives the same
 * double and Number#toString (JSON.stringify) writes these very digits (below 1e-6 it would use
 * an exponent). Its value is then the digits as an integer (exact below 2^53) divided by an exact
 * power of ten: one correctly rounded division, the double JSON.parse gives (Clinger's fast path).
 * A longer token is converted and written back, and canonical only if that gives it unchanged.
 */

/** What one parse found. */
export interface CanonicalLine {
  record: Record<string, unknown>;
  /** The chain's hashed text: the line without its trailing rec_chain member; null when the line has none. */
  hashed: string | null;
  /** The text of the top-level "inputs" value; null when there is none. */
  inputs: string | null;
}

const FAIL = Symbol('not canonical');
type Value = unknown;

const POW10: number[] = Array.from({ length: 23 }, (_, k) => 10 ** k);
const CHAIN_KEY = 'rec_chain';

/** Short strings (keys, event names, symbols) repeat on every line: one string each, not one per line. */
const CACHE_SIZE = 512;
const cache: Array<string | undefined> = new Array<string | undefined>(CACHE_SIZE).fill(undefined);

let s = '';
let i = 0;

/**
 * `text` from `from` to `to` (one line, no newline) as canonical JSON; undefined when it is not.
 * The caller guarantees what parseString relies on: no backslash in the line.
 */
export function parseCanonicalLine(text: string, from: number, to: number): CanonicalLine | undefined {
  s = text;
  i = from;
  if (s.charCodeAt(i) !== 0x7b) return undefined;
  i += 1;
  const record: Record<string, unknown> = {};
  let previous = '';
  let hashedEnd = -1;
  let inputsFrom = -1;
  let inputsTo = -1;
  if (s.charCodeAt(i) === 0x7d) return i + 1 === to ? { record, hashed: null, inputs: null } : undefined;
  for (;;) {
    const memberStart = i;
    const key = parseString(true);
    if (key === FAIL || s.charCodeAt(i) !== 0x3a) return undefined;
    i += 1;
    const valueStart = i;
    const value = parseValue();
    if (value === FAIL) return undefined;
    const next = s.charCodeAt(i);
    if (key === CHAIN_KEY && next === 0x7d && i + 1 === to && typeof value === 'string' && memberStart > from + 1 && !(CHAIN_KEY in record)) {
      // The writer's layout: rec_chain appended after the canonical record, out of key order.
      hashedEnd = memberStart - 1;
    } else if ((key as string) <= previous || key === '__proto__') return undefined;
    record[key as string] = value;
    previous = key as string;
    if (key === 'inputs') {
      inputsFrom = valueStart;
      inputsTo = i;
    }
    i += 1;
    if (next === 0x7d) break;
    if (next !== 0x2c) return undefined;
  }
  if (i !== to) return undefined;
  return {
    record,
    hashed: hashedEnd < 0 ? null : `${s.slice(from, hashedEnd)}}`,
    inputs: inputsFrom < 0 ? null : s.slice(inputsFrom, inputsTo),
  };
}

function parseValue(): Value {
  const c = s.charCodeAt(i);
  if (c === 0x22) return parseString(false);
  if (c === 0x7b) return parseObject();
  if (c === 0x5b) return parseArray();
  if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return parseNumber();
  if (s.startsWith('true', i)) {
    i += 4;
    return true;
  }
  if (s.startsWith('false', i)) {
    i += 5;
    return false;
  }
  if (s.startsWith('null', i)) {
    i += 4;
    return null;
  }
  return FAIL;
}

function parseObject(): Value {
  i += 1;
  const out: Record<string, unknown> = {};
  if (s.charCodeAt(i) === 0x7d) {
    i += 1;
    return out;
  }
  let previous = '';
  let first = true;
  for (;;) {
    const key = parseString(true);
    if (key === FAIL || s.charCodeAt(i) !== 0x3a) return FAIL;
    if (!first && (key as string) <= previous) return FAIL;
    if (key === '__proto__') return FAIL;
    i += 1;
    const value = parseValue();
    if (value === FAIL) return FAIL;
    out[key as string] = value;
    previous = key as string;
    first = false;
    const c = s.charCodeAt(i);
    i += 1;
    if (c === 0x7d) return out;
    if (c !== 0x2c) return FAIL;
  }
}

function parseArray(): Value {
  i += 1;
  const out: unknown[] = [];
  if (s.charCodeAt(i) === 0x5d) {
    i += 1;
    return out;
  }
  for (;;) {
    const value = parseValue();
    if (value === FAIL) return FAIL;
    out.push(value);
    const c = s.charCodeAt(i);
    i += 1;
    if (c === 0x5d) return out;
    if (c !== 0x2c) return FAIL;
  }
}

/**
 * A string as JSON.stringify writes it: printable ASCII, no escape (the caller has made sure the
 * line holds no backslash, so the next quote ends the string). A control character would make
 * the line invalid JSON, and JSON.parse must be the one to say so.
 */
function parseString(key: boolean): string | typeof FAIL {
  const text = s;
  if (text.charCodeAt(i) !== 0x22) return FAIL;
  const start = i + 1;
  const end = text.indexOf('"', start);
  if (end < 0) return FAIL;
  i = end + 1;
  const length = end - start;
  if (!key && length > 16) return printable(text, start, end) ? text.slice(start, end) : FAIL;
  // Short strings come from the cache, which holds only printable ones.
  const slot = (length * 31 + text.charCodeAt(start) * 7 + text.charCodeAt(end - 1) * 3 + text.charCodeAt(start + (length >> 1))) & (CACHE_SIZE - 1);
  const hit = cache[slot];
  if (hit !== undefined && hit.length === length) {
    let k = 0;
    while (k < length && hit.charCodeAt(k) === text.charCodeAt(start + k)) k += 1;
    if (k === length) return hit;
  }
  if (!printable(text, start, end)) return FAIL;
  const fresh = text.slice(start, end);
  cache[slot] = fresh;
  return fresh;
}

function printable(text: string, from: number, to: number): boolean {
  for (let k = from; k < to; k += 1) {
    const c = text.charCodeAt(k);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

function parseNumber(): number | typeof FAIL {
  const text = s;
  const start = i;
  let j = i;
  let c = text.charCodeAt(j);
  const negative = c === 0x2d;
  if (negative) {
    j += 1;
    c = text.charCodeAt(j);
  }
  let m = 0;
  let intDigits = 0;
  if (c === 0x30) {
    j += 1;
    c = text.charCodeAt(j);
    if (c >= 0x30 && c <= 0x39) return FAIL; // a leading zero
  } else if (c >= 0x31 && c <= 0x39) {
    while (c >= 0x30 && c <= 0x39) {
      m = m * 10 + (c - 0x30);
      intDigits += 1;
      j += 1;
      c = text.charCodeAt(j);
    }
  } else return FAIL;
  let fracDigits = 0;
  let leadingZeros = 0;
  if (c === 0x2e) {
    j += 1;
    c = text.charCodeAt(j);
    let last = -1;
    while (c >= 0x30 && c <= 0x39) {
      if (m === 0 && c === 0x30) leadingZeros += 1;
      m = m * 10 + (c - 0x30);
      fracDigits += 1;
      last = c;
      j += 1;
      c = text.charCodeAt(j);
    }
    if (fracDigits === 0 || last === 0x30) return FAIL; // "1." or a trailing zero
  }
  if (c === 0x65 || c === 0x45) return FAIL; // an exponent: not the form these numbers are written in
  i = j;
  if (negative && m === 0) return FAIL; // -0 is written 0
  const significant = intDigits > 0 ? intDigits + fracDigits : fracDigits - leadingZeros;
  if (significant > 15 || (intDigits === 0 && leadingZeros > 5)) {
    // Computed figures (a vwap, a price plus a tick) often take 16-17 digits: canonical only when
    // they are the double's shortest text, which only the conversion itself can tell.
    const token = text.slice(start, j);
    const value = Number(token);
    return String(value) === token ? value : FAIL;
  }
  const value = fracDigits === 0 ? m : m / (POW10[fracDigits] as number);
  return negative ? -value : value;
}
