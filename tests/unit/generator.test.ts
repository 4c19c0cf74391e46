import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { MarketEvent } from '../../src/feeds/events.js';
import { FIXTURE_SYMBOLS, generateEvents, SESSION } from '../../src/fixtures/generator.js';
import { fixturePath, fixtureText, loadFixture, writeFixtures } from '../../src/fixtures/store.js';
import { sha256Hex } from '../../src/util/canonical.js';

const minute = (symbol: string, fromMin: number, toMin = fromMin + 1, seed = 1): MarketEvent[] => [
  ...generateEvents({ symbol, seed, startMs: SESSION.startMs + fromMin * 60_000, endMs: SESSION.startMs + toMin * 60_000 }),
];

describe('market data generator', () => {
  it('gives the same events for the same seed, different ones for another seed', () => {
    expect(JSON.stringify(minute('SPY', 0))).toBe(JSON.stringify(minute('SPY', 0)));
    expect(JSON.stringify(minute('SPY', 0, 1, 2))).not.toBe(JSON.stringify(minute('SPY', 0)));
  });

  it('keeps quotes crossed never and trades inside the spread, in time order', () => {
    for (const symbol of FIXTURE_SYMBOLS) {
      let bid = 0;
      let ask = Infinity;
      let last = 0;
      for (const e of minute(symbol, 0, 3)) {
        expect(e.exchTs).toBeGreaterThanOrEqual(last);
        last = e.exchTs;
        if (e.kind === 'quote') {
          expect(e.bid).toBeLessThan(e.ask);
          bid = e.bid;
          ask = e.ask;
        } else {
          expect(e.price).toBeGreaterThanOrEqual(bid);
          expect(e.price).toBeLessThanOrEqual(ask);
          expect(e.size).toBeGreaterThan(0);
        }
      }
    }
  });

  it('has the open rush: many more events per second at 09:30 than at 10:00', () => {
    const session = [...generateEvents({ symbol: 'SPY', seed: 1, startMs: SESSION.startMs, endMs: SESSION.endMs })];
    const perSecond = (fromMin: number): number => session.filter((e) => e.exchTs >= SESSION.startMs + fromMin * 60_000 && e.exchTs < SESSION.startMs + (fromMin + 1) * 60_000).length / 60;
    const open = perSecond(0);
    const later = perSecond(30);
    expect(open).toBeGreaterThan(100);
    expect(later).toBeLessThan(50);
    expect(later).toBeGreaterThan(10);
  });

  it('prices each symbol at a realistic level with a realistic spread', () => {
    const levels: Record<string, [number, number, number]> = { SPY: [600, 700, 0.05], QQQ: [520, 620, 0.05], TSLA: [300, 400, 0.1], 'BTC-USD': [100_000, 125_000, 10], 'ETH-USD': [4000, 5200, 1] };
    for (const [symbol, [lo, hi, maxSpread]] of Object.entries(levels)) {
      const quotes = minute(symbol, 0, 5).filter((e) => e.kind === 'quote');
      for (const q of quotes) {
        expect(q.bid).toBeGreaterThan(lo);
        expect(q.ask).toBeLessThan(hi);
        expect(q.ask - q.bid).toBeLessThanOrEqual(maxSpread);
      }
    }
  });
});

describe('fixture files', () => {
  it('regenerate byte-identically to the committed manifest', () => {
    const manifest = JSON.parse(readFileSync('fixtures/manifest.json', 'utf8')) as Record<string, { events: number; sha256: string }>;
    // One symbol in full is enough to prove the pipeline; the build checks all five.
    const { text, events } = fixtureText('QQQ');
    expect(events).toBe(manifest.QQQ?.events);
    expect(sha256Hex(text)).toBe(manifest.QQQ?.sha256);
    expect(Object.keys(manifest).sort()).toEqual([...FIXTURE_SYMBOLS].sort());
  });

  it('cover 09:30 to 10:05 ET and load back as typed events', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trader-fixtures-'));
    writeFixtures(dir);
    const text = gunzipSync(readFileSync(fixturePath(dir, 'ETH-USD'))).toString();
    expect(text.split('\n')[0]).toMatch(/^\{"type":"(trade|quote)","sym":"ETH-USD","seq":1,"ts":17561286\d{5}/);
    const events = loadFixture(dir, 'TSLA');
    expect(events[0]?.exchTs).toBeLessThan(SESSION.startMs + 1000);
    expect(events[events.length - 1]?.exchTs).toBeGreaterThan(SESSION.endMs - 60_000);
    expect(() => loadFixture(dir, 'NOPE')).toThrow(/NOPE\.ndjson\.gz: no such fixture file/);
  });
});
