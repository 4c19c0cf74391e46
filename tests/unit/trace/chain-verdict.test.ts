/** What the chain proves, one answer for validate and report, for each state a trace can be in. */
import { describe, expect, it } from 'vitest';
import type { ChainResult } from '../../../src/trace/chain.js';
import type { RunRecord } from '../../../src/trace/schema.js';
import { chainVerdict } from '../../../src/validate/chain-verdict.js';

const run = (chain: RunRecord['chain']): RunRecord => ({ chain }) as RunRecord;
const ok = (over: Partial<ChainResult> = {}): ChainResult => ({ algo: 'sha256', records: 10, head: 'ab'.repeat(32), broken: null, stop: { line: 10, recordsAfter: 0, seal: { head: 'cd'.repeat(32), records: 9 } }, ...over });

describe('chainVerdict', () => {
  it('passes a verified chain, saying whether it is keyed', () => {
    expect(chainVerdict(run('hmac-sha256'), ok({ algo: 'hmac-sha256' }), true)).toMatchObject({ pass: true, keyed: true, text: expect.stringMatching(/10 records chained, head (ab){32}, hmac-sha256 \(keyed\)/) });
    expect(chainVerdict(run('sha256'), ok(), false)).toMatchObject({ pass: true, keyed: false, text: expect.stringMatching(/sha256 \(unkeyed: anyone can re-chain\)/) });
  });

  it('fails every state in which the chain proves nothing', () => {
    expect(chainVerdict(run(undefined), null, false)).toMatchObject({ pass: false, line: 1, text: expect.stringMatching(/no hash chain/) });
    expect(chainVerdict(run('hmac-sha256'), null, false)).toMatchObject({ pass: false, text: expect.stringMatching(/TRADER_TRACE_KEY is not set here/) });
    expect(chainVerdict(run('sha256'), ok({ broken: { line: 7, what: 'rec_seq is 9, expected 7' } }), false)).toMatchObject({ pass: false, line: 7, text: 'chain broken at line 7: rec_seq is 9, expected 7' });
    expect(chainVerdict(run('sha256'), ok({ stop: { line: 8, recordsAfter: 2, seal: null } }), false)).toMatchObject({ pass: false, line: 8, text: expect.stringMatching(/2 record\(s\) after RUN_STOPPED/) });
    expect(chainVerdict(run('sha256'), ok(), true)).toMatchObject({ pass: false, text: expect.stringMatching(/unkeyed \(sha256\) but TRADER_TRACE_KEY is set/) });
  });
});
