/**
 * `trader ingest`: the one venue connection of a scale-out session. It holds the feed (any venue
 * of the registry through the same FeedSwitch/FeedClient as `trader run`, or the embedded replay
 * or synthetic feed) and publishes every normalized event to the JetStream stream on
 * md.<venue>.<symbol>, with the venue's sequence and its receipt time, as plain (unacknowledged)
 * publishes: acknowledged ones from Node top out near 25k msg/s, plain ones reach 145–190k (issue
 * 14). The stream stores what the server receives; a NATS outage is ridden out by the client's
 * reconnect buffer. Its own liveness, reconnect and staleness lines go through the Journal into
 * its log and hash-chained trace, like a run's.
 */
import { resolve } from 'node:path';
import { RunLock } from '../../runtime/lock.js';
import { requireDistinct, requireWritableFile } from '../../runtime/paths.js';
import { registerIngest, runDir, type RunEntry } from '../../runtime/registry.js';
import { withSecretsMasked } from './masked.js';
import { randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { loadConfig } from '../../config/load.js';
import { readFlags } from '../../config/flags.js';
import { maxLagFor, type Config, type Venue } from '../../config/schema.js';
import { usageError } from '../../errors.js';
import type { EmbeddedFeed } from '../../runner/embedded-feed.js';
import { resolveFeeds } from '../../runner/feed-sources.js';
import { FeedSwitch, type FeedSource, type SwitchListener } from '../../runner/feed-switch.js';
import { Bus } from '../../core/bus.js';
import { EV } from '../../core/events.js';
import { Journal } from '../../trace/journal.js';
import { rotateIfPresent } from '../../trace/files.js';
import { traceKey } from '../../trace/chain.js';
import { TRACE_SCHEMA_VERSION } from '../../trace/schema.js';
import { TRADER_VERSION } from '../../version.js';
import { redactor, urlSecrets, type Needle } from '../../util/redact.js';
import { ParseErrorLog } from '../../runner/parse-error-log.js';
import { operatorStdout } from '../operator-stdout.js';
import { connectNats, firstLine } from '../../cluster/nats-connect.js';
import { ENCODING, encodeEvent, subjectOf } from '../../cluster/md-codec.js';
import { controlBucket, ensureStream, manager, shardsKey, STREAM_SUBJECTS } from '../../cluster/stream.js';
import type { IngestFlags } from '../program.js';
import { natsEndpoint } from '../../cluster/defaults.js';
import { waitForStop } from '../../runtime/stop-signal.js';

const wallClock = (): number => performance.timeOrigin + performance.now();

export async function ingest(flags: IngestFlags): Promise<number> {
  return withSecretsMasked(flags.feedUrl, (secrets) => ingestMasked(flags, secrets));
}

interface SymbolCount {
  published: number;
  lastRecvMs: number | undefined;
  stale: boolean;
}

async function ingestMasked(flags: IngestFlags, secrets: Needle[]): Promise<number> {
  if (flags.feedUrl !== undefined && !/^wss?:\/\/[^\s]+$/.test(flags.feedUrl)) throw usageError(`--feed-url: expected a ws:// or wss:// URL, got "${flags.feedUrl}"`);
  // One writer per set of files, as for trader run: a second ingest (or a runner) on the same log or
  // trace is refused before anything is connected, rotated or written.
  const outputs = [{ flag: '--log-file', path: flags.logFile }, { flag: '--trace-file', path: flags.traceFile }];
  const [log = '', trace = ''] = requireDistinct(outputs);
  for (const output of outputs) requireWritableFile(output);
  const none = '(none: trader ingest)';
  const owner: RunEntry = { pid: process.pid, started_at: new Date(wallClock()).toISOString(), cwd: process.cwd(), log, trace, pid_file: none, kill_switch: none, capture: null, allow_resume: false, metrics_url: null };
  const lock = RunLock.acquire([log, trace], owner, (line) => process.stderr.write(`trader: warning: ${line}\n`));
  try {
    return await ingestLocked(flags, secrets);
  } finally {
    lock.release();
  }
}

async function ingestLocked(flags: IngestFlags, secrets: Needle[]): Promise<number> {
  const loaded = loadConfig(flags.config);
  const config = loaded.config;
  for (const url of [config.feeds.primary.url, config.feeds.fallback?.url]) if (url) secrets.push(...urlSecrets(url));
  const redact = redactor(secrets);
  const symbols = flags.symbols ?? config.symbols;
  const venue: Venue = flags.feed ?? config.feeds.primary.venue;
  // A closed stdout stops the echo and nothing else: every shard's data goes on.
  const stdout = operatorStdout(redact);
  const say = stdout.say;

  // The server and the stream first: bad input must leave the last session's files alone.
  const nc = await connectNats(natsEndpoint(flags), 'trader ingest');
  const embedded: EmbeddedFeed[] = [];
  let unregister: (() => void) | undefined;
  try {
    const jsm = await manager(nc);
    const { created } = await ensureStream(jsm, flags.stream);
    // A new stream is a new session: the shard count registered by an earlier one no longer binds.
    if (created) await (await controlBucket(nc)).delete(shardsKey(flags.stream)).catch(() => undefined);

    const { primary, fallback } = await resolveFeeds({ venue, feedUrl: flags.feedUrl, config, configPath: loaded.path, embedded });

    const now = wallClock();
    for (const path of [flags.logFile, flags.traceFile]) {
      try {
        const old = rotateIfPresent(path, now);
        if (old) say(`trader: kept the previous ${path} as ${old}\n`);
      } catch (err) {
        throw usageError(`cannot prepare ${path}: ${(err as Error).message}`);
      }
    }
    const bus = new Bus();
    let journal: Journal;
    try {
      const key = traceKey(process.env);
      journal = new Journal({ logPath: flags.logFile, tracePath: flags.traceFile, logFormat: 'text', logLevel: config.log_level, timezone: config.timezone, now: wallClock, redact, ...(key === undefined ? {} : { traceKey: key }), ...(flags.quiet ? {} : { echo: (line: string) => say(`${line}\n`) }) });
    } catch (err) {
      throw usageError(`cannot open the log or the trace: ${(err as Error).message}`);
    }
    journal.attach(bus);
    const runId = randomUUID();
    journal.run({
      type: 'run', ts: new Date(now).toISOString(), schema_version: TRACE_SCHEMA_VERSION, trader_version: TRADER_VERSION, run_id: runId, pid: process.pid, started_at: new Date(now).toISOString(),
      command: 'ingest', config: { path: loaded.path, digest: loaded.digest },
      // Ingest decides nothing: no strategy ran (the record's shape is the run's).
      strategy: { name: 'none', version: '0', params: {} },
      bar_interval_ms: config.decision.bar_interval, symbols, flags: readFlags(process.env), feed: { venue, url: redact(primary.url) }, timezone: config.timezone,
      thresholds: { max_lag_ms: config.staleness.max_lag, max_positions: config.max_positions, kill_switch_file: config.kill_switch.file },
    });

    const counts = new Map<string, SymbolCount>(symbols.map((s) => [s, { published: 0, lastRecvMs: undefined, stale: false }]));
    let published = 0;
    const publisher = new Publisher(nc, venue, counts, () => (published += 1));
    let subscribed: () => string[] = () => symbols;
    const byKind: Record<string, number> = {};
    const parseErrors = { log: new ParseErrorLog(bus, wallClock, () => byKind), byKind };
    const feeds: FeedSwitch = new FeedSwitch(primary, fallback, symbols, config.feeds, listener(bus, primary, fallback, () => subscribed(), publisher, parseErrors), wallClock);
    subscribed = () => feeds.subscribed;
    bus.emit({ name: EV.INGEST_STARTED, run_id: runId, pid: process.pid, venue, url: primary.url, nats_url: flags.natsUrl, stream: flags.stream, subjects: STREAM_SUBJECTS, symbols, encoding: ENCODING });
    // Listed by `trader status` while it runs (never by halt or resume: an ingest does not trade).
    const runs = runDir(process.env);
    try {
      unregister = registerIngest(runs, { pid: process.pid, started_at: new Date(now).toISOString(), cwd: process.cwd(), log: resolve(flags.logFile), trace: resolve(flags.traceFile), venue, feed_url: redact(primary.url), nats_url: flags.natsUrl, stream: flags.stream, symbols });
    } catch (err) {
      throw usageError(`run directory ${runs}: cannot register this ingest (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); set TRADER_RUN_DIR to a writable directory`);
    }
    say(`trader ingest: pid ${process.pid}; symbols ${symbols.join(',')}; feed ${venue} at ${primary.url}; publishing to stream ${flags.stream} at ${flags.natsUrl}; log ${flags.logFile}, trace ${flags.traceFile}\n`);
    const natsStatus = watchNats(nc, flags.natsUrl, bus);
    feeds.start();
    let lastBeat = { at: wallClock(), published: 0 };
    const beat = setInterval(() => {
      const t = wallClock();
      const per: Record<string, { published: number; age_ms: number | null }> = {};
      for (const [symbol, c] of counts) {
        const age = c.lastRecvMs === undefined ? null : t - c.lastRecvMs;
        per[symbol] = { published: c.published, age_ms: age };
        const over = (age ?? t - now) > maxLagFor(config, symbol);
        if (over && !c.stale) bus.emit({ name: EV.INGEST_STALE, symbol, age_ms: age, max_lag_ms: maxLagFor(config, symbol) });
        c.stale = over;
      }
      bus.emit({ name: EV.INGEST_HEARTBEAT, published, rate_per_s: ((published - lastBeat.published) * 1000) / Math.max(1, t - lastBeat.at), symbols: per });
      parseErrors.log.flush(false);
      lastBeat = { at: t, published };
    }, config.staleness.heartbeat_interval);

    const stopper = waitForStop(flags.duration, () => reload(flags, bus, feeds, counts));
    const reason = await stopper.reason;
    clearInterval(beat);
    await feeds.stop();
    // What the client still buffers reaches the server before the stop is announced.
    await nc.flush().catch(() => undefined);
    // The last line of suppressed parse errors: its total is then every one this ingest saw.
    parseErrors.log.flush(true);
    bus.emit({ name: EV.INGEST_STOPPED, reason, published, symbols: Object.fromEntries([...counts].map(([symbol, c]) => [symbol, c.published])) });
    bus.emit({ name: EV.RUN_STOPPED, reason });
    journal.close();
    await nc.close();
    await natsStatus;
    say(`trader ingest: stopped (${reason}); published ${published} events to ${flags.stream}\n`);
    return 0;
  } finally {
    unregister?.();
    await Promise.all(embedded.map((e) => e.close()));
    if (!nc.isClosed()) await nc.close();
    stdout.close();
  }
}

/** Plain publishes: the client writes them to its socket buffer, and buffers them across a reconnect. */
class Publisher {
  constructor(
    private readonly nc: NatsConnection,
    private readonly venue: string,
    private readonly counts: Map<string, SymbolCount>,
    private readonly onPublished: () => void,
  ) {}

  publish(symbol: string, data: Uint8Array, recvMs: number): void {
    this.nc.publish(subjectOf(this.venue, symbol), data);
    this.onPublished();
    const c = this.counts.get(symbol);
    if (c) {
      c.published += 1;
      c.lastRecvMs = recvMs;
    }
  }
}

function listener(bus: Bus, primary: FeedSource, fallback: FeedSource | undefined, subscribed: () => string[], publisher: Publisher, parseErrors: { log: ParseErrorLog; byKind: Record<string, number> }): SwitchListener {
  const tagged = fallback !== undefined;
  const venueOf = (role: 'primary' | 'fallback'): string => (role === 'primary' ? primary.venue : (fallback?.venue ?? ''));
  return {
    onEvent: (event, recvMs) => publisher.publish(event.symbol, encodeEvent(event, recvMs), recvMs),
    onParseIssue: (issue) => {
      // Counted and rate-limited as the runner does: a garbage flood must not become a log flood.
      parseErrors.byKind[issue.kind] = (parseErrors.byKind[issue.kind] ?? 0) + 1;
      parseErrors.log.add(issue);
    },
    onConnected: ({ role, url, connection, attempt, downtimeMs, first }) =>
      first
        ? bus.emit({ name: EV.FEED_CONNECTED, venue: venueOf(role), url, connection, symbols: subscribed(), source: role, tagged })
        : bus.emit({ name: EV.RECONNECT_SUCCESS, url, connection, attempt, downtime_ms: downtimeMs ?? null, symbols: subscribed(), source: role, tagged }),
    onDisconnected: ({ role, url, connection, code, reason }) => bus.emit({ name: EV.WEBSOCKET_DISCONNECT, url, connection, code, reason, source: role, tagged }),
    onReconnectAttempt: ({ role, url, attempt, delayMs }) => bus.emit({ name: EV.RECONNECT_ATTEMPT, url, attempt, delay_ms: delayMs, source: role, tagged }),
    onReconnectFailed: ({ role, url, attempt, error }) => bus.emit({ name: EV.RECONNECT_FAILED, url, attempt, cause: error, source: role, tagged }),
    onRotated: ({ role, url, from, to, reason }) => bus.emit({ name: EV.FEED_ROTATED, url, from, to, reason, source: role, tagged }),
    onFatal: ({ role, url, cause }) => bus.emit({ name: EV.FEED_FATAL, venue: venueOf(role), url, cause, source: role, tagged }),
    onSwitch: ({ from, to, reason }) => bus.emit({ name: to === 'fallback' ? EV.FEED_FAILOVER : EV.FEED_FAILBACK, from, to, reason }),
  };
}

async function watchNats(nc: NatsConnection, url: string, bus: Bus): Promise<void> {
  let downSince: number | undefined;
  for await (const s of nc.status()) {
    if (s.type === 'disconnect') {
      downSince = Date.now();
      bus.emit({ name: EV.NATS_DISCONNECTED, url });
    } else if (s.type === 'reconnect') {
      bus.emit({ name: EV.NATS_RECONNECTED, url, downtime_ms: downSince === undefined ? 0 : Date.now() - downSince });
      downSince = undefined;
    }
  }
}

/** SIGUSR1: the config's symbol list (plus --symbols) becomes the subscription; shards take theirs on their own SIGUSR1. */
function reload(flags: IngestFlags, bus: Bus, feeds: FeedSwitch, counts: Map<string, SymbolCount>): void {
  let config: Config;
  try {
    config = loadConfig(flags.config).config;
  } catch (err) {
    bus.emit({ name: EV.CONFIG_RELOAD_FAILED, error: firstLine(err), symbols: feeds.subscribed });
    return;
  }
  const next = [...(flags.symbols ?? [])];
  for (const s of config.symbols) if (!next.includes(s)) next.push(s);
  const current = feeds.subscribed;
  const added = next.filter((s) => !current.includes(s));
  const removed = current.filter((s) => !next.includes(s));
  for (const s of added) counts.set(s, { published: 0, lastRecvMs: undefined, stale: false });
  for (const s of removed) counts.delete(s);
  bus.emit({ name: EV.CONFIG_RELOADED, config: flags.config, symbols: next });
  if (added.length) feeds.addSymbols(added);
  if (removed.length) feeds.removeSymbols(removed);
}
