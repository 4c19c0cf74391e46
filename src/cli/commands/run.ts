/**
 * `trader run`: resolve flags over config, refuse what the feature flags forbid, start the
 * embedded feed when the venue is replay/synthetic, then run until --duration or a signal.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadConfig } from '../../config/load.js';
import { readFlags } from '../../config/flags.js';
import type { Config, Venue } from '../../config/schema.js';
import { TraderError, usageError } from '../../errors.js';
import { adapterFor, LIVE_VENUES, requireUrl } from '../../feeds/venues.js';
import { startEmbeddedFeed, type EmbeddedFeed } from '../../runner/embedded-feed.js';
import type { FeedSource } from '../../runner/feed-switch.js';
import { Runner } from '../../runner/runner.js';
import { rotateIfPresent } from '../../trace/files.js';
import { Journal } from '../../trace/journal.js';
import { traceKey } from '../../trace/chain.js';
import { CAPTURE_VERSION, CaptureWriter } from '../../trace/capture.js';
import { formatDuration } from '../../util/duration.js';
import type { RunFlags } from '../program.js';

const wallClock = (): number => performance.timeOrigin + performance.now();

export async function run(flags: RunFlags): Promise<number> {
  const loaded = loadConfig(flags.config);
  const config = loaded.config;
  const symbols = flags.symbols ?? config.symbols;
  const env = readFlags(process.env);
  const venue: Venue = flags.feed ?? config.feeds.primary.venue;

  if (!env.FLAG_MULTI_SYMBOL && symbols.length > 1) {
    throw new TraderError('E_FLAG_REFUSED', `FLAG_MULTI_SYMBOL=0 allows one symbol, got ${symbols.length} (${symbols.join(',')}); unset the flag or pass one symbol`);
  }
  if (!env.FLAG_REALTIME && LIVE_VENUES.has(venue)) {
    throw new TraderError('E_FLAG_REFUSED', `FLAG_REALTIME=0 refuses live feeds, got --feed ${venue}; use replay or synthetic`);
  }
  if (flags.feedUrl !== undefined && !/^wss?:\/\/[^\s]+$/.test(flags.feedUrl)) {
    throw usageError(`--feed-url: expected a ws:// or wss:// URL, got "${flags.feedUrl}"`);
  }
  const drillLeakBytesPerSample = drillLeak(process.env.TRADER_DRILL_LEAK_KB_PER_SAMPLE);
  const fallbackVenue = config.feeds.fallback?.venue;
  if (!env.FLAG_REALTIME && fallbackVenue && LIVE_VENUES.has(fallbackVenue)) {
    throw new TraderError('E_FLAG_REFUSED', `FLAG_REALTIME=0 refuses live feeds, got feeds.fallback.venue ${fallbackVenue} in ${flags.config}`);
  }

  const embedded: EmbeddedFeed[] = [];
  const closeEmbedded = async (): Promise<void> => {
    await Promise.all(embedded.map((e) => e.close()));
  };
  const resolveSource = async (v: Venue, explicitUrl: string | undefined): Promise<FeedSource> => {
    const adapter = adapterFor(v);
    if (v === 'replay' || v === 'synthetic') {
      const feed = await startEmbeddedFeed(v, config);
      embedded.push(feed);
      return { venue: v, url: feed.url, adapter };
    }
    return { venue: v, url: requireUrl(v, explicitUrl), adapter };
  };
  const primary = await resolveSource(venue, flags.feedUrl ?? config.feeds.primary.url);
  let fallback: FeedSource | undefined;
  try {
    fallback = config.feeds.fallback ? await resolveSource(config.feeds.fallback.venue, config.feeds.fallback.url) : undefined;
  } catch (err) {
    await closeEmbedded();
    throw err;
  }

  const now = wallClock();
  for (const path of [flags.logFile, flags.traceFile, ...(flags.record ? [flags.record] : [])]) {
    try {
      const old = rotateIfPresent(path, now);
      if (old) process.stdout.write(`trader: kept the previous ${path} as ${old}\n`);
    } catch (err) {
      await closeEmbedded();
      throw usageError(`cannot prepare ${path}: ${(err as Error).message}`);
    }
  }
  const journal = new Journal({
    logPath: flags.logFile,
    tracePath: flags.traceFile,
    logFormat: flags.logFormat,
    logLevel: config.log_level,
    timezone: config.timezone,
    now: wallClock,
    ...traceKeyOption(),
    ...(flags.quiet ? {} : { echo: (line: string) => process.stdout.write(`${line}\n`) }),
  });

  const killSwitchFile = flags.killSwitchFile ?? config.kill_switch.file;
  const capture = flags.record
    ? new CaptureWriter(flags.record, { type: 'capture', version: CAPTURE_VERSION, venue, url: primary.url, symbols, config, started_at: new Date(now).toISOString() })
    : undefined;
  const runner = new Runner({ config, configPath: loaded.path, configDigest: loaded.digest, symbols, flags: env, primary, ...(fallback ? { fallback } : {}), killSwitchFile, journal, now: wallClock, ...(capture ? { capture } : {}), ...(drillLeakBytesPerSample ? { drillLeakBytesPerSample } : {}) });

  mkdirSync(dirname(flags.pidFile), { recursive: true });
  writeFileSync(flags.pidFile, `${process.pid}\n`);
  process.stdout.write(`trader run: pid ${process.pid} (written to ${flags.pidFile}); symbols ${symbols.join(',')}; feed ${venue} at ${primary.url}${fallback ? ` (fallback ${fallback.venue} at ${fallback.url})` : ''}${embedded.length ? ` (embedded feed process pid ${embedded.map((e) => e.pid).join(',')})` : ''}; ${flags.duration ? `duration ${formatDuration(flags.duration)}` : 'until SIGTERM/SIGINT'}\n`);
  process.stdout.write(`trader run: log ${flags.logFile}, trace ${flags.traceFile}, kill switch ${killSwitchFile}\n`);

  for (const feed of embedded) {
    // Not restarted: a new server would renumber every sequence and replay from the start.
    feed.onUnexpectedExit((why) => journal.event('error', 'EMBEDDED_FEED_EXITED', `pid=${feed.pid} ${why}; the embedded feed is gone for this run, reconnects will fail`, { pid: feed.pid, why }));
  }
  runner.start();
  const reason = await waitForStop(flags.duration, () => reloadSymbols(flags.config, runner, journal, flags.symbols));
  await runner.stop(reason);
  await closeEmbedded();
  capture?.close();
  const seal = journal.seal;
  journal.close();
  rmSync(flags.pidFile, { force: true });
  process.stdout.write(`trader run: stopped (${reason}); log ${flags.logFile}, trace ${flags.traceFile}\n`);
  // The operator's copy of the seal: compare it with the report's evidence row.
  process.stdout.write(`trader run: trace sealed by RUN_STOPPED: ${seal.records} records, chain head ${seal.head} (${seal.algo === 'sha256' ? 'sha256, unkeyed' : 'hmac-sha256, keyed by TRADER_TRACE_KEY'})\n`);
  return 0;
}

/** TRADER_TRACE_KEY, when set, keys the trace's chain (never written anywhere). */
function traceKeyOption(): { traceKey?: string } {
  const key = traceKey(process.env);
  return key === undefined ? {} : { traceKey: key };
}

