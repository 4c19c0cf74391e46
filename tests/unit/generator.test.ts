import { describe, expect, it } from 'vitest';
import type { MarketEvent, Quote, Trade } from '../../src/feeds/events.js';
import { FIXTURE_SYMBOLS, generateEvents, SESSION } from '../../src/fixtures/generator.js';

const window = (symbol: string, fromMin: number, toMin = fromMin + 1, seed = 1): MarketEvent[] => [
  ...generateEvents({ symbol, seed, startMs: SESSION.startMs + fromMin * 60_000, endMs: SESSION.startMs + toMin * 60_000 }),
];
const quotes = (events: MarketEvent[]): Quote[] => events.filter((e): e is Quote => e.kind === 'quote');
const trades = (events: MarketEvent[]): Trade[] => events.filter((e): e is Trade => e.kind === 'trade');

describe('market data generator', () => {
  it('gives the same events for the same seed, different ones for another seed', () => {
    expect(JSON.stringify(window('SPY', 0))).toBe(JSON.stringify(window('SPY', 0)));
    expect(JSON.stringify(window('SPY', 0, 1, 2))).not.toBe(JSON.stringify(window('SPY', 0)));
  });

  it('numbers events from 1 in non-decreasing exchange time inside the window', () => {
    for (const symbol of FIXTURE_SYMBOLS) {
      const events = window(symbol, 0, 3);
      // Collected as lists and compared once: an expect per event makes this test crawl.
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      expect(events.filter((e, i) => i > 0 && e.exchTs < (events[i - 1] as MarketEvent).exchTs)).toEqual([]);
      expect(events.every((e) => Number.isInteger(e.exchTs) && e.exchTs >= SESSION.startMs && e.exchTs < SESSION.startMs + 180_000)).toBe(true);
    }
  });

  it('never crosses a quote and prints every trade at or between the bid and ask', () => {
    for (const symbol of FIXTURE_SYMBOLS) {
      let bid = 0;
      let ask = Number.POSITIVE_INFINITY;
      const bad: MarketEvent[] = [];
      for (const e of window(symbol, 0, 3)) {
        if (e.kind === 'quote') {
          if (!(e.bid < e.ask)) bad.push(e);
          bid = e.bid;
          ask = e.ask;
        } else if (!(e.price >= bid && e.price <= ask && e.size > 0)) {
          bad.push(e);
        }
      }
      expect(bad).toEqual([]);
    }
  });

  it('has the open rush: many more events per second at 09:30 than at 10:00', () => {
    // The rate curve runs from the window's start (the open), so both minutes come from one session.
    const perSecond = (session: MarketEvent[], minute: number): number =>
      session.filter((e) => e.exchTs >= SESSION.startMs + minute * 60_000 && e.exchTs < SESSION.startMs + (minute + 1) * 60_000).length / 60;
    for (const symbol of ['SPY', 'QQQ', 'TSLA']) {
      const session = window(symbol, 0, 35);
      const open = perSecond(session, 0);
      const later = perSecond(session, 30);
      expect(open).toBeGreaterThan(150);
      expect(open).toBeLessThan(300);
      expect(later).toBeGreaterThan(20);
      expect(later).toBeLessThan(40);
    }
    // Crypto has no open: a steady stream.
    for (const symbol of ['BTC-USD', 'ETH-USD']) {
      const session = window(symbol, 0, 35);
      for (const minute of [0, 30]) {
        const rate = perSecond(session, minute);
        expect(rate).toBeGreaterThan(8);
        expect(rate).toBeLessThan(22);
      }
    }
  });

  it('prices each symbol at its level with its spread, in cents', () => {
    // [lowest bid, highest ask, tightest spread, widest spread]
    const levels: Record<string, [number, number, number, number]> = {
      SPY: [620, 660, 0.01, 0.01],
      QQQ: [550, 590, 0.01, 0.01],
      TSLA: [320, 360, 0.01, 0.05],
      'BTC-USD': [108_000, 116_000, 1, 4],
      'ETH-USD': [4400, 4800, 0.1, 0.5],
    };
    for (const [symbol, [lo, hi, tight, wide]] of Object.entries(levels)) {
      const events = window(symbol, 0, 35);
      const qs = quotes(events);
      expect(Math.min(...qs.map((q) => q.bid))).toBeGreaterThan(lo);
      expect(Math.max(...qs.map((q) => q.ask))).toBeLessThan(hi);
      const spreads = qs.map((q) => Math.round((q.ask - q.bid) * 100) / 100);
      expect(Math.min(...spreads)).toBeGreaterThanOrEqual(tight);
      expect(Math.max(...spreads)).toBeLessThanOrEqual(wide);
      const prices = [...qs.flatMap((q) => [q.bid, q.ask]), ...trades(events).map((t) => t.price)];
      expect(prices.filter((p) => Math.abs(p * 100 - Math.round(p * 100)) > 1e-6)).toEqual([]);
    }
  });

  it('sizes equities in round lots with some odd lots, crypto in fractions', () => {
    const spy = trades(window('SPY', 0, 5)).map((t) => t.size);
    expect(spy.every((s) => Number.isInteger(s) && s >= 1 && s <= 2000)).toBe(true);
    const odd = spy.filter((s) => s < 100).length / spy.length;
    expect(odd).toBeGreaterThan(0.1);
    expect(odd).toBeLessThan(0.3);
    expect(spy.filter((s) => s >= 100).every((s) => s % 100 === 0)).toBe(true);
    const btc = trades(window('BTC-USD', 0, 5)).map((t) => t.size);
    expect(btc.every((s) => s > 0 && s <= 0.5)).toBe(true);
    expect(btc.filter((s) => !Number.isInteger(s)).length).toBe(btc.length);
  });

  it('serves any ticker at a constant rate for the synthetic feed', () => {
    const startMs = Date.UTC(2030, 0, 2, 15);
    const events = [...generateEvents({ symbol: 'ZZZT', seed: 9, startMs, endMs: startMs + 10_000, constantRate: 500 })];
    expect(events.length).toBeGreaterThan(4000);
    expect(events.length).toBeLessThan(6000);
    const qs = quotes(events);
    expect(qs.every((q) => q.bid > 10 && q.bid < q.ask && q.ask < 1000)).toBe(true);
    expect(events.every((e) => e.symbol === 'ZZZT')).toBe(true);
  });
});
