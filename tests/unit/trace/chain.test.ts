/**
 * The hash chain as the offline readers see it: lines written by ChainWriter, verified chunk by
 * chunk (every way of cutting the file into chunks gives the same answer), and the first broken
 * line named for each kind of tampering.
 */
import { describe, expect, it } from 'vitest';
import { ChainChunkVerifier, ChainVerifier, ChainWriter, type ChainResult } from '../../../src/trace/chain.js';

function written(key?: string, n = 12): string[] {
  const w = new ChainWriter(key);
  const lines = [w.line({ type: 'run', ts: '2025-08-25T13:30:00.000Z', chain: w.algo })];
  for (let i = 0; i < n; i += 1) lines.push(w.line({ type: 'heartbeat_ok', ts: `2025-08-25T13:30:${String(i).padStart(2, '0')}.000Z`, event: 'HEARTBEAT_OK', msg: `HEARTBEAT_OK: SPY i=${i}`, nested: { b: [i, { z: 1, a: 2 }], a: null } }));
  lines.push(w.line({ type: 'run_stopped', event: 'RUN_STOPPED', chain_head: w.head, chain_records: w.count }));
  return lines;
}

/** Verifies `lines` (line 1 the run record) cut into chunks of `size` records, as scan.ts folds them. */
function verify(lines: string[], size: number, key?: string): ChainResult {
  const run = JSON.parse(lines[0] as string) as Record<string, unknown>;
  const v = new ChainVerifier(run.chain === 'hmac-sha256' ? 'hmac-sha256' : 'sha256', key);
  v.start(run, lines[0] as string);
  const body = lines.slice(1);
  for (let from = 0; from < body.length; from += size) {
    const c = new ChainChunkVerifier(key);
    body.slice(from, from + size).forEach((raw, i) => c.add(JSON.parse(raw) as Record<string, unknown>, i + 1, raw));
    v.merge(c.finish(), 1 + from);
  }
  return v.finish();
}

const SIZES = [1, 2, 3, 5, 100];

describe('the trace hash chain', () => {
  it('verifies what the writer wrote, however the file is cut into chunks, and reports the seal', () => {
    const lines = written();
    for (const size of SIZES) {
      const r = verify(lines, size);
      expect(r.broken).toBeNull();
      expect(r.records).toBe(lines.length);
      expect(r.head).toBe((JSON.parse(lines.at(-1) as string) as { rec_chain: string }).rec_chain);
      expect(r.stop).toEqual({ line: lines.length, recordsAfter: 0, seal: { head: expect.stringMatching(/^[0-9a-f]{64}$/), records: lines.length - 1 } });
    }
  });

  it('verifies a line re-serialized with other key order and spacing (canonical JSON, not bytes)', () => {
    const lines = written().map((l) => JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(l) as object).reverse()), null, 1).replace(/\n/g, ''));
    for (const size of SIZES) expect(verify(lines, size).broken).toBeNull();
  });

  it('names the first broken line for a removed, inserted, swapped, duplicated or edited record', () => {
    const lines = written();
    const at = 6; // a 0-based index into lines: line 7
    const cases: Array<[string, string[], number]> = [
      ['removed', [...lines.slice(0, at), ...lines.slice(at + 1)], at + 1],
      ['inserted', [...lines.slice(0, at), lines[2] as string, ...lines.slice(at)], at + 1],
      ['swapped', [...lines.slice(0, at), lines[at + 1] as string, lines[at] as string, ...lines.slice(at + 2)], at + 1],
      ['duplicated', [...lines.slice(0, at + 1), lines[at] as string, ...lines.slice(at + 1)], at + 2],
      ['edited', lines.map((l, i) => (i === at ? l.replace('SPY i=', 'SPY i=9') : l)), at + 1],
      ['run record edited', lines.map((l, i) => (i === 0 ? l.replace('13:30:00', '13:31:00') : l)), 1],
    ];
    for (const [name, variant, line] of cases) {
      for (const size of SIZES) expect(verify(variant, size).broken?.line, `${name}, chunks of ${size}`).toBe(line);
    }
  });

  it('a RUN_STOPPED whose seal does not match the chain before it is a break', () => {
    const lines = written();
    const stopped = JSON.parse(lines.at(-1) as string) as Record<string, unknown>;
    const w = new ChainWriter(undefined);
    const forged = lines.slice(0, -1).map((l) => w.line(Object.fromEntries(Object.entries(JSON.parse(l) as object).filter(([k]) => k !== 'rec_chain' && k !== 'rec_seq'))));
    forged.push(w.line({ ...stopped, rec_chain: undefined, rec_seq: undefined, chain_records: 3 }));
    expect(verify(forged, 4).broken?.what).toMatch(/RUN_STOPPED's seal/);
  });

  it('a keyed chain verifies only with its key', () => {
    const lines = written('k1');
    expect(verify(lines, 3, 'k1').broken).toBeNull();
    expect(verify(lines, 3, 'k2').broken?.line).toBe(1);
    expect(verify(lines, 3, undefined).broken?.line).toBe(1);
  });
});
