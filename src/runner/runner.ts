/**
 * The realtime runner: wires the feed client to one pipeline per symbol, the safety controls to
 * the trading state, and decisions through the risk gate to the paper broker, writing every event
 * through the journal. It owns every timer and socket it starts and releases them in stop().
 */
import type { Config } from '../config/schema.js';
import type { Flags } from '../config/flags.js';
import type { ParseIssue } from '../feeds/adapter.js';
import { ParseErrorLog } from './parse-error-log.js';
import type { TradingSnapshot } from '../safety/trading-state.js';
import { FeedSwitch, type FeedSource, type SwitchListener } from './feed-switch.js';
import type { MarketEvent } from '../feeds/events.js';
import type { Strategy } from '../strategy/types.js';
import type { StrategyLog } from './strategy-log.js';
import { SafetyMonitor } from '../safety/monitor.js';
import type { KillSwitchChange } from '../safety/kill-switch.js';
import type { Bus } from '../core/bus.js';
import { EV, type RunTotals } from '../core/events.js';
import type { Journal, RunRecordBase } from '../trace/journal.js';
import type { CaptureWriter } from '../trace/capture.js';
import { RunStats } from '../telemetry/run-stats.js';
import { formatDuration } from '../util/duration.js';
import { buildRunRecord } from './run-record.js';
import { DecisionPath } from './decision-path.js';
import { OrderRouter } from './order-router.js';
import { proveHalt } from './halt-proof.js';

export interface RunnerOptions {
  config: Config;
  configPath: string;
  configDigest: string;
  symbols: string[];
  flags: Flags;
  primary: FeedSource;
  fallback?: FeedSource;
  /** Absolute (resolved once by the caller), so the file `trader halt` writes is the one watched. */
  killSwitchFile: string;
  /** The run record goes here; every event goes on the bus (the journal listens). */
  journal: Journal;
  bus: Bus;
  /** --record: every raw frame and symbol-set change goes here. */
  capture?: CaptureWriter;
  /** Wall clock in ms with sub-ms precision (latency is measured against exchange timestamps). */
  now: () => number;
  /** Leak drill only: bytes kept alive at every memory sample, to show the memory row fails a leak. */
  drillLeakBytesPerSample?: number;
  /** Resolved by the caller before any file was rotated; stop() closes it (the caller closes it too on an error path). */
  strategy: Strategy;
  strategyBaseDir: string;
  /** The strategy's stderr and exit, logged rate-limited; flushed at each heartbeat and at the stop. */
  strategyLog: StrategyLog;
  /** A venue refused a feed for good (FEED_FATAL is logged first): the caller ends the run. */
  onFeedFatal?: (cause: string) => void;
  /** `--shard i/N`: recorded in the run record (the caller has already kept only this shard's symbols). */
  shard?: RunRecordBase['shard'];
}

export class Runner {
  private readonly path: DecisionPath;
  private readonly stats: RunStats;
  private readonly safety: SafetyMonitor;
  private readonly orders: OrderRouter;
  private readonly feeds: FeedSwitch;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly startMs: number;
  private deciding = true;
  private stopped = false;
  private readonly parseErrors: ParseErrorLog;

  constructor(private readonly options: RunnerOptions) {
    const { config, bus } = options;
    this.startMs = options.now();
    this.stats = new RunStats(bus);
    this.parseErrors = new ParseErrorLog(bus, options.now, () => this.stats.parseErrorKinds());
    this.safety = new SafetyMonitor({
      config,
      killSwitchFile: options.killSwitchFile,
      bus,
      now: options.now,
      positions: () => this.orders.broker.allPositions(),
      symbols: () => this.symbols,
      onHalt: (detectedMs) => proveHalt(this.symbols, this.orders, (s) => this.path.quote(s), () => this.safety.proofFailed(), bus, () => this.options.now() - detectedMs),
      ...(options.drillLeakBytesPerSample ? { drillLeakBytesPerSample: options.drillLeakBytesPerSample } : {}),
    });
    this.orders = new OrderRouter(config, options.flags, this.safety, bus, options.now);
    this.path = new DecisionPath(config, options.strategy, bus, this.stats, options.now);
    for (const symbol of options.symbols) this.path.add(symbol);
    this.feeds = new FeedSwitch(options.primary, options.fallback, options.symbols, config.feeds, this.listener(), options.now);
  }

  get symbols(): string[] {
    return this.path.symbols;
  }

  start(): void {
    const { config, journal, flags } = this.options;
    const record = buildRunRecord({ ...this.options, venue: this.options.primary.venue, url: this.options.primary.url, command: 'run', startMs: this.startMs });
    journal.run(record);
    this.options.bus.emit({ name: EV.RUN_STARTED, run_id: record.run_id, pid: process.pid, symbols: this.options.symbols, flags, kill_switch: this.options.killSwitchFile, feed: this.options.primary.venue, fallback: this.options.fallback?.venue, strategy: `${this.options.strategy.identity.name}@${this.options.strategy.identity.version}${this.options.strategy.identity.kind === 'builtin' ? '' : ` (${this.options.strategy.identity.kind})`}`, bar_interval: formatDuration(config.decision.bar_interval) });

    // The kill switch first: a file already there halts trading before the feed can deliver an event.
    this.safety.start(this.options.symbols);
    this.feeds.start();
    this.safety.startChecks();
    this.timers.push(setInterval(() => this.heartbeat(), config.staleness.heartbeat_interval));
  }

