#!/usr/bin/env node
// Latency under load (issue 13 §1b): the real runner takes single-event frames from a sender in
// another process at 10k, 50k and 150k msg/s; every decision is timed from the frame's receipt
// (the ws 'message' callback, where the runner stamps recvNs) to its log and trace lines being
// written — a bus subscriber attached after the journal sees the event once both writes returned.
// The decision record carries processing_us (receipt → the decision emitted) and `now` (when it
// was emitted), so receipt = now − processing_us and logged = the subscriber's clock.
// perf_hooks histograms, not arrays: decision latency (createHistogram) and the event loop's
// delay (monitorEventLoopDelay, 1 ms resolution). 100 ms bars over 20 symbols give ~200 decisions/s.
// Also split: receipt → decision made (processing_us) and made → written (the journal), and the
// first decision after each bar boundary against the others.
// BENCH_QUICK=1: 4 s per rate after 1 s of warm-up, else 30 s after 2 s (warm-up is not counted).
import { constants, createHistogram, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { startRunner, startSender, tickers, wallClock } from './harness.mjs';
import { hist, record, rssMb, sleep } from './lib.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 4 : 30));
const WARMUP_S = QUICK ? 1 : 2;
const RATES = (process.env.BENCH_RATES ?? '10000,50000,150000').split(',').map(Number);
const symbols = tickers(20);
// The sender (the venue's stand-in) at the lowest CPU priority, so that on this 2-core host it does
// not preempt the runner mid-decision; BENCH_SENDER_NICE=0 to measure it at the default priority.
const SENDER_NICE = Number(process.env.BENCH_SENDER_NICE ?? 19);

for (const rate of RATES) {
  const sender = await startSender({ nice: SENDER_NICE });
  const connected = sender.connected();
  const h = await startRunner({ url: sender.url, symbols, yaml: 'decision:\n  bar_interval: 100ms\n' });
  await connected;
  const decision = createHistogram();
  // The two halves of a decision's latency: receipt → decision made (the data path and the
  // strategy: processing_us) and decision made → its lines written (the journal).
  const decide = createHistogram();
  const write = createHistogram();
  // Every symbol's bar closes at the same boundary: the first decision after one runs after a
  // bar's worth of market data alone, with the decision path's code and data out of the caches;
  // the 19 after it follow at once. The tail is mostly the first ones (BENCHMARKS.md, 1b).
  const firstAfterBoundary = createHistogram();
  const rest = createHistogram();
  let lastBarEnd = -1;
  h.bus.on('DECISION_LOGGED', (e) => {
    const writeMs = wallClock() - e.now;
    const ns = Math.max(1, Math.round((writeMs + e.record.processing_us / 1000) * 1e6));
    decision.record(ns);
    decide.record(Math.max(1, e.record.processing_us * 1000));
    write.record(Math.max(1, Math.round(writeMs * 1e6)));
    (e.record.bar_end !== lastBarEnd ? firstAfterBoundary : rest).record(ns);
    lastBarEnd = e.record.bar_end;
  });
  const loop = monitorEventLoopDelay({ resolution: 1 });
  // GC pauses in the measured window: the usual suspect for a latency tail.
  const gc = { count: 0, total_ms: 0, max_ms: 0, major: 0, major_max_ms: 0, counting: false };
  const gcObserver = new PerformanceObserver((list) => {
    if (!gc.counting) return;
    for (const e of list.getEntries()) {
      gc.count += 1;
      gc.total_ms += e.duration;
      gc.max_ms = Math.max(gc.max_ms, e.duration);
      if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        gc.major += 1;
        gc.major_max_ms = Math.max(gc.major_max_ms, e.duration);
      }
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const frames = Math.round(rate * (SECONDS + WARMUP_S));
  const sent = sender.send({ frames, rate, symbols, batch: 1 });
  await sleep(WARMUP_S * 1000);
  decision.reset();
  for (const x of [decide, write, firstAfterBoundary, rest]) x.reset();
  loop.enable();
  gc.counting = true;
  const before = h.counts();
  const t0 = performance.now();
  const s = await sent;
  // Let the runner take what is still in flight.
  for (let k = 0; k < 200 && h.counts().events < s.events; k += 1) await sleep(10);
  loop.disable();
  gc.counting = false;
  gcObserver.disconnect();
  const secs = (performance.now() - t0) / 1000;
  const c = h.counts();
  await h.stop();
  h.remove();
  await sender.close();
  const d = hist(decision);
  const target = rate === 50_000 ? { p99_us: 250, p999_us: 1000 } : null;
  record('latency', {
    achieved_msg_per_s: Math.round((c.events - before.events) / secs),
    decision_latency: d,
    receipt_to_decision: hist(decide),
    decision_to_logged: hist(write),
    first_after_bar_boundary: hist(firstAfterBoundary),
    other_decisions: hist(rest),
    event_loop_delay_p99_us: Number((loop.percentile(99) / 1000).toFixed(1)),
    event_loop_delay_max_us: Number((loop.max / 1000).toFixed(1)),
    gc_pauses: { count: gc.count, total_ms: Number(gc.total_ms.toFixed(1)), max_ms: Number(gc.max_ms.toFixed(2)), major: gc.major, major_max_ms: Number(gc.major_max_ms.toFixed(2)) },
    events_sent: s.events,
    events_received: c.events,
    dropped: c.dropped,
    rss_mb: rssMb(),
    target,
    target_met: target ? d.p99_us <= target.p99_us && d.p999_us <= target.p999_us : null,
  }, { rate_msg_per_s: rate, seconds: SECONDS, warmup_s: WARMUP_S, symbols: symbols.length, bar_interval: '100ms', frames: 'single-event, native protocol', sender_nice: SENDER_NICE, quick: QUICK });
}
