import * as crypto from 'node:crypto';

/**
 * JSON with object keys sorted at every level, so equal values always give equal text and
 * digests do not depend on property insertion order or on how a file was laid out. The runner
 * builds decision inputs with their keys already in order, so the common case is a check (no
 * allocation) and one native JSON.stringify; an object out of order is written key by key, its
 * canonical parts (e.g. a decision's inputs) again with one native stringify each.
 */
export function canonicalJson(value: unknown): string {
  return isCanonical(value) ? JSON.stringify(value) : sortedJson(value);
}

function isCanonical(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (Array.isArray(value)) {
    for (const item of value) if (!isCanonical(item)) return false;
    return true;
  }
  let previous: string | undefined;
  for (const key in value) {
    if (previous !== undefined && key <= previous) return false;
    // Integer-like keys are iterated first whatever their insertion order; let sortedJson decide.
    if (previous === undefined && isDigit(key.charCodeAt(0))) return false;
    const v = (value as Record<string, unknown>)[key];
    // An undefined property is left out by stringify; sortedJson leaves it out too.
    if (!isCanonical(v)) return false;
    previous = key;
  }
  return true;
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const parts: string[] = [];
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) parts.push(`${JSON.stringify(key)}:${canonicalJson(v)}`);
    }
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** crypto.hash, one call and no Hash object, where the Node has it (20.12+); the same hex either way. */
export const sha256Hex: (text: string) => string = typeof crypto.hash === 'function' ? (text) => crypto.hash('sha256', text, 'hex') : (text) => crypto.createHash('sha256').update(text).digest('hex');

export const digest = (value: unknown): string => sha256Hex(canonicalJson(value));
