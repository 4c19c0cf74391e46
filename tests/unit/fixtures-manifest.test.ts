/** The shipped fixtures regenerate byte-identically, and the store reads them back or says what is wrong. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { TraderError } from '../../src/errors.js';
import { FIXTURE_SYMBOLS, SESSION } from '../../src/fixtures/generator.js';
import { ensureFixtures, fixturePath, loadFixture, writeFixtures } from '../../src/fixtures/store.js';
import { sha256Hex } from '../../src/util/canonical.js';

const manifest = JSON.parse(readFileSync('fixtures/manifest.json', 'utf8')) as Record<string, { events: number; sha256: string }>;
const dir = mkdtempSync(join(tmpdir(), 'trader-fixtures-'));
beforeAll(() => {
  writeFixtures(dir);
});

function inputErrorOf(fn: () => unknown): TraderError {
  try {
    fn();
  } catch (err) {
    if (err instanceof TraderError) return err;
    throw err;
  }
  throw new Error('expected an input error');
}

describe('fixture files', () => {
  it('regenerate byte-identically to the committed manifest (sha256 of the uncompressed text)', () => {
    expect(Object.keys(manifest)).toEqual([...FIXTURE_SYMBOLS]);
    for (const symbol of FIXTURE_SYMBOLS) {
      const text = gunzipSync(readFileSync(fixturePath(dir, symbol))).toString('utf8');
      expect({ symbol, events: text.split('\n').length - 1, sha256: sha256Hex(text) }).toEqual({ symbol, ...manifest[symbol] });
    }
  });

  it('cover 09:30 to 10:05 ET in the native wire form and load back as typed events', () => {
    const text = gunzipSync(readFileSync(fixturePath(dir, 'ETH-USD'))).toString();
    expect(text.split('\n')[0]).toMatch(/^\{"type":"(trade|quote)","sym":"ETH-USD","seq":1,"ts":17561286\d{5},/);
    const events = loadFixture(dir, 'TSLA');
    expect(events).toHaveLength(manifest.TSLA?.events ?? -1);
    expect(events[0]?.exchTs).toBeLessThan(SESSION.startMs + 1000);
    expect(events[events.length - 1]?.exchTs).toBeGreaterThan(SESSION.endMs - 60_000);
    expect(events[events.length - 1]?.exchTs).toBeLessThan(SESSION.endMs);
  });

  it('name the file (and line) when one is missing or damaged', () => {
    const missing = inputErrorOf(() => loadFixture(dir, 'NOPE'));
    expect(missing.code).toBe('E_INPUT');
    expect(missing.message).toContain('NOPE.ndjson.gz');

    const bad = mkdtempSync(join(tmpdir(), 'trader-bad-fixtures-'));
    writeFileSync(fixturePath(bad, 'SPY'), 'not gzip');
    expect(inputErrorOf(() => loadFixture(bad, 'SPY'))).toMatchObject({ code: 'E_INPUT', message: expect.stringContaining('SPY.ndjson.gz') });

    const good = '{"type":"trade","sym":"QQQ","seq":1,"ts":1756128600000,"p":570.4,"s":100}';
    for (const [line, problem] of [
      ['{"type":"trade","sym":"QQQ",', 'not JSON'],
      ['{"type":"trade","sym":"QQQ","seq":2,"ts":1756128600001,"p":"570","s":100}', 'p and s'],
      ['{"type":"quote","sym":"QQQ","seq":2,"ts":1756128600001,"bp":571,"bs":1,"ap":570,"as":1}', 'bp <= ap'],
      ['{"type":"trade","sym":"QQQ","seq":2,"ts":1756128599000,"p":570.4,"s":100}', 'back in time'],
    ] as const) {
      writeFileSync(fixturePath(bad, 'QQQ'), gzipSync(`${good}\n${line}\n`));
      const err = inputErrorOf(() => loadFixture(bad, 'QQQ'));
      expect(err.code).toBe('E_INPUT');
      expect(err.message).toContain('QQQ.ndjson.gz:2:');
      expect(err.message).toContain(problem);
    }
  });

  it('are generated in-process when missing, and left alone when present', () => {
    const fresh = mkdtempSync(join(tmpdir(), 'trader-ensure-'));
    ensureFixtures(fresh);
    expect(loadFixture(fresh, 'BTC-USD')).toHaveLength(manifest['BTC-USD']?.events ?? -1);
    rmSync(fixturePath(fresh, 'ETH-USD'));
    ensureFixtures(fresh);
    expect(sha256Hex(gunzipSync(readFileSync(fixturePath(fresh, 'ETH-USD'))).toString('utf8'))).toBe(manifest['ETH-USD']?.sha256);
    const marker = gzipSync('{"type":"trade","sym":"SPY","seq":1,"ts":1,"p":1,"s":1}\n');
    writeFileSync(fixturePath(fresh, 'SPY'), marker);
    ensureFixtures(fresh);
    expect(readFileSync(fixturePath(fresh, 'SPY'))).toEqual(marker);
  });
});
