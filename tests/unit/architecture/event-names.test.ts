/**
 * Event names are spelled in one place, src/core/events.ts: everywhere else emits and matches them
 * through `EV`, so renaming or retyping an event cannot leave a writer or a reader on a stale string.
 * Prose that mentions an event inside a longer message is fine; a bare quoted name is not.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EV } from '../../../src/core/events.js';

const SRC = resolve(__dirname, '../../../src');
/** The same word in another vocabulary: the risk gate's reject reason TRADING_HALTED (engine/risk.ts). */
const OTHER_MEANING = new Set(['engine/risk.ts TRADING_HALTED', 'runner/halt-proof.ts TRADING_HALTED']);

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('event names', () => {
  it('appear as bare string literals only in src/core/events.ts', () => {
    const names = new Set<string>(Object.values(EV));
    const found: string[] = [];
    for (const file of files(SRC)) {
      const rel = relative(SRC, file);
      if (rel === join('core', 'events.ts')) continue;
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(['"`])([A-Z][A-Z_]+)\1/g)) {
        const name = m[2] as string;
        if (!names.has(name) || OTHER_MEANING.has(`${rel} ${name}`)) continue;
        found.push(`${rel}:${text.slice(0, m.index).split('\n').length}: ${m[0]}`);
      }
    }
    expect(found, `use EV.<name> from src/core/events.ts instead:\n${found.join('\n')}`).toEqual([]);
  });
});