  /**
   * A write to the log or the trace failed: trading halts at once, before the order of the
   * decision being recorded can pass the gate. Called synchronously from the journal.
   */
  /**
   * The strategy's process is gone (it exited or was killed): every symbol stops deciding and is
   * HALTED; feeds, heartbeats and the safety checks go on, and the run ends normally.
   */
  haltStrategy(): string[] {
    const symbols = this.path.stopDeciding();
    this.safety.strategyFailed(symbols, true);
    return symbols;
  }

  /** The cluster-wide halt key (NATS KV) changed: another trigger of the kill switch's halt. */
  remoteKillSwitch(change: KillSwitchChange, where: string): void {
    this.safety.remoteKillSwitch(change, where);
  }

  /** The cluster halt key can no longer be watched: trading halts (SAFETY_CHECK_FAILED). */
  remoteKillSwitchLost(error: string): void {
    this.safety.remoteKillSwitchLost(error);
  }

  /** Data was missed outside a disconnect (a shard resumed after a restart): the open bars are marked. */
  markDataGap(): void {
    this.path.markDataGap();
  }

  haltOnWriteFailure(): void {
    this.safety.writeFailed();
  }

  /** Re-reads the symbol list: subscribes the added symbols, unsubscribes the removed ones. */
  setSymbols(next: string[]): void {
    const { bus } = this.options;
    const current = new Set(this.path.symbols);
    const added = next.filter((s) => !current.has(s));
    const removed = [...current].filter((s) => !next.includes(s));
    if (!this.options.flags.FLAG_MULTI_SYMBOL && next.length > 1) {
      bus.emit({ name: EV.SYMBOL_ADD_REFUSED, requested: next, keeping: [...current] });
      return;
    }
    for (const symbol of added) {
      this.path.add(symbol);
      this.safety.watch(symbol);
      bus.emit({ name: EV.SYMBOL_ADDED, symbol, symbols: this.path.symbols });
    }
    if (added.length) {
      this.feeds.addSymbols(added);
      this.safety.symbolsAdded();
    }
    for (const symbol of removed) {
      this.path.remove(symbol);
      this.safety.unwatch(symbol);
      bus.emit({ name: EV.SYMBOL_REMOVED, symbol, position: this.orders.broker.position(symbol) });
    }
    if (removed.length) this.feeds.removeSymbols(removed);
    if (added.length || removed.length) this.options.capture?.symbols(this.options.now(), this.path.symbols);
    if (!added.length && !removed.length) bus.emit({ name: EV.SYMBOLS_UNCHANGED, symbols: [...current] });
  }

  /** Graceful stop: stop deciding, close the feed, then write the summary. Idempotent. */
  async stop(reason: string): Promise<RunTotals> {
    const summary = this.summary();
    if (this.stopped) return summary;
    this.stopped = true;
    this.deciding = false;
    for (const t of this.timers) clearInterval(t);
    this.safety.stop();
    await this.feeds.stop();
    // Closed before the summary: a process that ends from here on is ours ending it, not news after RUN_STOPPED.
    this.options.strategy.close();
    const { bus } = this.options;
    this.parseErrors.flush(true);
    this.path.flushLimited(true);
    this.options.strategyLog.flush(true);
    const final = this.summary();
    bus.emit({ name: EV.RUN_SUMMARY, of: 'run', totals: final, latency: this.stats.latency(), positions: this.orders.broker.allPositions(), memory: this.safety.memoryTrend() ?? null });
    bus.emit({ name: EV.RUN_STOPPED, reason });
    return final;
  }

