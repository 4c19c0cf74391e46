import { describe, expect, it } from 'vitest';
import { parseShard, shardOf } from '../../../src/cluster/partition.js';
import { quotaOf } from '../../../src/cluster/nats-run.js';
import { TraderError } from '../../../src/errors.js';

describe('shardOf: FNV-1a 32 of the UTF-8 bytes, mod N (nats-server partition())', () => {
  it('matches the published FNV-1a 32 test vectors', () => {
    // 0xe40c292c and 0xbf9cf968 are FNV-1a 32 of "a" and "foobar" (the FNV reference test suite).
    expect(shardOf('a', 2 ** 32 - 1)).toBe(0xe40c292c % (2 ** 32 - 1));
    expect(shardOf('foobar', 2 ** 32 - 1)).toBe(0xbf9cf968 % (2 ** 32 - 1));
  });

  it('puts every symbol in exactly one of N partitions, the same one every time', () => {
    for (const symbol of ['SPY', 'QQQ', 'BRK.B', 'BTC-USD']) {
      const owners = [0, 1, 2, 3].filter((i) => shardOf(symbol, 4) === i);
      expect(owners).toHaveLength(1);
      expect(shardOf(symbol, 4)).toBe(shardOf(symbol, 4));
    }
  });
});

describe('parseShard', () => {
  it('reads i/N with 1 <= i <= N', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(parseShard('1/1')).toEqual({ index: 1, count: 1 });
  });

  it.each(['3/2', '0/2', '2', 'a/b', '1/0', '-1/2'])('refuses %s with a usage error naming it', (text) => {
    expect(() => parseShard(text)).toThrow(TraderError);
    expect(() => parseShard(text)).toThrow(`"${text}"`);
  });
});

describe('per-shard quotas of max_positions', () => {
  it('add up to the configured limit, never more, for any N', () => {
    for (const max of [0, 1, 2, 5, 7]) {
      for (const count of [1, 2, 3, 4]) {
        const quotas = Array.from({ length: count }, (_, i) => quotaOf(max, { index: i + 1, count }));
        expect(quotas.reduce((a, b) => a + b, 0)).toBe(max);
        expect(Math.max(...quotas) - Math.min(...quotas)).toBeLessThanOrEqual(1);
      }
    }
    expect(quotaOf(3, undefined)).toBe(3);
  });
});
