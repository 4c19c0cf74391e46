/**
 * `trader run`: resolve flags over config, refuse what the feature flags forbid, start the
 * embedded feed when the venue is replay/synthetic, then run until --duration or a signal.
 */
import { natsEndpoint } from '../../cluster/defaults.js';
import { withSecretsMasked } from './masked.js';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadConfig } from '../../config/load.js';
import { readFlags } from '../../config/flags.js';
import type { Config, Venue } from '../../config/schema.js';
import { EXIT_FEED_FATAL, EXIT_WRITE_FAILED, TraderError, usageError } from '../../errors.js';
import { followsNyseCalendar, LIVE_VENUES } from '../../feeds/venues.js';
import { calendarWarning } from '../../calendar/nyse.js';
import type { EmbeddedFeed } from '../../runner/embedded-feed.js';
import { resolveFeeds } from '../../runner/feed-sources.js';
import { Runner } from '../../runner/runner.js';
import { ShardFilter } from '../../cluster/shard.js';
import type { TradingSnapshot } from '../../safety/trading-state.js';
import { operatorStdout } from '../operator-stdout.js';
import { strategyRecord } from '../../runner/run-record.js';
import { StrategyLog } from '../../runner/strategy-log.js';
import { resolveStrategy } from '../../strategy/registry.js';
import type { Strategy } from '../../strategy/types.js';
import { RunLock } from '../../runtime/lock.js';
import { requireDistinct, requireWritableFile, type NamedPath } from '../../runtime/paths.js';
import { register, runDir, type RunEntry } from '../../runtime/registry.js';
import { rotateIfPresent } from '../../trace/files.js';
import { Journal, type JournalOptions, type WriteFailure } from '../../trace/journal.js';
import { Bus } from '../../core/bus.js';
import { EV } from '../../core/events.js';
import { traceKey } from '../../trace/chain.js';
import { openTerminal } from '../../telemetry/terminal.js';
import { announceWarmup } from '../../telemetry/warmup-notice.js';
import { CAPTURE_VERSION, CaptureWriter } from '../../trace/capture.js';
import { formatDuration } from '../../util/duration.js';
import { waitForStop } from '../../runtime/stop-signal.js';
import { redactor, urlSecrets, type Needle, type Redact } from '../../util/redact.js';
import type { MetricsEndpoint } from '../../telemetry/metrics-endpoint.js';
import type { RunFlags } from '../program.js';
import type { NatsRun } from '../../cluster/nats-run.js';

const wallClock = (): number => performance.timeOrigin + performance.now();

export async function run(flags: RunFlags): Promise<number> {
  return withSecretsMasked(flags.feedUrl, (secrets) => runMasked(flags, secrets));
}

