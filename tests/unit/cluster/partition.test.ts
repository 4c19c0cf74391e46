import { describe, expect, it } from 'vitest';
import { fnv1a32, parseShard, shardOf } from '../../../src/cluster/partition.js';
import { TraderError } from '../../../src/errors.js';
import { ShardFilter } from '../../../src/cluster/shard.js';

describe('fnv1a32', () => {
  it('matches the published FNV-1a 32-bit vectors', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('hashes the UTF-8 bytes, not UTF-16 code units', () => {
    // "é" is two bytes in UTF-8 (0xc3 0xa9); hashing them one by one must give the same value.
    let h = 0x811c9dc5;
    for (const b of [0xc3, 0xa9]) h = Math.imul(h ^ b, 0x01000193) >>> 0;
    expect(fnv1a32('é')).toBe(h);
  });
});

describe('shardOf', () => {
  it('is the hash modulo the count, and always in range', () => {
    expect(shardOf('a', 7)).toBe(0xe40c292c % 7);
    for (const s of ['SPY', 'QQQ', 'BTC-USD', 'BRK.B']) {
      for (const n of [1, 2, 3, 16, 256]) {
        const p = shardOf(s, n);
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThan(n);
      }
    }
    expect(shardOf('SPY', 1)).toBe(0);
  });

  it('spreads 200 symbols over 4 shards without starving any', () => {
    const symbols = Array.from({ length: 200 }, (_, i) => `SYM${i}`);
    const counts = [0, 0, 0, 0];
    for (const s of symbols) counts[shardOf(s, 4)] = (counts[shardOf(s, 4)] ?? 0) + 1;
    // 50 expected per shard; a fair hash keeps each within ±20 (about 3.3 standard deviations).
    for (const c of counts) {
      expect(c).toBeGreaterThan(30);
      expect(c).toBeLessThan(70);
    }
    expect(counts.reduce((a, b) => a + b, 0)).toBe(200);
  });
});

describe('parseShard', () => {
  it('reads i/N with a 1-based index', () => {
    expect(parseShard('1/3')).toEqual({ index: 1, count: 3 });
    expect(parseShard('3/3')).toEqual({ index: 3, count: 3 });
    expect(parseShard('256/256')).toEqual({ index: 256, count: 256 });
  });

  const refused: Array<[string, RegExp]> = [
    ['3/2', /--shard 3\/2: shard index 3 is beyond the 2 shards/],
    ['0/2', /start at 1/],
    ['1/0', /count must be 1 to 256/],
    ['1/257', /count must be 1 to 256/],
    ['2', /expected i\/N/],
    ['a/b', /expected i\/N/],
    ['1/2/3', /expected i\/N/],
    ['-1/2', /expected i\/N/],
    ['', /expected i\/N/],
  ];
  for (const [text, message] of refused) {
    it(`refuses "${text}" with a usage error`, () => {
      let caught: unknown;
      try {
        parseShard(text);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(TraderError);
      expect((caught as TraderError).code).toBe('E_USAGE');
      expect((caught as TraderError).message).toMatch(message);
      expect((caught as TraderError).message).not.toContain('\n');
    });
  }
});

describe('a shard\'s quota of max_positions', () => {
  it('splits the config\'s limit so the shards together never hold more than one process would, on any feed', () => {
    for (const [max, count] of [[4, 3], [1, 4], [10, 4], [2, 2], [7, 1]] as const) {
      const quotas = Array.from({ length: count }, (_, i) => new ShardFilter({ index: i + 1, count }, []).quota(max));
      expect(quotas.reduce((a, b) => a + b, 0), `${max} over ${count}`).toBe(max);
      expect(Math.max(...quotas) - Math.min(...quotas)).toBeLessThanOrEqual(1);
    }
    expect(new ShardFilter({ index: 1, count: 3 }, []).quota(4)).toBe(2);
    expect(new ShardFilter({ index: 3, count: 3 }, []).quota(4)).toBe(1);
  });
});