  private listener(): SwitchListener {
    const { bus } = this.options;
    const tagged = this.options.fallback !== undefined;
    return {
      onEvent: (event, recvMs, recvNs) => this.onEvent(event, recvMs, recvNs),
      // The capture holds exactly the frames the run decided on: none once the stop has begun, so a
      // replay of it cannot decide on a bar the live run never closed.
      ...(this.options.capture ? { onFrame: (frame: string, recvMs: number, connection: number) => { if (this.deciding) this.options.capture?.frame(recvMs, connection, frame); } } : {}),
      onParseIssue: (issue) => this.onParseIssue(issue),
      onConnected: ({ role, url, connection, attempt, downtimeMs, first }) => {
        const venue = role === 'primary' ? this.options.primary.venue : (this.options.fallback?.venue ?? '');
        if (first) {
          bus.emit({ name: EV.FEED_CONNECTED, venue, url, connection, symbols: this.feeds.subscribed, source: role, tagged });
        } else {
          bus.emit({ name: EV.RECONNECT_SUCCESS, url, connection, attempt, downtime_ms: downtimeMs ?? null, symbols: this.feeds.subscribed, source: role, tagged });
        }
      },
      onDisconnected: ({ role, url, connection, code, reason, active }) => {
        if (this.stopped) return;
        if (active) {
          this.path.markDataGap();
          this.options.capture?.mark(this.options.now(), 'data_gap');
        }
        bus.emit({ name: EV.WEBSOCKET_DISCONNECT, url, connection, code, reason, source: role, tagged });
      },
      onReconnectAttempt: ({ role, url, attempt, delayMs }) => {
        if (this.stopped) return;
        bus.emit({ name: EV.RECONNECT_ATTEMPT, url, attempt, delay_ms: delayMs, source: role, tagged });
      },
      onReconnectFailed: ({ role, url, attempt, error }) => {
        if (this.stopped) return;
        bus.emit({ name: EV.RECONNECT_FAILED, url, attempt, cause: error, source: role, tagged });
      },
      onRotated: ({ role, url, from, to, reason }) => {
        bus.emit({ name: EV.FEED_ROTATED, url, from, to, reason, source: role, tagged });
      },
      onFatal: ({ role, url, cause }) => {
        const venue = role === 'primary' ? this.options.primary.venue : (this.options.fallback?.venue ?? '');
        bus.emit({ name: EV.FEED_FATAL, venue, url, cause, source: role, tagged });
        this.options.onFeedFatal?.(cause);
      },
      onSwitch: ({ from, to, reason }) => {
        // A new source numbers its events afresh, and the switch itself may have lost data.
        this.path.resetSequences();
        this.path.markDataGap();
        this.options.capture?.mark(this.options.now(), 'source_switch');
        bus.emit({ name: to === 'fallback' ? EV.FEED_FAILOVER : EV.FEED_FAILBACK, from, to, reason });
      },
    };
  }

  private onEvent(event: MarketEvent, recvMs: number, recvNs: bigint): void {
    if (!this.path.has(event.symbol) || !this.deciding) return;
    const step = this.path.onEvent(event, recvMs, recvNs);
    // Liveness counts accepted events only: a symbol whose data is all being dropped goes stale.
    if (step.accepted > 0) this.safety.onData(event.symbol, recvMs, event.exchTs);
    // A strategy that failed on a symbol is not trusted with it again: HALTED for this run (every
    // symbol, later ones included, when its process died mid-call).
    if (step.halted.length > 0) this.safety.strategyFailed(step.halted, this.path.strategyStopped);
    for (const decision of step.decisions) this.orders.onDecision(decision.symbol, decision.output, this.path.quote(decision.symbol));
  }

  /** The trading state as the order gate reads it (the status view shows it as it is). */
  get trading(): TradingSnapshot {
    return this.safety.snapshot;
  }

  private heartbeat(): void {
    const now = this.options.now();
    const { bus } = this.options;
    const state = this.safety.snapshot;
    // A shard that owns none of the symbols still says it is alive.
    if (this.path.symbols.length === 0) bus.emit({ name: EV.HEARTBEAT_IDLE });
    for (const s of this.safety.liveness()) {
      if (s.stale) continue;
      if (s.lastRecvMs === undefined) {
        // Never OK without data: say what it is, until the staleness bound makes it an ERROR.
        bus.emit({ name: EV.HEARTBEAT_NO_DATA, symbol: s.symbol, received: this.stats.peek(s.symbol)?.events ?? 0, waited_ms: now - s.watchedSinceMs, unknown: this.safety.isUnknown(s.symbol), state: state.effective(s.symbol).level });
        continue;
      }
      const beat = { symbol: s.symbol, age_ms: now - s.lastRecvMs, lag_ms: s.lagMs, state: state.effective(s.symbol).level };
      const dropping = this.stats.peek(s.symbol)?.droppedSinceAccepted ?? 0;
      if (dropping > 0 && now - s.lastRecvMs >= this.options.config.staleness.heartbeat_interval) {
        // Data arrives but none of it is accepted: not OK, even before the staleness bound.
        bus.emit({ name: EV.HEARTBEAT_DEGRADED, ...beat, dropped_since: dropping });
        continue;
      }
      bus.emit({ name: EV.HEARTBEAT_OK, ...beat });
    }
    this.parseErrors.flush(false);
    this.path.flushLimited(false);
    this.options.strategyLog.flush(false);
  }

  private onParseIssue(issue: ParseIssue): void {
    if (issue.kind === 'unknown_symbol' && issue.symbols) {
      for (const symbol of issue.symbols) if (this.path.has(symbol)) this.safety.unknownSymbol(symbol, issue.detail);
      return;
    }
    this.stats.parseError(issue.kind);
    // Rate-limited: a garbage flood must not become a log flood.
    this.parseErrors.add(issue);
  }

  private summary(): RunTotals {
    return this.stats.totals(this.options.now() - this.startMs);
  }
}
