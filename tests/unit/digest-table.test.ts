import { describe, expect, it } from 'vitest';
import { DigestTable } from '../../src/validate/digest-table.js';
import { sha256Hex } from '../../src/util/canonical.js';

describe('DigestTable', () => {
  it('accepts repeated equal pairs and catches the same inputs with another output, across growth', () => {
    const t = new DigestTable();
    const n = 200_000;
    for (let i = 0; i < n; i += 1) expect(t.check(sha256Hex(`in${i}`), sha256Hex(`out${i}`))).toBe(true);
    for (let i = 0; i < n; i += 997) expect(t.check(sha256Hex(`in${i}`), sha256Hex(`out${i}`))).toBe(true);
    expect(t.check(sha256Hex('in12345'), sha256Hex('something else'))).toBe(false);
  });
});
