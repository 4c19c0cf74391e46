/**
 * docs/operator-guide.md cannot fall behind the runner: every event of src/core/events.ts has its
 * row in the guide's event tables, every row names an event that exists, and every exit code of
 * src/errors.ts is in its exit-code table. An event added without documentation fails here.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EV } from '../../../src/core/events.js';
import { EXIT_FEED_FATAL, EXIT_WRITE_FAILED } from '../../../src/errors.js';

const GUIDE = readFileSync(resolve(import.meta.dirname, '../../../docs/operator-guide.md'), 'utf8');

/** The text of a `## heading` section, up to the next `## `. */
function section(heading: string): string {
  const start = GUIDE.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`docs/operator-guide.md has no "## ${heading}" section`);
  const end = GUIDE.indexOf('\n## ', start + 1);
  return GUIDE.slice(start, end < 0 ? undefined : end);
}

/** The first cell of each table row, backticks removed (the header and separator rows excluded). */
const firstCells = (text: string): string[] =>
  [...text.matchAll(/^\|\s*`?([^|`]+?)`?\s*\|/gm)].map((m) => m[1] as string).filter((c) => !/^(event|code|-+)$/.test(c));

describe('docs/operator-guide.md', () => {
  const rows = firstCells(section('Events'));

  it('has a row for every event in src/core/events.ts', () => {
    const missing = Object.values(EV).filter((name) => !rows.includes(name));
    expect(missing, 'add a row to docs/operator-guide.md "## Events" for each').toEqual([]);
  });

  it('documents no event that does not exist, and each once', () => {
    const names = new Set<string>(Object.values(EV));
    expect(rows.filter((r) => !names.has(r))).toEqual([]);
    expect(rows.filter((r, i) => rows.indexOf(r) !== i)).toEqual([]);
  });

  it('lists every exit code the CLI uses', () => {
    const codes = firstCells(section('Exit codes')).map(Number);
    // 0, 1, 2 and 70 are src/cli/main.ts's; 69 and 74 are src/errors.ts's.
    expect(codes).toEqual(expect.arrayContaining([0, 1, 2, 70, EXIT_FEED_FATAL, EXIT_WRITE_FAILED]));
  });
});
