/**
 * The data-quality rules as pure units: the sequence rule (no single frame sets the ceiling), the
 * plausibility rule (clock skew, size, price band, the first price, re-anchoring), the pipeline
 * that composes them (a poison print never reaches a bar or VWAP), and the shared rate limiter.
 */
import { describe, expect, it } from 'vitest';
import { SequenceGuard } from '../../../src/engine/sequence-guard.js';
import { PriceGuard } from '../../../src/engine/price-guard.js';
import { SymbolPipeline } from '../../../src/engine/pipeline.js';
import { builtinVwapMomentum } from '../../../src/strategy/vwap-momentum.js';
import type { MarketEvent, Quote, Trade } from '../../../src/feeds/events.js';
import { poisonTicks } from '../../../src/feeds/server/faults.js';
import { RateLimiter } from '../../../src/util/rate-limiter.js';

const T0 = Date.UTC(2025, 7, 25, 13, 30);
const PRICES = { maxSkewMs: 60_000, bandPct: 10, maxSize: 10_000_000, reanchorAfter: 5 };
const PARAMS = { lookback_bars: 2, momentum_bps: 2, vwap_band_bps: 1 };

const trade = (seq: number, offsetMs: number, price: number, size = 100): Trade => ({ kind: 'trade', symbol: 'SPY', seq, exchTs: T0 + offsetMs, price, size });
const quote = (seq: number, offsetMs: number, bid: number, ask: number): Quote => ({ kind: 'quote', symbol: 'SPY', seq, exchTs: T0 + offsetMs, bid, bidSize: 100, ask, askSize: 100 });

describe('SequenceGuard: no single frame moves the ceiling', () => {
  /**
   * Feeds seqs in order, committing what is taken (as the pipeline does when the rest accepts it).
   * Each event's exchange time is its seq unless given as `seq@ts` (a seq reused by other content).
   */
  function run(guard: SequenceGuard<{ seq: number; ts: number }>, seqs: Array<number | string>): string[] {
    const out: string[] = [];
    for (const spec of seqs) {
      const [seq, ts] = typeof spec === 'number' ? [spec, spec] : spec.split('@').map(Number) as [number, number];
      const step = guard.check({ seq, ts });
      for (const d of step.dropped) out.push(`${d.item.seq}:${d.kind}`);
      if (step.reset) out.push(`reset ${step.reset.from}->${step.reset.to}`);
      if (step.gap) out.push(`gap ${step.gap.expected}-${step.gap.received}`);
      for (const t of step.take) {
        guard.commit(t);
        out.push(`${t.seq}`);
      }
      if (step.held) out.push(`${seq}:held`);
    }
    return out;
  }

  it('drops a lone seq of 2^53 as bad_value and goes on with the next events', () => {
    const g = new SequenceGuard(1000);
    expect(run(g, [1, 2, 2 ** 53, 3, 4])).toEqual(['1', '2', `${2 ** 53}:held`, `${2 ** 53}:bad_value`, '3', '4']);
  });

  it('confirms a real renumbering when the next event continues from the suspect: SEQUENCE_RESET', () => {
    const g = new SequenceGuard(1000);
    // A venue restart numbers from 1 again; a long outage jumps far ahead.
    expect(run(g, [5000, 5001, 1, 2, 3])).toEqual(['5000', '5001', '1:held', 'reset 5001->1', '1', '2', '3']);
    expect(run(g, [90_000, 90_002])).toEqual(['90000:held', 'reset 3->90000', 'gap 90001-90002', '90000', '90002']);
  });

  it('recovers when the very first event carries the poison seq', () => {
    const g = new SequenceGuard(1000);
    expect(run(g, [2 ** 53, 10, 11, 12])).toEqual([`${2 ** 53}`, '10:held', `reset ${2 ** 53}->10`, '10', '11', '12']);
  });

  it('replaces a suspect that nothing followed by the next far-off one', () => {
    const g = new SequenceGuard(1000);
    expect(run(g, [1, 50_000, 90_000, 90_001])).toEqual(['1', '50000:held', '50000:bad_value', '90000:held', 'reset 1->90000', '90000', '90001']);
  });

  it('keeps duplicates and out-of-order events apart, and a held suspect repeated is a duplicate', () => {
    const g = new SequenceGuard(1000);
    expect(run(g, [1, 2, 2, 5, 4, 9999, 9999, 6])).toEqual(['1', '2', '2:duplicate', 'gap 3-5', '5', '4:out_of_order', '9999:held', '9999:duplicate', '9999:bad_value', '6']);
  });

  it('lets an event that was judged but not committed (rejected downstream) be resent, and reports no gap for it', () => {
    const g = new SequenceGuard(1000);
    const step1 = g.check({ seq: 1, ts: 1 });
    g.commit({ seq: 1, ts: 1 });
    expect(step1.take).toHaveLength(1);
    expect(g.check({ seq: 2, ts: 2 }).take).toHaveLength(1); // taken, then rejected downstream: not committed
    const step3 = g.check({ seq: 3, ts: 3 });
    expect(step3.gap).toBeUndefined();
    g.commit({ seq: 3, ts: 3 });
    expect(g.check({ seq: 2, ts: 2 }).dropped.map((d) => d.kind)).toEqual(['out_of_order']);
  });

  it('measures jumps from the highest seq judged, so a stream rejected downstream is not a new numbering every max_seq_jump', () => {
    const g = new SequenceGuard(100);
    g.check({ seq: 1, ts: 1 });
    g.commit({ seq: 1, ts: 1 });
    const steps = Array.from({ length: 500 }, (_, i) => g.check({ seq: i + 2, ts: i + 2 })); // none committed
    expect(steps.filter((st) => st.held || st.reset || st.gap || st.dropped.length)).toEqual([]);
    expect(steps.every((st) => st.take.length === 1)).toBe(true);
  });

  it('tells a restarted numbering (seqs reused with new content) from duplicates, however small the old ceiling', () => {
    const g = new SequenceGuard(1000);
    // Seqs 1-3 resent as they were: duplicates. Seq 1 again with a later exchange time: a new numbering.
    expect(run(g, [1, 2, 3, 4, 5, 1, 2, 3, '1@100', '2@101', '3@102', 6])).toEqual(['1', '2', '3', '4', '5', '1:duplicate', '2:duplicate', '3:duplicate', '1:held', 'reset 5->1', '1', '2', '3', 'gap 4-6', '6']);
  });

  it('holds a seq further behind than the remembered window, and drops it when the stream goes on', () => {
    const g = new SequenceGuard(100_000);
    run(g, Array.from({ length: 10_000 }, (_, i) => i + 1));
    expect(run(g, [10, 10_001, 10_003, 10_002, 9990])).toEqual(['10:held', '10:bad_value', '10001', 'gap 10002-10003', '10003', '10002:out_of_order', '9990:duplicate']);
  });
});

