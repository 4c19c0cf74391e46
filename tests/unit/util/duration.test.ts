import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../../src/util/duration.js';

describe('parseDuration', () => {
  it.each([
    ['30min', 1_800_000],
    ['30m', 1_800_000],
    ['5s', 5000],
    ['250ms', 250],
    ['1.5h', 5_400_000],
    ['2 s', 2000],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '30', 'min', '-5s', '0s', '5 days', '1e3s', '5S'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('formats back to the largest whole unit', () => {
    expect(formatDuration(1_800_000)).toBe('30min');
    expect(formatDuration(5000)).toBe('5s');
    expect(formatDuration(1500)).toBe('1500ms');
  });
});
