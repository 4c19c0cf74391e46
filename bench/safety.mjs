#!/usr/bin/env node
// Safety timings over many trials (issue 13 §1e), on the real runner (in-process, as `trader run`
// wires it) against bench/sender.mjs in its own process:
// - kill switch, watch + poll: the file is written, then the time to KILL_SWITCH_DETECTED on the
//   bus (kill_switch.allow_resume: true, so removing it resumes and the next trial starts clean);
// - kill switch, poll alone: the runner's KillSwitchPoller checked every poll_interval, no watch,
//   as the monitor's fallback path runs when watch events are lost;
// - reconnect after a drop: the sender cuts the TCP connection (no close frame); time from
//   WEBSOCKET_DISCONNECT to RECONNECT_SUCCESS, and from the cut to RECONNECT_SUCCESS;
// - half-open: the sender stops reading and sending (no pong) on a live connection; time to the
//   runner's WEBSOCKET_DISCONNECT against ping_interval + ping_timeout.
// BENCH_QUICK=1: fewer trials. One JSON line per measure (bench/results/safety.jsonl).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KillSwitchPoller } from '../dist/safety/kill-switch.js';
import { startRunner, startSender, tickers, wallClock } from './harness.mjs';
import { quantiles, record, sleep } from './lib.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const KILL_TRIALS = QUICK ? 8 : 100;
const DROP_TRIALS = QUICK ? 10 : 60;
const HALF_OPEN_TRIALS = QUICK ? 2 : 10;
const POLL_MS = 250;
const PING_INTERVAL_MS = 500;
const PING_TIMEOUT_MS = 500;

/** Resolves with the first event `name` on the bus after now (or null after `ms`). */
function nextEvent(bus, name, ms = 15_000) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      off();
      resolve(null);
    }, ms);
    const off = bus.on(name, (e) => {
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}

const symbols = tickers(2);
const sender = await startSender();
const connected = sender.connected();
const yaml = `kill_switch:\n  allow_resume: true\n  poll_interval: ${POLL_MS}ms\nfeeds:\n  primary:\n    venue: native\n    url: ${sender.url}\n  connection:\n    ping_interval: ${PING_INTERVAL_MS}ms\n    ping_timeout: ${PING_TIMEOUT_MS}ms\n    stable_after: 200ms\n`;
// startRunner writes its own `feeds:`; this config replaces it (the YAML has unique keys).
const h = await startRunner({ url: sender.url, symbols, yaml, feedsInYaml: true });
await connected;
const killFile = join(h.dir, 'FLAG_TRADING_HALTED');

// Kill switch, watch + poll (the real runner).
const watchPoll = [];
for (let i = 0; i < KILL_TRIALS; i += 1) {
  const detected = nextEvent(h.bus, 'KILL_SWITCH_DETECTED');
  const t0 = wallClock();
  writeFileSync(killFile, 'bench\n');
  const e = await detected;
  if (e) watchPoll.push(wallClock() - t0);
  const cleared = nextEvent(h.bus, 'KILL_SWITCH_CLEARED');
  rmSync(killFile, { force: true });
  await cleared;
  // Past the poller's late-event window, so the next file is a new event.
  await sleep(1100 + Math.random() * 100);
}
record('safety', { kill_switch_watch_poll_ms: quantiles(watchPoll), target_p99_ms: 50, target_met: watchPoll.length === KILL_TRIALS && quantiles(watchPoll).p99 < 50 }, { measure: 'kill switch detection, watch + poll (real runner)', trials: KILL_TRIALS, poll_interval_ms: POLL_MS, quick: QUICK });

// Kill switch, poll alone.
const pollDir = mkdtempSync(join(tmpdir(), 'trader-bench-poll-'));
const pollFile = join(pollDir, 'FLAG_TRADING_HALTED');
const pollOnly = [];
let pending;
const poller = new KillSwitchPoller(pollFile, (change) => {
  if (change.kind === 'appeared' && pending) pending(wallClock());
}, wallClock);
poller.check();
const pollTimer = setInterval(() => poller.check(), POLL_MS);
for (let i = 0; i < KILL_TRIALS; i += 1) {
  // Written at a random phase of the poll, as an operator's touch is.
  await sleep(Math.random() * POLL_MS);
  const seen = new Promise((resolve) => (pending = resolve));
  const t0 = wallClock();
  writeFileSync(pollFile, 'bench\n');
  pollOnly.push((await seen) - t0);
  pending = undefined;
  rmSync(pollFile, { force: true });
  await sleep(POLL_MS * 1.5);
}
clearInterval(pollTimer);
rmSync(pollDir, { recursive: true, force: true });
record('safety', { kill_switch_poll_only_ms: quantiles(pollOnly), bound_ms: POLL_MS }, { measure: 'kill switch detection, poll alone (KillSwitchPoller every poll_interval, no watch)', trials: KILL_TRIALS, poll_interval_ms: POLL_MS, quick: QUICK });

// Reconnect after a drop.
const downtime = [];
const fromCut = [];
for (let i = 0; i < DROP_TRIALS; i += 1) {
  const down = nextEvent(h.bus, 'WEBSOCKET_DISCONNECT');
  const back = nextEvent(h.bus, 'RECONNECT_SUCCESS');
  const t0 = wallClock();
  sender.drop();
  await down;
  const tDown = wallClock();
  const e = await back;
  if (e) {
    const t = wallClock();
    downtime.push(t - tDown);
    fromCut.push(t - t0);
  }
  // Longer than stable_after: each drop is of a stable connection (retried at once, not escalated).
  await sleep(300);
}
const rq = quantiles(downtime);
record('safety', { reconnect_after_drop_ms: rq, reconnect_from_cut_ms: quantiles(fromCut), target_median_ms: 300, target_met: downtime.length === DROP_TRIALS && rq.p50 < 300 }, { measure: 'reconnect after the sender cut the connection', trials: DROP_TRIALS, stable_after_ms: 200, backoff: 'default (first retry after a stable connection is immediate)', quick: QUICK });

// Half-open detection.
const halfOpen = [];
for (let i = 0; i < HALF_OPEN_TRIALS; i += 1) {
  const down = nextEvent(h.bus, 'WEBSOCKET_DISCONNECT', 10_000);
  const back = nextEvent(h.bus, 'RECONNECT_SUCCESS', 20_000);
  const t0 = wallClock();
  sender.freeze();
  if (await down) halfOpen.push(wallClock() - t0);
  await back;
  await sleep(300);
}
const bound = PING_INTERVAL_MS + PING_TIMEOUT_MS;
const hq = quantiles(halfOpen);
record('safety', { half_open_detection_ms: hq, bound_ms: bound, within_bound: halfOpen.length === HALF_OPEN_TRIALS && hq.max !== null && hq.max <= bound + Math.max(20, Math.min(PING_INTERVAL_MS, PING_TIMEOUT_MS) / 4) }, { measure: 'silent connection (no data, no pong) to disconnect', trials: HALF_OPEN_TRIALS, ping_interval_ms: PING_INTERVAL_MS, ping_timeout_ms: PING_TIMEOUT_MS, check_tick_ms: Math.max(20, Math.min(PING_INTERVAL_MS, PING_TIMEOUT_MS) / 4), quick: QUICK });

await h.stop();
h.remove();
await sender.close();