describe('PriceGuard: plausibility', () => {
  function settle(guard: PriceGuard, events: MarketEvent[], recv?: (e: MarketEvent) => number): string[] {
    const out: string[] = [];
    for (const e of events) {
      const step = guard.check({ event: e, recvMs: recv ? recv(e) : e.exchTs });
      for (const d of step.dropped) out.push(`${d.item.event.seq}:${d.kind}`);
      if (step.reanchored) out.push(`reanchor ${step.reanchored.from}->${step.reanchored.to}`);
      for (const t of step.take) out.push(`${t.event.seq}`);
      if (step.held) out.push(`${e.seq}:held`);
    }
    return out;
  }

  it('rejects an exchange time far from receipt as bad_value, either way', () => {
    const g = new PriceGuard(PRICES);
    const future = { ...trade(3, 0, 640), exchTs: Date.UTC(2100, 0, 1) };
    const past = trade(4, -61_000, 640);
    expect(settle(g, [trade(1, 0, 640), trade(2, 10, 640), future, past], () => T0)).toEqual(['1:held', '1', '2', '3:bad_value', '4:bad_value']);
    const step = g.check({ event: { ...trade(5, 0, 640), exchTs: Date.UTC(2100, 0, 1) }, recvMs: T0 });
    expect(step.dropped[0]?.detail).toMatch(/exchange time 2100-01-01T00:00:00\.000Z is \d+\.\dy from receipt \(max_clock_skew 60\.0s\)/);
  });

  it('rejects a $0.01 x 1,000,000 print, an absurd size and a quote outside the band as outliers', () => {
    const g = new PriceGuard(PRICES);
    const events = [trade(1, 0, 640), trade(2, 10, 640.1), trade(3, 20, 0.01, 1_000_000), trade(4, 30, 640.2, 50_000_000), quote(5, 40, 700, 720), quote(6, 50, 640.1, 640.2), trade(7, 60, 710)];
    expect(settle(g, events)).toEqual(['1:held', '1', '2', '3:outlier', '4:outlier', '5:outlier', '6', '7:outlier']);
  });

  it('never lets a first poison print become the reference', () => {
    const g = new PriceGuard(PRICES);
    expect(settle(g, [trade(1, 0, 0.01, 1_000_000), trade(2, 10, 640), trade(3, 20, 640.05), trade(4, 30, 0.01)])).toEqual(['1:held', '1:outlier', '2:held', '2', '3', '4:outlier']);
  });

  it('moves the reference after reanchor_after agreeing events outside the band (a real gap), not for scattered bad prints', () => {
    const g = new PriceGuard(PRICES);
    const before = [trade(1, 0, 100), trade(2, 10, 100)];
    // Bad prints between good quotes never form a run.
    const scattered = [trade(3, 20, 1), quote(4, 30, 99.9, 100.1), trade(5, 40, 1), quote(6, 50, 99.9, 100.1), trade(7, 60, 1), trade(8, 70, 1), trade(9, 80, 100)];
    expect(settle(g, [...before, ...scattered])).toEqual(['1:held', '1', '2', '3:outlier', '4', '5:outlier', '6', '7:outlier', '8:outlier', '9']);
    // A reopening 20 % lower: the first four are outliers, the fifth moves the reference.
    const reopened = [80, 80.1, 79.9, 80, 80.05, 80.1].map((p, i) => trade(10 + i, 100 + i, p));
    expect(settle(g, reopened)).toEqual(['10:outlier', '11:outlier', '12:outlier', '13:outlier', 'reanchor 100->80.05', '14', '15']);
  });
});

