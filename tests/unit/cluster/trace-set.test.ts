import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shardOf } from '../../../src/cluster/partition.js';
import { expandPaths, judgeComplete, judgePartition, type ShardMember } from '../../../src/cluster/trace-set.js';
import { shardFileName } from '../../../src/cluster/files.js';
import type { RunRecord } from '../../../src/trace/schema.js';

const ALL = ['SPY', 'QQQ', 'TSLA', 'BTC-USD', 'ETH-USD'];

function member(index: number, count: number, symbols = ALL.filter((s) => shardOf(s, count) === index - 1)): ShardMember {
  const shard = { index, count, partition: 'fnv1a32' as const, symbols_all: ALL };
  return { path: `t${index}.jsonl`, shard, endMs: 0, run: { symbols, shard } as unknown as RunRecord };
}

describe('judgeComplete', () => {
  it('passes with every shard once, names a missing one with its symbols, and a doubled one', () => {
    expect(judgeComplete([member(1, 3), member(2, 3), member(3, 3)]).pass).toBe(true);
    const missing = judgeComplete([member(1, 3), member(3, 3)]);
    expect(missing).toEqual({ pass: false, observed: '2 of 3 shards present: shard 2/3 missing (its symbols SPY,TSLA unchecked)' });
    const doubled = judgeComplete([member(1, 3), member(2, 3), { ...member(2, 3), path: 'again.jsonl' }, member(3, 3)]);
    expect(doubled.pass).toBe(false);
    expect(doubled.observed).toMatch(/shard 2\/3 given 2× \(t2\.jsonl, again\.jsonl\)/);
  });
});

describe('judgePartition', () => {
  const ran = (m: ShardMember): string[] => m.run.symbols;
  it('passes when each symbol is in its owner only', () => {
    expect(judgePartition([member(1, 3), member(2, 3), member(3, 3)], ran)).toEqual({ pass: true, observed: 'each of 5 symbols in exactly one shard, the one that owns it' });
  });
  it('fails a symbol in two shards, in the wrong shard, or given and run by no one', () => {
    const row = judgePartition([member(1, 3, ['SPY']), member(2, 3), member(3, 3, ['QQQ', 'BTC-USD'])], ran);
    expect(row.pass).toBe(false);
    expect(row.observed).toMatch(/SPY in 2 shards \(shard 1\/3, shard 2\/3\)/);
    expect(row.observed).toMatch(/SPY in shard 1\/3 but owned by shard 2\/3/);
    expect(row.observed).toMatch(/ETH-USD given but not run by its owner shard 3\/3/);
  });
});

describe('file names and paths', () => {
  it('gives a default name the shard suffix before its extension', () => {
    expect(shardFileName('logs/validation_trace.jsonl', { index: 2, count: 3 })).toBe('logs/validation_trace.shard-2-of-3.jsonl');
    expect(shardFileName('logs/runner.pid', { index: 1, count: 4 })).toBe('logs/runner.shard-1-of-4.pid');
    expect(shardFileName('FLAG', { index: 1, count: 2 })).toBe('FLAG.shard-1-of-2');
  });

  it('expands a directory and a glob (without trader\'s rotated copies), and plain paths, each once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trace-set-'));
    mkdirSync(join(dir, 'sub'));
    for (const name of ['a.shard-1-of-2.jsonl', 'a.shard-2-of-2.jsonl', 'a.shard-1-of-2.20261125T120000Z.jsonl', 'a.shard-1-of-2.20261125T120000Z-2.jsonl', 'a.log', 'notes.txt']) writeFileSync(join(dir, name), '');
    const names = (args: string[]): string[] => expandPaths(args, '.jsonl', '--trace').map((p) => p.path.slice(dir.length + 1));
    expect(names([dir])).toEqual(['a.shard-1-of-2.jsonl', 'a.shard-2-of-2.jsonl']);
    expect(names([join(dir, 'a.shard-[2]-*.jsonl'), join(dir, 'a.shard-2-of-2.jsonl')])).toEqual(['a.shard-2-of-2.jsonl']);
    expect(names([join(dir, '*.shard-?-of-2*.jsonl')])).toEqual(['a.shard-1-of-2.jsonl', 'a.shard-2-of-2.jsonl']);
    // A rotated copy named by its path is taken as given.
    expect(names([join(dir, 'a.shard-1-of-2.20261125T120000Z.jsonl')])).toEqual(['a.shard-1-of-2.20261125T120000Z.jsonl']);
    expect(() => expandPaths([join(dir, '*.csv')], '.jsonl', '--trace')).toThrow(/--trace .*\*\.csv: no file matches/);
    expect(() => expandPaths([join(dir, 'sub')], '.jsonl', '--trace')).toThrow(/no \*\.jsonl file in this directory/);
    expect(() => expandPaths([join(dir, '*', '*.jsonl')], '.jsonl', '--trace')).toThrow(/only be in the file name/);
  });
});
