import * as crypto from 'node:crypto';

/**
 * JSON with object keys sorted at every level, so equal values always give equal text and
 * digests do not depend on property insertion order. The runner builds decision inputs with
 * their keys already in order, so the common case is a check (no allocation) and one native
 * JSON.stringify; anything else is sorted first.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(isCanonical(value) ? value : sortKeys(value));
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
    // Integer-like keys are iterated first whatever their insertion order; let sortKeys decide.
    if (previous === undefined && /^\d/.test(key)) return false;
    if (!isCanonical((value as Record<string, unknown>)[key])) return false;
    previous = key;
  }
  return true;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** crypto.hash, one call and no Hash object, where the Node has it (20.12+); the same hex either way. */
export const sha256Hex: (text: string) => string = typeof crypto.hash === 'function' ? (text) => crypto.hash('sha256', text, 'hex') : (text) => crypto.createHash('sha256').update(text).digest('hex');

export const digest = (value: unknown): string => sha256Hex(canonicalJson(value));
