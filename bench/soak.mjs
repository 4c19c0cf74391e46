#!/usr/bin/env node
// Soak (issue 13 §1d): the real runner (in-process, as `trader run` wires it) on SPY, QQQ and TSLA
// at 10× the fixtures' open rate — their busiest minute is 242 + 206 + 189 events/s, so 6,400
// single-event frames/s from bench/sender.mjs in its own process — with 1 s bars. After the
// warm-up, every 10 s: a full GC, then heapUsed (the post-GC heap) and RSS. Figures: the post-GC
// heap's least-squares slope in MB per 10 minutes and RSS growth in % from the first sample after
// warm-up to the last. Needs --expose-gc (the Makefile passes it).
// BENCH_SOAK_MIN (default 3) minutes in all, BENCH_SOAK_WARMUP_MIN (default 1 for 3 min, 5 for longer).
import { startRunner, startSender } from './harness.mjs';
import { record, sleep } from './lib.mjs';

if (typeof globalThis.gc !== 'function') {
  console.error('bench/soak.mjs: run with node --expose-gc (make bench-soak does)');
  process.exit(2);
}
const MINUTES = Number(process.env.BENCH_SOAK_MIN ?? 3);
const WARMUP_MIN = Number(process.env.BENCH_SOAK_WARMUP_MIN ?? (MINUTES > 5 ? 5 : 1));
const RATE = 6_400;
const SAMPLE_MS = 10_000;
const symbols = ['SPY', 'QQQ', 'TSLA'];

const sender = await startSender();
const connected = sender.connected();
const h = await startRunner({ url: sender.url, symbols, yaml: 'decision:\n  bar_interval: 1s\n' });
await connected;
const totalFrames = Math.round(RATE * MINUTES * 60 * 1.05);
const sent = sender.send({ frames: totalFrames, rate: RATE, symbols, batch: 1 });
const t0 = performance.now();
await sleep(WARMUP_MIN * 60_000);
const samples = [];
while (performance.now() - t0 < MINUTES * 60_000) {
  globalThis.gc();
  const m = process.memoryUsage();
  samples.push({ t_s: (performance.now() - t0) / 1000, heap_mb: m.heapUsed / 1048576, rss_mb: m.rss / 1048576, heap_total_mb: m.heapTotal / 1048576, external_mb: m.external / 1048576, array_buffers_mb: m.arrayBuffers / 1048576 });
  await sleep(SAMPLE_MS);
}
const c = h.counts();
await h.stop();
h.remove();
await sender.close();
void sent;

/** Least-squares slope of y over t (seconds), in units per 600 s. */
function slopePer10Min(points, key) {
  const n = points.length;
  const mt = points.reduce((a, p) => a + p.t_s, 0) / n;
  const my = points.reduce((a, p) => a + p[key], 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t_s - mt) * (p[key] - my);
    den += (p.t_s - mt) ** 2;
  }
  return den === 0 ? 0 : (num / den) * 600;
}
const first = samples[0];
const last = samples[samples.length - 1];
const slope = slopePer10Min(samples, 'heap_mb');
const rssGrowth = ((last.rss_mb - first.rss_mb) / first.rss_mb) * 100;
record(MINUTES >= 30 ? 'soak-full' : 'soak', {
  heap_slope_mb_per_10min: Number(slope.toFixed(3)),
  rss_growth_pct: Number(rssGrowth.toFixed(2)),
  heap_post_gc_first_mb: Number(first.heap_mb.toFixed(2)),
  heap_post_gc_last_mb: Number(last.heap_mb.toFixed(2)),
  rss_first_mb: Number(first.rss_mb.toFixed(1)),
  rss_last_mb: Number(last.rss_mb.toFixed(1)),
  samples: samples.length,
  // Where RSS went, once a minute: [seconds, post-GC heap used, heap committed, external, array buffers, RSS] in MB.
  series: samples.filter((_, i) => i % 6 === 0 || i === samples.length - 1).map((p) => [Math.round(p.t_s), p.heap_mb, p.heap_total_mb, p.external_mb, p.array_buffers_mb, p.rss_mb].map((v) => Number(v.toFixed(1)))),
  events: c.events,
  dropped: c.dropped,
  decisions: c.decisions,
  targets: { heap_slope_mb_per_10min: 1, rss_growth_pct: 2 },
  targets_met: slope <= 1 && rssGrowth <= 2,
}, { minutes: MINUTES, warmup_min: WARMUP_MIN, v8_flags: process.env.BENCH_RUNNER_V8_FLAGS, rate_msg_per_s: RATE, symbols, bar_interval: '1s', sample_every_s: SAMPLE_MS / 1000, note: MINUTES < 30 ? 'the short variant: a slope over a few minutes is noisy, the 30-minute run is the figure' : 'the full soak' });