async function runMasked(flags: RunFlags, secrets: Needle[]): Promise<number> {
  const nats = flags.feed === 'nats';
  if (nats && flags.feedUrl !== undefined) throw usageError('--feed-url is a venue\'s endpoint; --feed nats reads the stream at --nats-url');
  if (nats && flags.record !== undefined) throw usageError('--record captures venue frames; with --feed nats the stream itself is the record (replay it with trader run --feed nats)');
  if (flags.feedUrl !== undefined && !/^wss?:\/\/[^\s]+$/.test(flags.feedUrl)) {
    throw usageError(`--feed-url: expected a ws:// or wss:// URL, got "${flags.feedUrl}"`);
  }
  const drillLeakBytesPerSample = drillLeak(process.env.TRADER_DRILL_LEAK_KB_PER_SAMPLE);
  const loaded = loadConfig(flags.config);
  const config = loaded.config;
  for (const url of [config.feeds.primary.url, config.feeds.fallback?.url]) if (url) secrets.push(...urlSecrets(url));
  const redact = redactor(secrets);
  const given = flags.symbols ?? config.symbols;
  // A shard runs only the given symbols it owns (cluster/partition.ts); the others are its siblings'.
  const shard = flags.shard ? new ShardFilter(flags.shard, given) : undefined;
  const symbols = shard ? shard.keep(given) : given;
  const env = readFlags(process.env);
  // With --feed nats the venue is ingest's: the config's stands in where a venue is named (the capture, the calendar).
  const venue: Venue = flags.feed === undefined || flags.feed === 'nats' ? config.feeds.primary.venue : flags.feed;

  if (!env.FLAG_MULTI_SYMBOL && given.length > 1) {
    throw new TraderError('E_FLAG_REFUSED', `FLAG_MULTI_SYMBOL=0 allows one symbol, got ${given.length} (${given.join(',')}); unset the flag or pass one symbol`);
  }
  if (!env.FLAG_REALTIME && !nats && LIVE_VENUES.has(venue)) {
    throw new TraderError('E_FLAG_REFUSED', `FLAG_REALTIME=0 refuses live feeds, got --feed ${venue}; use replay or synthetic`);
  }
  // The config's fallback backs up the config's primary: a --feed that replaces the primary's venue
  // (a drill on replay with the runbook's live staging config) runs without it, and says so.
  const fallbackVenue = !nats && venue === config.feeds.primary.venue ? config.feeds.fallback?.venue : undefined;
  if (!env.FLAG_REALTIME && fallbackVenue && LIVE_VENUES.has(fallbackVenue)) {
    throw new TraderError('E_FLAG_REFUSED', `FLAG_REALTIME=0 refuses live feeds, got feeds.fallback.venue ${fallbackVenue} in ${flags.config}`);
  }

  // Every path is checked and locked before anything is started, rotated or written.
  const outputs: NamedPath[] = [
    { flag: '--log-file', path: flags.logFile },
    { flag: '--trace-file', path: flags.traceFile },
    { flag: '--pid-file', path: flags.pidFile },
    ...(flags.record ? [{ flag: '--record', path: flags.record }] : []),
  ];
  const [log = '', trace = '', pidFile = '', killSwitchFile = '', capturePath] = requireDistinct([
    ...outputs.slice(0, 3),
    { flag: '--kill-switch-file', path: flags.killSwitchFile ?? config.kill_switch.file },
    ...outputs.slice(3),
  ]);
  for (const output of outputs) requireWritableFile(output);
  if (flags.metricsHost !== undefined && flags.metricsPort === undefined) throw usageError('--metrics-host needs --metrics-port');
  // The port is taken before any lock or file: a busy port or a bad host is exit 2 with nothing written.
  // Loaded only when asked for: a run without a metrics port never pays for prom-client.
  const metrics = flags.metricsPort === undefined ? undefined : await (await import('../../telemetry/metrics-endpoint.js')).startMetricsEndpoint(flags.metricsHost ?? '127.0.0.1', flags.metricsPort, wallClock, redact, (line) => process.stderr.write(`trader: warning: ${line}\n`));
  const startedAt = new Date(wallClock()).toISOString();
  const owner: RunEntry = { pid: process.pid, started_at: startedAt, cwd: process.cwd(), log, trace, pid_file: pidFile, kill_switch: killSwitchFile, capture: capturePath ?? null, allow_resume: config.kill_switch.allow_resume, metrics_url: metrics?.url ?? null };
  const owned = [log, trace, pidFile, ...(capturePath ? [capturePath] : [])];
  let lock: RunLock;
  try {
    lock = RunLock.acquire(owned, owner, (line) => process.stderr.write(`trader: warning: ${line}\n`));
  } catch (err) {
    await metrics?.close();
    throw err;
  }
  let unregister: (() => void) | undefined;
  try {
    const dir = runDir(process.env);
    try {
      unregister = register(dir, owner);
    } catch (err) {
      throw usageError(`run directory ${dir}: cannot register this runner (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); set TRADER_RUN_DIR to a writable directory`);
    }
    return await runLocked(flags, { config, path: loaded.path, digest: loaded.digest }, { symbols, shard, env, venue, redact, drillLeakBytesPerSample, metrics }, owner);
  } finally {
    await metrics?.close();
    unregister?.();
    lock.release();
  }
}

interface Resolved {
  symbols: string[];
  shard: ShardFilter | undefined;
  env: ReturnType<typeof readFlags>;
  venue: Venue;
  redact: Redact;
  /** The leak drill's bytes per memory sample (TRADER_DRILL_LEAK_KB_PER_SAMPLE). */
  drillLeakBytesPerSample: number | undefined;
  /** --metrics-port: listening already, attached to the bus once it exists. */
  metrics: MetricsEndpoint | undefined;
}

