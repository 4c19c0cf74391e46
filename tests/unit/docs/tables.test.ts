/**
 * Every Markdown table in README.md and docs/*.md has as many cells in each row as in its header.
 * The docs quote shell pipelines inside tables (`grep … \| jq`): one `|` left unescaped splits a
 * cell, and GitHub silently drops what overflows — the command an operator copies is then cut.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '../../..');
const DOCS = ['README.md', ...readdirSync(join(REPO, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** Cell separators of a table row: pipes not escaped with a backslash. */
const pipes = (row: string): number => row.match(/(?<!\\)\|/g)?.length ?? 0;

function raggedRows(text: string): string[] {
  const lines = text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, (block) => block.replace(/[^\n]/g, '')).split('\n');
  const found: string[] = [];
  for (let i = 0; i + 1 < lines.length; i++) {
    const header = lines[i] as string;
    if (!header.startsWith('|') || !/^\|(\s*:?-+:?\s*\|)+\s*$/.test(lines[i + 1] as string)) continue;
    const cells = pipes(header);
    let j = i + 2;
    for (; j < lines.length && (lines[j] as string).startsWith('|'); j++) {
      if (pipes(lines[j] as string) !== cells) found.push(`line ${j + 1}: ${pipes(lines[j] as string) - 1} cells, header has ${cells - 1}: ${(lines[j] as string).slice(0, 100)}`);
    }
    i = j - 1;
  }
  return found;
}

describe('tables in README.md and docs/*.md', () => {
  it.each(DOCS)('%s: every row has its header\'s cells', (doc) => {
    expect(raggedRows(readFileSync(join(REPO, doc), 'utf8'))).toEqual([]);
  });

  it('finds a pipeline whose pipe was not escaped', () => {
    const table = '| step | command |\n| --- | --- |\n| ok | `a \\| b` |\n| cut | `grep x | wc -l` |\n';
    expect(raggedRows(table)).toEqual(['line 4: 3 cells, header has 2: | cut | `grep x | wc -l` |']);
  });
});