/** Resolves with the stop reason: the duration elapsed, SIGTERM or SIGINT. SIGUSR1 reloads symbols. */
function waitForStop(durationMs: number | undefined, onReload: () => void): Promise<string> {
  return new Promise((resolve) => {
    const timer = durationMs === undefined ? undefined : setTimeout(() => finish('duration'), durationMs);
    const onTerm = (): void => finish('SIGTERM');
    const onInt = (): void => finish('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
    process.on('SIGUSR1', onReload);
    function finish(reason: string): void {
      clearTimeout(timer);
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      process.off('SIGUSR1', onReload);
      resolve(reason);
    }
  });
}

/**
 * SIGUSR1: the config file's symbol list becomes the runner's, except that symbols given with
 * --symbols at start stay (the command line pins them); a config that no longer loads is logged
 * and ignored, the run goes on with its current symbols.
 */
function reloadSymbols(configPath: string, runner: Runner, journal: Journal, pinned: string[] | undefined): void {
  let config: Config;
  try {
    config = loadConfig(configPath).config;
  } catch (err) {
    journal.event('warn', 'CONFIG_RELOAD_FAILED', `${(err as Error).message}; keeping symbols ${runner.symbols.join(',')}`, {});
    return;
  }
  const next = [...(pinned ?? [])];
  for (const s of config.symbols) if (!next.includes(s)) next.push(s);
  journal.event('info', 'CONFIG_RELOADED', `signal=SIGUSR1 config=${configPath} symbols=${next.join(',')}`, { symbols: next });
  runner.setSymbols(next);
}

/** The memory-leak drill's knob (README, Memory): KiB the runner keeps alive at every memory sample. */
function drillLeak(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value) || Number(value) === 0) throw usageError(`TRADER_DRILL_LEAK_KB_PER_SAMPLE: expected a positive whole number of KiB, got "${value}"`);
  return Number(value) * 1024;
}