describe('SymbolPipeline with poison ticks', () => {
  const LIMITS = { maxSeqJump: 10_000, prices: PRICES };
  /** A clean series of trades and quotes around 640 over 10 one-second bars. */
  function clean(): MarketEvent[] {
    const out: MarketEvent[] = [];
    for (let i = 0; i < 200; i++) {
      const p = 640 + Math.sin(i / 7) * 0.5 + i * 0.002;
      out.push(i % 3 === 0 ? quote(0, i * 50, p - 0.01, p + 0.01) : trade(0, i * 50, Math.round(p * 100) / 100, 100 + (i % 4) * 50));
    }
    return out;
  }
  /** Numbers events in order, as a venue would (poison spends seqs too, except its 2^53 one). */
  function numbered(events: MarketEvent[]): MarketEvent[] {
    let seq = 0;
    return events.map((e) => (e.seq === 2 ** 53 ? e : { ...e, seq: ++seq }));
  }
  function poisoned(): MarketEvent[] {
    const out: MarketEvent[] = [];
    clean().forEach((e, i) => {
      out.push(e);
      if (i % 25 === 10) out.push(...poisonTicks(e, e.exchTs, () => 0));
    });
    return out;
  }
  function decide(events: MarketEvent[]) {
    const p = new SymbolPipeline('SPY', 1000, builtinVwapMomentum(PARAMS), LIMITS);
    const outcomes: Record<string, number> = {};
    const decisions = events.flatMap((e) => {
      const step = p.onEvent(e, e.exchTs === Date.UTC(2100, 0, 1) ? T0 : e.exchTs);
      for (const v of step.verdicts) outcomes[v.outcome] = (outcomes[v.outcome] ?? 0) + 1;
      return step.decisions;
    });
    return { decisions, outcomes };
  }

  it('decides exactly as on the clean data: the bad print never reaches a bar or the session VWAP', () => {
    const good = decide(numbered(clean()));
    const bad = decide(numbered(poisoned()));
    expect(good.decisions.length).toBeGreaterThanOrEqual(8);
    expect(bad.decisions.map((d) => d.inputsDigest)).toEqual(good.decisions.map((d) => d.inputsDigest));
    expect(bad.decisions.map((d) => d.outputDigest)).toEqual(good.decisions.map((d) => d.outputDigest));
    for (const d of bad.decisions) {
      expect(d.inputs.session_vwap).toBeGreaterThan(630);
      for (const b of d.inputs.bars) expect(b.low).toBeGreaterThan(630);
      expect(d.dataGap).toBe(false);
    }
    // 8 poison rounds: 8 far-future and 8 lone 2^53 seqs are bad values, 8 prints are outliers.
    expect(bad.outcomes).toEqual({ accepted: 200, bad_value: 16, outlier: 8 });
  });
});

describe('RateLimiter', () => {
  it('lets one line per key per interval through and counts the rest exactly', () => {
    const r = new RateLimiter(1000);
    expect(r.hit('a', 0)).toEqual({ total: 1, suppressed: 0 });
    for (let t = 1; t < 1000; t += 100) expect(r.hit('a', t)).toBeUndefined();
    expect(r.hit('b', 500)).toEqual({ total: 1, suppressed: 0 });
    expect(r.hit('a', 1000)).toEqual({ total: 12, suppressed: 10 });
    expect(r.hit('a', 1200)).toBeUndefined();
    expect(r.due(1500, false)).toEqual([]);
    expect(r.due(2000, false)).toEqual([{ key: 'a', total: 13, suppressed: 1 }]);
    expect(r.due(2001, true)).toEqual([]);
    r.hit('b', 600);
    expect(r.due(700, true)).toEqual([{ key: 'b', total: 2, suppressed: 1 }]);
  });
});
