/**
 * The HTML report's chart data stays bounded and exact however long the trace: a million decisions
 * over a 6.5-hour session fold into a few thousand points per chart, every decision still counted,
 * the extremes still the true ones.
 */
import { describe, expect, it } from 'vitest';
import { ChartSeries } from '../../../src/report/chart-series.js';
import { EV } from '../../../src/core/events.js';

const T0 = Date.UTC(2025, 7, 25, 13, 30);

describe('ChartSeries', () => {
  it('folds 1M decisions of a session into at most 20k points a chart, counts and extremes exact', () => {
    const c = new ChartSeries(T0);
    const session = 6.5 * 3600_000;
    const n = 1_000_000;
    const symbols = ['SPY', 'QQQ', 'TSLA', 'BTC-USD'];
    const chunk = 1000;
    let spike = 0;
    for (let from = 0; from < n; from += chunk) {
      for (const [k, symbol] of symbols.entries()) {
        const at = new Float64Array(chunk / symbols.length);
        const lat = new Float64Array(chunk / symbols.length);
        for (let i = 0; i < at.length; i += 1) {
          const j = from + i * symbols.length + k;
          at[i] = T0 + (j / n) * session;
          // One 900 ms outlier in the middle of the run: the envelope must keep it.
          lat[i] = j === n / 2 + 1 ? ((spike = at[i] as number), 900) : 1 + (j % 7) / 10;
        }
        c.decisions(symbol, at, lat);
      }
    }
    const data = c.finish();
    const points = data.latency.x.length * (1 + data.latency.lines.length * 3);
    expect(points).toBeLessThanOrEqual(20_000 + data.latency.x.length);
    expect(data.latency.lines.map((l) => l.count)).toEqual([250_000, 250_000, 250_000, 250_000]);
    expect(Math.max(...data.latency.lines.flatMap((l) => l.max ?? []).map((v) => v ?? 0))).toBe(900);
    expect(Math.min(...data.latency.lines.flatMap((l) => l.min ?? []).map((v) => v ?? Infinity))).toBe(1);
    // The outlier sits in the bucket that covers its time.
    const qqq = data.latency.lines.find((l) => l.name === 'QQQ');
    const i = qqq?.max?.indexOf(900) ?? -1;
    expect(Math.abs((data.latency.x[i] as number) * 1000 - spike)).toBeLessThanOrEqual(data.latency.bucketMs / 2 + 1);
    // The histogram holds every decision.
    expect(data.histogram.counts.map((h) => h.values.reduce((a, b) => a + b, 0))).toEqual([250_000, 250_000, 250_000, 250_000]);
    const spyBins = data.histogram.counts[0]?.values ?? [];
    const top = spyBins.length - 1;
    expect(data.histogram.lower[top]).toBeLessThanOrEqual(900);
    expect(data.histogram.upper[top]).toBeGreaterThan(900);
  });

  it('marks the run events and charts memory samples in MiB; a flapping feed is capped', () => {
    const c = new ChartSeries(T0);
    const at = (s: number): string => new Date(T0 + s * 1000).toISOString();
    c.record({ type: 'event', event: EV.SYMBOL_ADDED, ts: at(10), symbol: 'TSLA' });
    c.record({ type: 'event', event: EV.KILL_SWITCH_DETECTED, ts: at(20), present_at_start: false });
    for (let k = 0; k < 300; k += 1) c.record({ type: 'event', event: EV.WEBSOCKET_DISCONNECT, ts: at(30 + k) });
    c.record({ type: 'event', event: EV.MEMORY_SAMPLE, ts: at(5), rss: 100 * 1048576, heap_used: 20 * 1048576, retained: 25 * 1048576 });
    const data = c.finish();
    expect(data.markers.filter((m) => m.kind !== 'disconnect')).toEqual([
      { t: T0 + 10_000, kind: 'symbol_added', label: '+TSLA' },
      { t: T0 + 20_000, kind: 'kill_switch', label: 'kill switch' },
    ]);
    expect(data.markers.filter((m) => m.kind === 'disconnect')).toHaveLength(200);
    expect(data.markersLeftOut).toBe(100);
    expect(data.memory.lines.map((l) => [l.name, l.avg.filter((v) => v !== null)])).toEqual([
      ['RSS', [100]],
      ['heap used', [20]],
      ['retained (heap + external after GC)', [25]],
    ]);
    expect(data.lastMs).toBe(T0 + 329_000);
  });
});