async function runLocked(flags: RunFlags, loaded: { config: Config; path: string; digest: string }, resolved: Resolved, owner: RunEntry): Promise<number> {
  const { shard, env, venue, redact, drillLeakBytesPerSample, metrics } = resolved;
  const { symbols } = resolved;
  let { config } = loaded;
  let natsRun: NatsRun | undefined;
  // A closed stdout (`trader run | head`) stops the echo and nothing else: the run goes on.
  const stdout = operatorStdout(redact);
  const say = stdout.say;

  const embedded: EmbeddedFeed[] = [];
  const closeEmbedded = async (): Promise<void> => {
    await Promise.all(embedded.map((e) => e.close()));
  };
  let strategy: Strategy | undefined;
  try {
    // The strategy is loaded (its module checked, its process started and greeted) before any
    // file is rotated: a strategy that cannot start is bad input and leaves the last run's files alone.
    const strategyLog = new StrategyLog(wallClock);
    const strategyBaseDir = process.cwd();
    const spec = config.decision.strategy;
    const plugin = await resolveStrategy(spec, strategyBaseDir, {
      where: `${loaded.path}: decision.strategy`,
      ...(spec.budget === undefined ? {} : { budgetMs: spec.budget }),
      ...(spec.start_timeout === undefined ? {} : { helloTimeoutMs: spec.start_timeout }),
      onStderr: (line) => strategyLog.stderr(line),
      onExit: (description) => strategyLog.exited(description),
    });
    strategy = plugin;
    const { primary: p, fallback: f } = config.feeds;
    // Per-shard quotas of max_positions on any feed (README, Sharding): the run record shows this shard's.
    if (shard) config = { ...config, max_positions: shard.quota(config.max_positions) };
    // The cluster (server, stream, shard registration, resume point) is checked before any file is rotated.
    // The NATS client is loaded only for a run on the stream.
    natsRun = flags.feed === 'nats' ? await (await import('../../cluster/nats-run.js')).openNatsRun({ endpoint: natsEndpoint(flags), stream: flags.stream, shard: flags.shard, tracePath: owner.trace, barIntervalMs: config.decision.bar_interval, maxPositions: config.max_positions }) : undefined;
    const feeds = natsRun ? { primary: natsRun.source, fallback: undefined } : await resolveFeeds({ venue, feedUrl: flags.feedUrl, config, configPath: loaded.path, embedded });
    const { primary, fallback } = feeds;
    if (f && (natsRun || venue !== p.venue)) say(`trader run: --feed ${natsRun ? 'nats' : venue} replaces the config's primary (${p.venue}); its fallback (${f.venue}) is not used\n`);

    // This run holds the locks of these files, so what it rotates is never another live run's.
    const now = wallClock();
    for (const [shown, path] of [[flags.logFile, owner.log], [flags.traceFile, owner.trace], ...(flags.record && owner.capture ? [[flags.record, owner.capture]] : [])] as const) {
      try {
        const old = rotateIfPresent(path, now);
        if (old) say(`trader: kept the previous ${shown} as ${old}\n`);
      } catch (err) {
        throw usageError(`cannot prepare ${shown}: ${(err as Error).message}`);
      }
    }
    let stopForWriteFailure: (failure: WriteFailure) => void = () => undefined;
    const bus = new Bus();
    // The journal echoes to the terminal, which is opened after it (below): until then, nowhere.
    let echoLine: NonNullable<JournalOptions['echo']> = () => undefined;
    let journal: Journal;
    try {
      journal = new Journal({
        logPath: owner.log,
        tracePath: owner.trace,
        logFormat: flags.logFormat,
        logLevel: config.log_level,
        timezone: config.timezone,
        now: wallClock,
        redact,
        ...traceKeyOption(),
        onWriteFailure: (failure) => stopForWriteFailure(failure),
        echo: (line, event, level) => echoLine(line, event, level),
      });
    } catch (err) {
      throw usageError(`cannot open the log or the trace: ${(err as Error).message}`);
    }
    journal.attach(bus);
    // The status model listens after the journal, so whatever it does, every line is written first.
    // The view reads the runner's trading state (the order gate's) once the runner exists.
    let runnerTrading: (() => TradingSnapshot) | undefined;
    const terminal = openTerminal({ bus, quiet: flags.quiet === true, durationMs: flags.duration, lookback: plugin.lookback, now: wallClock, env: process.env, stdout: { write: (t) => say(t), isTTY: process.stdout.isTTY }, stderr: process.stderr, redact, trading: () => runnerTrading?.() });
    echoLine = (line, event, level) => terminal.echo(line, event, level);
    metrics?.attach(bus);
    announceWarmup(bus, { strategy: `${plugin.identity.name}@${plugin.identity.version}`, lookback: plugin.lookback, barIntervalMs: config.decision.bar_interval });
    natsRun?.useBus(bus);

    const openCapture = (): CaptureWriter | undefined => flags.record && owner.capture
      ? new CaptureWriter(owner.capture, { type: 'capture', version: CAPTURE_VERSION, venue, url: redact(primary.url), symbols, config, started_at: new Date(now).toISOString(), strategy: strategyRecord(plugin, strategyBaseDir, spec.budget) }, (err) => {
          // The capture is evidence too (replay proves the decisions from it): the same stop as a log or trace failure.
          const f: WriteFailure = { file: 'capture', path: owner.capture ?? '', code: err.code ?? 'EIO', message: err.message.split('\n')[0] ?? '' };
          stopForWriteFailure(f);
          bus.emit({ name: EV.WRITE_FAILED, file: 'capture', path: f.path, code: f.code, detail: f.message });
        })
      : undefined;
    let capture: CaptureWriter | undefined;
    try {
      capture = openCapture();
    } catch (err) {
      throw usageError(`--record ${flags.record ?? ''}: cannot write the capture (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    let stopForFeedFatal: (cause: string) => void = () => undefined;
    const runner = new Runner({ config, configPath: loaded.path, configDigest: loaded.digest, symbols, flags: env, primary, ...(fallback ? { fallback } : {}), killSwitchFile: owner.kill_switch, journal, bus, now: wallClock, strategy: plugin, strategyBaseDir, strategyLog, ...(capture ? { capture } : {}), ...(drillLeakBytesPerSample ? { drillLeakBytesPerSample } : {}), ...(shard ? { shard: shard.record } : {}), onFeedFatal: (cause) => stopForFeedFatal(cause) });
    runnerTrading = () => runner.trading;

    writeFileSync(owner.pid_file, `${process.pid}\n`);
    say(`trader run: pid ${process.pid} (written to ${flags.pidFile}); ${shard ? `shard ${shard.spec.index}/${shard.spec.count}, ` : ''}symbols ${symbols.join(',') || 'none'}; feed ${primary.venue} at ${primary.url}${fallback ? ` (fallback ${fallback.venue} at ${fallback.url})` : ''}${embedded.length ? ` (embedded feed process pid ${embedded.map((e) => e.pid).join(',')})` : ''}; ${flags.duration ? `duration ${formatDuration(flags.duration)}` : 'until SIGTERM/SIGINT'}\n`);
    say(`trader run: log ${flags.logFile}, trace ${flags.traceFile}, kill switch ${owner.kill_switch}\n`);
    if (metrics) say(`trader run: metrics ${metrics.url}, health ${metrics.healthUrl}\n`);
    // The runbook's drill needs the open: say so before starting a US equity feed on a day the NYSE does not keep it.
    const closedMarket = followsNyseCalendar(venue) ? calendarWarning(wallClock()) : undefined;
    if (closedMarket) say(`trader run: warning: ${closedMarket}\n`);

    const stopper = waitForStop(flags.duration, () => reloadSymbols(flags.config, runner, bus, flags.symbols, shard));
    let failure: WriteFailure | undefined;
    stopForWriteFailure = (f) => {
      if (failure) return;
      // Trading halts before this returns: the order of a decision that could not be recorded never passes the gate.
      runner.haltOnWriteFailure();
      failure = f;
      terminal.problem(redact(`trader: cannot write the ${f.file} ${f.path}: ${f.code} (${f.message}); trading HALTED, stopping with exit ${EXIT_WRITE_FAILED}\n`));
      stopper.stop('write_failure');
    };
    let feedFatal: string | undefined;
    stopForFeedFatal = (cause) => {
      if (feedFatal !== undefined) return;
      feedFatal = cause;
      stopper.stop('feed_fatal');
    };
    for (const feed of embedded) {
      // Not restarted: a new server would renumber every sequence and replay from the start.
      feed.onUnexpectedExit((why) => bus.emit({ name: EV.EMBEDDED_FEED_EXITED, pid: feed.pid, why }));
    }
    terminal.start();
    runner.start();
    shard?.announce(bus);
    natsRun?.started(runner, symbols);
    // After RUN_STARTED, the first line of the log: what the strategy said until now follows it.
    strategyLog.attach(bus, `${plugin.identity.name}@${plugin.identity.version}`, () => runner.haltStrategy());
    const reason = await stopper.reason;
    await runner.stop(reason);
    terminal.stop();
    await closeEmbedded();
    capture?.close();
    const seal = journal.seal;
    journal.close();
    say(`trader run: stopped (${reason}); log ${flags.logFile}, trace ${flags.traceFile}\n`);
    // The operator's copy of the seal: compare it with the report's evidence row.
    if (!failure) say(`trader run: trace sealed by RUN_STOPPED: ${seal.records} records, chain head ${seal.head} (${seal.algo === 'sha256' ? 'sha256, unkeyed' : 'hmac-sha256, keyed by TRADER_TRACE_KEY'})\n`);
    if (feedFatal !== undefined) process.stderr.write(redact(`trader: the feed refused this run (${feedFatal}); stopped with exit ${EXIT_FEED_FATAL}\n`));
    return failure ? EXIT_WRITE_FAILED : feedFatal !== undefined ? EXIT_FEED_FATAL : 0;
  } finally {
    strategy?.close();
    await closeEmbedded();
    await natsRun?.close();
    removeOwnPidFile(owner.pid_file);
    stdout.close();
  }
}

/** The pid file is removed only while it still names this process: never another run's. */
function removeOwnPidFile(path: string): void {
  try {
    if (readFileSync(path, 'utf8').trim() === String(process.pid)) rmSync(path, { force: true });
  } catch {
    // absent or unreadable: nothing of ours to remove
  }
}

/**
 * SIGUSR1: the config file's symbol list becomes the runner's, except that symbols given with
 * --symbols at start stay (the command line pins them); a config that no longer loads is logged
 * and ignored, the run goes on with its current symbols. A shard keeps only the symbols it owns.
 */
function reloadSymbols(configPath: string, runner: Runner, bus: Bus, pinned: string[] | undefined, shard: ShardFilter | undefined): void {
  let config: Config;
  try {
    config = loadConfig(configPath).config;
  } catch (err) {
    bus.emit({ name: EV.CONFIG_RELOAD_FAILED, error: (err as Error).message, symbols: runner.symbols });
    return;
  }
  const next = [...(pinned ?? [])];
  for (const s of config.symbols) if (!next.includes(s)) next.push(s);
  bus.emit({ name: EV.CONFIG_RELOADED, config: configPath, symbols: next });
  // A shard takes the symbols it owns; each other symbol is named once as its owner's.
  runner.setSymbols(shard ? shard.reload(bus, next) : next);
}

/** TRADER_TRACE_KEY, when set, keys the trace's chain (never written anywhere). */
function traceKeyOption(): { traceKey?: string } {
  const key = traceKey(process.env);
  return key === undefined ? {} : { traceKey: key };
}

/** The memory-leak drill's knob (README, Memory): KiB the runner keeps alive at every memory sample. */
function drillLeak(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value) || Number(value) === 0) throw usageError(`TRADER_DRILL_LEAK_KB_PER_SAMPLE: expected a positive whole number of KiB, got "${value}"`);
  return Number(value) * 1024;
}

/** The NATS connection's flags (URL, credentials file, TLS files passed through to the client). */
