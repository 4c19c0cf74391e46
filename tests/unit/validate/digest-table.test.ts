import { describe, expect, it } from 'vitest';
import { DigestTable, digestKey } from '../../../src/validate/digest-table.js';
import { sha256Hex } from '../../../src/util/canonical.js';

const check = (t: DigestTable, inputs: string, output: string): boolean => t.check(...digestKey(inputs, output));

describe('DigestTable', () => {
  it('accepts repeated equal pairs and catches the same inputs with another output, across growth', () => {
    const t = new DigestTable();
    const n = 200_000;
    for (let i = 0; i < n; i += 1) expect(check(t, sha256Hex(`in${i}`), sha256Hex(`out${i}`))).toBe(true);
    for (let i = 0; i < n; i += 997) expect(check(t, sha256Hex(`in${i}`), sha256Hex(`out${i}`))).toBe(true);
    expect(check(t, sha256Hex('in12345'), sha256Hex('something else'))).toBe(false);
    // Past 65,535 distinct outputs, both directions still hold.
    expect(check(t, sha256Hex('in150000'), sha256Hex('out3'))).toBe(false);
    expect(check(t, sha256Hex('in3'), sha256Hex('out150000'))).toBe(false);
    expect(check(t, sha256Hex('new inputs'), sha256Hex('out150000'))).toBe(true);
    expect(check(t, sha256Hex('new inputs'), sha256Hex('out3'))).toBe(false);
  });
});
