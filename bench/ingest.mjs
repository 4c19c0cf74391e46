#!/usr/bin/env node
// Ingest (issue 13 §1a): frames/s the real runner takes from a sender in another process over
// loopback, with zero drops, for single-event frames (Binance/Polygon style) and batched frames
// (Alpaca-style arrays of BATCH events), at 20 and 200 symbols. The anchor, same sender, same
// frames, same run: a bare `ws` client that only JSON.parses each frame. Throughput is given per
// wall-clock second and per CPU second of the process (process.cpuUsage). One JSON line per case
// (bench/results/ingest.jsonl). BENCH_QUICK=1: fewer frames. Run after `make build`.
import WebSocket from 'ws';
import { startRunner, startSender, tickers } from './harness.mjs';
import { record, rssMb, sleep } from './lib.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const SINGLE_FRAMES = Number(process.env.BENCH_FRAMES ?? (QUICK ? 200_000 : 2_000_000));
const BATCH = 10;

/** Waits until `done()` or `ms`; samples memory every 50 ms meanwhile. */
async function until(done, ms, mem) {
  const t0 = performance.now();
  while (!done()) {
    if (performance.now() - t0 > ms) return false;
    mem.rss = Math.max(mem.rss, rssMb());
    mem.heap = Math.max(mem.heap, process.memoryUsage().heapUsed / 1048576);
    await sleep(5);
  }
  return true;
}

async function runnerCase(symbols, batch, frames) {
  const sender = await startSender();
  const connected = sender.connected();
  const h = await startRunner({ url: sender.url, symbols, yaml: 'decision:\n  bar_interval: 1s\n' });
  await connected;
  await sleep(300);
  const before = rssMb();
  const mem = { rss: before, heap: 0 };
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const sent = sender.send({ frames, rate: 0, symbols, batch });
  const total = frames * batch;
  const complete = await until(() => h.counts().events >= total, 120_000, mem);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const s = await sent;
  const c = h.counts();
  await h.stop();
  h.remove();
  await sender.close();
  return { complete, frames_per_s: Math.round(frames / (ms / 1000)), frames_per_cpu_s: Math.round(frames / ((cpu.user + cpu.system) / 1e6)), events_per_s: Math.round(total / (ms / 1000)), events_sent: s.events, events_received: c.events, accepted: c.accepted, dropped: c.dropped, decisions: c.decisions, rss_before_mb: before, rss_peak_mb: mem.rss, heap_peak_mb: Number(mem.heap.toFixed(1)) };
}

async function anchorCase(symbols, batch, frames) {
  const sender = await startSender();
  const connected = sender.connected();
  const ws = new WebSocket(sender.url, { perMessageDeflate: false, maxPayload: 64 << 20 });
  let received = 0;
  ws.on('message', (data) => {
    JSON.parse(data.toString());
    received += 1;
  });
  await connected;
  await sleep(300);
  const mem = { rss: 0, heap: 0 };
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const sent = sender.send({ frames, rate: 0, symbols, batch });
  const complete = await until(() => received >= frames, 120_000, mem);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await sent;
  ws.close();
  await sender.close();
  return { complete, frames_per_s: Math.round(frames / (ms / 1000)), frames_per_cpu_s: Math.round(frames / ((cpu.user + cpu.system) / 1e6)) };
}

for (const n of [20, 200]) {
  for (const batch of [1, BATCH]) {
    const symbols = tickers(n);
    const frames = batch === 1 ? SINGLE_FRAMES : Math.round(SINGLE_FRAMES / BATCH);
    const runner = await runnerCase(symbols, batch, frames);
    const anchor = await anchorCase(symbols, batch, frames);
    const zeroDrops = runner.complete && runner.events_received === runner.events_sent && runner.dropped === 0;
    record('ingest', {
      frames_per_s: runner.frames_per_s,
      events_per_s: runner.events_per_s,
      anchor_frames_per_s: anchor.frames_per_s,
      // CPU-time throughput: what one core of the runner's process does per second of its own CPU,
      // the figure that a loaded host (where wall-clock throughput is the scheduler's) leaves alone.
      anchor_frames_per_cpu_s: anchor.frames_per_cpu_s,
      ratio_to_anchor: Number((runner.frames_per_s / anchor.frames_per_s).toFixed(2)),
      zero_drops: zeroDrops,
      ...runner,
      target_frames_per_s: batch === 1 ? 250_000 : null,
      target_met: batch === 1 ? zeroDrops && runner.frames_per_s >= 250_000 : null,
      target_met_per_cpu_s: batch === 1 ? zeroDrops && runner.frames_per_cpu_s >= 250_000 : null,
    }, { symbols: n, events_per_frame: batch, frames, protocol: 'native (trade/quote JSON, 3:1)', bar_interval: '1s', sender: 'own process, flat out, TCP backpressure', quick: QUICK });
  }
}
