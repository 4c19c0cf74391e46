#!/usr/bin/env node
// Scale-out throughput on a real nats-server, all in one run on this machine:
//  1. `trader ingest` on the synthetic feed (5 symbols, BENCH_RATE events/s each offered) publishes
//     into a fresh JetStream stream for BENCH_INGEST_S seconds: its publish rate.
//  2. Over that stored stream, from its first message, for BENCH_CONSUME_S seconds each:
//     one process (`trader run --feed nats`), then 1, 2 and 4 shards (`--shard i/N`, run at once):
//     end-to-end events/s = events the runners decided on (RUN_SUMMARY) / time from the feed
//     connecting to the summary. A configuration that drained the stream is marked (its rate is a floor).
// Run after `make build`: node bench/cluster.mjs. Appends one JSON line to bench/results/cluster.jsonl.
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';

const REPO = resolve(import.meta.dirname, '..');
const BIN = join(REPO, 'bin/trader.js');
const RATE = Number(process.env.BENCH_RATE ?? 20_000);
const INGEST_S = Number(process.env.BENCH_INGEST_S ?? 10);
const CONSUME_S = Number(process.env.BENCH_CONSUME_S ?? 8);
const SYMBOLS = ['SPY', 'QQQ', 'TSLA', 'AAPL', 'IWM'];
const NATS = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'].find((p) => existsSync(p));
if (!NATS) {
  console.error('bench/cluster.mjs: nats-server is not installed (apt-get install nats-server)');
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'trader-bench-cluster-'));
const config = join(dir, 'bench.yaml');
writeFileSync(config, `symbols: [${SYMBOLS.join(', ')}]
max_positions: 4
feeds:
  primary: { venue: synthetic }
  synthetic: { rate: ${RATE}, seed: 7 }
decision:
  bar_interval: 1s
staleness:
  heartbeat_interval: 1s
  max_lag: 1h
`);
const env = { ...process.env, TRADER_RUN_DIR: join(dir, 'run') };
mkdirSync(env.TRADER_RUN_DIR);

function run(args) {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => done({ code, err }));
  });
}

const records = (path) => readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

async function startNats() {
  const child = spawn(NATS, ['-js', '-a', '127.0.0.1', '-p', '-1', '-sd', join(dir, 'store')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => (log += d));
  for (let i = 0; i < 300 && !/Server is ready/.test(log); i++) await new Promise((r) => setTimeout(r, 100));
  const port = /Listening for client connections on [\d.]+:(\d+)/.exec(log)?.[1];
  if (!port) throw new Error(`nats-server did not start: ${log}`);
  return { child, url: `nats://127.0.0.1:${port}` };
}

/** One consumer's events and window from its trace. */
function consumed(trace) {
  const rs = records(trace);
  const from = Date.parse(rs.find((r) => r.event === 'FEED_CONNECTED')?.ts ?? rs[0].ts);
  const summary = rs.find((r) => r.event === 'RUN_SUMMARY');
  const events = Object.values(summary?.perSymbol ?? {}).reduce((n, s) => n + s.events, 0);
  return { events, seconds: (Date.parse(summary.ts) - from) / 1000 };
}

/** A new shard count over the same stored session: what an operator does with `nats kv del TRADER_CONTROL shards.TRADER_MD`. */
async function forgetShardCount(url) {
  const nc = await connect({ servers: url });
  await (await new Kvm(nc).open('TRADER_CONTROL')).delete('shards.TRADER_MD');
  await nc.close();
}

async function consumers(url, label, shards) {
  await forgetShardCount(url);
  const names = shards.map((s, i) => `${label}-${i + 1}`);
  const results = await Promise.all(shards.map((s, i) => run(['run', '--feed', 'nats', '--nats-url', url, '--config', config, '--duration', `${CONSUME_S}s`, '--quiet', '--log-file', join(dir, `${names[i]}.log`), '--trace-file', join(dir, `${names[i]}.jsonl`), '--pid-file', join(dir, `${names[i]}.pid`), '--kill-switch-file', join(dir, `HALT-${names[i]}`), ...(s ? ['--shard', s] : [])])));
  for (const [i, r] of results.entries()) if (r.code !== 0) throw new Error(`${names[i]} exited ${r.code}: ${r.err}`);
  const each = names.map((n) => consumed(join(dir, `${n}.jsonl`)));
  const events = each.reduce((n, e) => n + e.events, 0);
  const seconds = Math.max(...each.map((e) => e.seconds));
  return { events, seconds: Math.round(seconds * 100) / 100, events_per_s: Math.round(events / seconds), per_process: each.map((e) => Math.round(e.events / e.seconds)) };
}

const nats = await startNats();
try {
  const ingestTrace = join(dir, 'ingest.jsonl');
  const ing = await run(['ingest', '--config', config, '--nats-url', nats.url, '--duration', `${INGEST_S}s`, '--quiet', '--log-file', join(dir, 'ingest.log'), '--trace-file', ingestTrace]);
  if (ing.code !== 0) throw new Error(`ingest exited ${ing.code}: ${ing.err}`);
  const rs = records(ingestTrace);
  const beats = rs.filter((r) => r.event === 'INGEST_HEARTBEAT' && r.published > 0).map((r) => r.rate_per_s).sort((a, b) => a - b);
  const stopped = rs.find((r) => r.event === 'INGEST_STOPPED');
  const firstData = Date.parse(rs.find((r) => r.event === 'INGEST_HEARTBEAT' && r.published > 0)?.ts ?? rs[0].ts) - 1000;
  const published = stopped.published;
  const ingestResult = { published, offered_per_s: RATE * SYMBOLS.length, publish_per_s_median: Math.round(beats[Math.floor(beats.length / 2)] ?? 0), publish_per_s_max: Math.round(beats.at(-1) ?? 0), publish_per_s_overall: Math.round(published / ((Date.parse(stopped.ts) - firstData) / 1000)) };

  const single = await consumers(nats.url, 'single', [undefined]);
  const shards = {};
  for (const n of [1, 2, 4]) shards[n] = await consumers(nats.url, `s${n}`, Array.from({ length: n }, (_, i) => `${i + 1}/${n}`));
  const drained = (r) => r.events >= published;
  const line = {
    bench: 'cluster',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, mem_gb: Math.round(totalmem() / 2 ** 30), loadavg_1m: Math.round(loadavg()[0] * 100) / 100, node: process.version },
    params: { symbols: SYMBOLS.length, rate_per_symbol: RATE, ingest_s: INGEST_S, consume_s: CONSUME_S, encoding: 'json', consumer: 'one ordered consumer on md.> per process, partition filtered client-side' },
    ingest: ingestResult,
    end_to_end: { single: { ...single, drained: drained(single) }, ...Object.fromEntries(Object.entries(shards).map(([n, r]) => [`shards_${n}`, { ...r, drained: drained(r) }])) },
  };
  mkdirSync(join(REPO, 'bench/results'), { recursive: true });
  appendFileSync(join(REPO, 'bench/results/cluster.jsonl'), `${JSON.stringify(line)}\n`);
  console.log(JSON.stringify(line));
} finally {
  nats.child.kill('SIGKILL');
}
