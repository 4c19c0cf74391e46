/**
 * Folders depend one way (ARCHITECTURE.md): a cycle between two folders of src/ — even through
 * type-only imports — means neither can be understood, tested or moved without the other. This
 * walks every import of src/ and fails naming each cycle's folders and the imports that close it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(__dirname, '../../../src');
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** A file's folder under src/ (its first path segment); a file at src/'s top is its own node. */
const folderOf = (file: string): string => relative(SRC, file).split(sep)[0] ?? '';

/** Folder → folder → the imports that make the edge (file → specifier), for the failure message. */
function folderGraph(): Map<string, Map<string, string[]>> {
  const graph = new Map<string, Map<string, string[]>>();
  for (const file of files(SRC)) {
    const from = folderOf(file);
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const to = folderOf(resolve(dirname(file), m[1] as string).replace(/\.js$/, '.ts'));
      if (to === from) continue;
      const edges = graph.get(from) ?? new Map<string, string[]>();
      graph.set(from, edges);
      edges.set(to, [...(edges.get(to) ?? []), `${relative(SRC, file)} → ${m[1] as string}`]);
    }
  }
  return graph;
}

/** Strongly connected components with more than one folder (Tarjan). */
function cycles(graph: Map<string, Map<string, string[]>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next += 1;
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

describe('src/ folders', () => {
  it('import each other without a cycle', () => {
    const graph = folderGraph();
    const found = cycles(graph).map((scc) => {
      const edges = scc.flatMap((a) => scc.flatMap((b) => (graph.get(a)?.get(b) ?? []).map((e) => `  ${a} → ${b}: ${e}`)));
      return `${scc.join(' ↔ ')}\n${edges.join('\n')}`;
    });
    expect(found, found.join('\n')).toEqual([]);
  });

  it('finds a cycle when there is one (the walker itself is checked)', () => {
    const graph = new Map([
      ['a', new Map([['b', ['a/x.ts → ../b/y.js']]])],
      ['b', new Map([['a', ['b/y.ts → ../a/x.js']]])],
      ['c', new Map([['a', ['c/z.ts → ../a/x.js']]])],
    ]);
    expect(cycles(graph)).toEqual([['a', 'b']]);
  });
});
