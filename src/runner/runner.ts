/**
 * The realtime runner: wires the feed client to one pipeline per symbol, the safety controls to
 * the trading state, and decisions through the risk gate to the paper broker, writing every event
 * through the journal. It owns every timer and socket it starts and releases them in stop().
 */
import { maxLagFor, type Config } from '../config/schema.js';
import type { Flags } from '../config/flags.js';
import type { ParseIssue } from '../feeds/adapter.js';
import { FeedSwitch, type FeedSource, type SourceRole, type SwitchListener } from './feed-switch.js';
import type { MarketEvent } from '../feeds/events.js';
import type { Strategy } from '../strategy/types.js';
import type { StrategyLog } from './strategy-log.js';
import { TradingState } from '../safety/trading-state.js';
import { StalenessWatchdog } from '../safety/staleness.js';
import { KillSwitchPoller, type KillSwitchChange } from '../safety/kill-switch.js';
import { MemoryTracker, retained, sampleMemory } from '../safety/memory.js';
import { SafetySupervisor } from '../safety/supervisor.js';
import type { Journal } from '../trace/journal.js';
import type { CaptureWriter } from '../trace/capture.js';
import { RateLimiter } from '../util/rate-limiter.js';
import type { DropKind } from './data-quality-log.js';
import { round, summarize } from '../util/stats.js';
import { formatDuration } from '../util/duration.js';
import { buildRunRecord } from './run-record.js';
import { DecisionPath } from './decision-path.js';
import { OrderRouter, type OrderCounts } from './order-router.js';
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
  journal: Journal;
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
}

export interface RunSummary {
  durationMs: number;
  decisions: number;
  orders: OrderCounts;
  stalenessBreaches: number;
  disconnects: number;
  parseErrors: number;
  perSymbol: Record<
    string,
    {
      decisions: number;
      latency_avg_ms: number;
      latency_p95_ms: number;
      events: number;
      accepted: number;
      dropped: number;
      /** Exact counts of the events not accepted, per kind (duplicate, out_of_order, late, bad_value, outlier). */
      by_kind: Record<DropKind, number>;
      held: number;
      gaps: number;
      sequence_resets: number;
      price_reanchors: number;
      skipped_stale: number;
    }
  >;
}

const PARSE_ERROR_LOG_EVERY_MS = 1000;

export class Runner {
  private readonly path: DecisionPath;
  private readonly state = new TradingState();
  private readonly orders: OrderRouter;
  private readonly staleness: StalenessWatchdog;
  private readonly killSwitch: KillSwitchPoller;
  private readonly memory: MemoryTracker;
  private readonly supervisor: SafetySupervisor;
  private readonly feeds: FeedSwitch;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly startMs: number;
  private deciding = true;
  private stopped = false;
  private breaches = 0;
  private disconnects = 0;
  private parseErrors = 0;
  private parseErrorsByKind = new Map<string, number>();
  private readonly parseErrorLimiter = new RateLimiter(PARSE_ERROR_LOG_EVERY_MS);
  /** Symbols the feed said it does not know: HALTED until data for them arrives after all. */
  private readonly unknownSymbols = new Set<string>();
  private memoryWarned = false;
  /** What the leak drill keeps alive (see drillLeakBytesPerSample). */
  private readonly drillLeak: number[][] = [];

  constructor(private readonly options: RunnerOptions) {
    const { config } = options;
    this.startMs = options.now();
    this.staleness = new StalenessWatchdog((symbol) => maxLagFor(config, symbol));
    this.killSwitch = new KillSwitchPoller(options.killSwitchFile, (change) => this.onKillSwitch(change), () => options.now());
    this.memory = new MemoryTracker(config.memory.warmup, this.startMs);
    const journal = options.journal;
    this.supervisor = new SafetySupervisor(this.state, options.now, {
      failed: (name, error) => journal.event('error', 'SAFETY_CHECK_FAILED', `check=${name} error="${error}"; trading HALTED until it passes`, { check: name, error }),
      recovered: (name) => journal.event('info', 'SAFETY_CHECK_RECOVERED', `check=${name}`, { check: name }),
      stale: (name, lastOkMs) => journal.event('error', 'SAFETY_CHECK_STALLED', `check=${name} last_ok=${((options.now() - lastOkMs) / 1000).toFixed(1)}s ago; trading HALTED`, { check: name, last_ok_ms: lastOkMs }),
    });
    this.orders = new OrderRouter(config, options.flags, this.state, this.supervisor, journal, () => this.supervisor.run('kill_switch', () => this.killSwitch.check()), options.now);
    this.path = new DecisionPath(config, options.strategy, options.journal, options.now);
    for (const symbol of options.symbols) this.path.add(symbol);
    this.feeds = new FeedSwitch(options.primary, options.fallback, options.symbols, config.feeds, this.listener(), options.now);
  }

  get symbols(): string[] {
    return this.path.symbols;
  }

  start(): void {
    const { config, journal, flags } = this.options;
    const record = buildRunRecord({ ...this.options, venue: this.options.primary.venue, url: this.options.primary.url, command: 'run', startMs: this.startMs });
    const { identity } = this.options.strategy;
    journal.run(record);
    const flagText = Object.entries(flags).map(([k, v]) => `${k}=${v ? 1 : 0}`).join(' ');
    journal.event('info', 'RUN_STARTED', `run_id=${record.run_id} pid=${process.pid} symbols=${this.options.symbols.join(',')} feed=${this.options.primary.venue}${this.options.fallback ? ` fallback=${this.options.fallback.venue}` : ''} ${flagText} strategy=${identity.name}@${identity.version}${identity.kind === 'builtin' ? '' : ` (${identity.kind})`} bar_interval=${formatDuration(config.decision.bar_interval)} kill_switch=${this.options.killSwitchFile}`, { run_id: record.run_id, pid: process.pid, symbols: this.options.symbols, flags, kill_switch: this.options.killSwitchFile });

    // The kill switch first: a file already there halts trading before the feed can deliver an event.
    this.supervise('kill_switch', config.kill_switch.poll_interval, () => this.killSwitch.check());
    this.killSwitch.watch(() => this.supervisor.run('kill_switch', () => this.killSwitch.check()));
    for (const symbol of this.options.symbols) this.staleness.watch(symbol, this.options.now());
    this.feeds.start();
    this.supervise('staleness', Math.min(250, config.staleness.heartbeat_interval), () => this.checkStaleness());
    this.supervise('memory', config.memory.sample_interval, () => this.sampleMemory());
    this.every(config.staleness.heartbeat_interval, () => this.heartbeat());
  }

  /**
   * A write to the log or the trace failed: trading halts at once, before the order of the
   * decision being recorded can pass the gate. Called synchronously from the journal.
   */
  haltOnWriteFailure(): void {
    this.state.set('write_failure', 'HALTED');
  }

  /**
   * The strategy's process is gone (it exited or was killed): every symbol stops deciding and is
   * HALTED; feeds, heartbeats and the safety checks go on, and the run ends normally.
   */
  haltStrategy(): string[] {
    const symbols = this.path.stopDeciding();
    this.state.set('strategy', 'HALTED');
    return symbols;
  }

  /** Re-reads the symbol list: subscribes the added symbols, unsubscribes the removed ones. */
  setSymbols(next: string[]): void {
    const { journal } = this.options;
    const current = new Set(this.path.symbols);
    const added = next.filter((s) => !current.has(s));
    const removed = [...current].filter((s) => !next.includes(s));
    if (!this.options.flags.FLAG_MULTI_SYMBOL && next.length > 1) {
      journal.event('warn', 'SYMBOL_ADD_REFUSED', `FLAG_MULTI_SYMBOL=0 allows one symbol; keeping ${[...current].join(',')}`, { requested: next });
      return;
    }
    for (const symbol of added) {
      this.path.add(symbol);
      this.staleness.watch(symbol, this.options.now());
      journal.event('info', 'SYMBOL_ADDED', `symbol=${symbol} symbols=${this.path.symbols.join(',')}`, { symbol });
    }
    if (added.length) {
      this.feeds.addSymbols(added);
      // A new symbol's pipeline is a legitimate step up in memory: judge growth afresh from here.
      this.memory.rebaseline(this.options.now());
    }
    for (const symbol of removed) {
      this.path.remove(symbol);
      this.staleness.unwatch(symbol);
      journal.event('info', 'SYMBOL_REMOVED', `symbol=${symbol} position=${this.orders.broker.position(symbol)} held`, { symbol, position: this.orders.broker.position(symbol) });
    }
    if (removed.length) this.feeds.removeSymbols(removed);
    if (added.length || removed.length) this.options.capture?.symbols(this.options.now(), this.path.symbols);
    if (!added.length && !removed.length) journal.event('info', 'SYMBOLS_UNCHANGED', `symbols=${[...current].join(',')}`);
  }

  /** Graceful stop: stop deciding, close the feed, then write the summary. Idempotent. */
  async stop(reason: string): Promise<RunSummary> {
    const summary = this.summary();
    if (this.stopped) return summary;
    this.stopped = true;
    this.deciding = false;
    for (const t of this.timers) clearInterval(t);
    this.killSwitch.close();
    await this.feeds.stop();
    // Closed before the summary: a process that ends from here on is ours ending it, not news after RUN_STOPPED.
    this.options.strategy.close();
    const { journal } = this.options;
    this.flushParseErrors(true);
    this.path.flushLimited(true);
    this.options.strategyLog.flush(true);
    const final = this.summary();
    const lat = summarize(this.allLatencies());
    journal.event(
      'info',
      'RUN_SUMMARY',
      `duration=${(final.durationMs / 1000).toFixed(1)}s decisions=${final.decisions} orders_submitted=${final.orders.submitted} orders_filled=${final.orders.filled} orders_rejected=${final.orders.rejected} staleness_breaches=${final.stalenessBreaches} disconnects=${final.disconnects} parse_errors=${final.parseErrors} latency_avg_ms=${round(lat.avg, 2)} latency_p95_ms=${round(lat.p95, 2)}`,
      { ...final, latency_ms: { avg: round(lat.avg, 3), p50: round(lat.p50, 3), p95: round(lat.p95, 3), p99: round(lat.p99, 3), max: round(lat.max, 3) }, positions: this.orders.broker.allPositions(), memory: this.memory.trend() ?? null },
    );
    journal.event('info', 'RUN_STOPPED', `reason=${reason}`, { reason });
    return final;
  }

  private listener(): SwitchListener {
    const { journal } = this.options;
    const tag = (role: SourceRole): string => (this.options.fallback ? ` source=${role}` : '');
    return {
      onEvent: (event, recvMs, recvNs) => this.onEvent(event, recvMs, recvNs),
      ...(this.options.capture ? { onFrame: (frame: string, recvMs: number, connection: number) => this.options.capture?.frame(recvMs, connection, frame) } : {}),
      onParseIssue: (issue) => this.onParseIssue(issue),
      onConnected: ({ role, url, connection, attempt, downtimeMs, first }) => {
        const venue = role === 'primary' ? this.options.primary.venue : (this.options.fallback?.venue ?? '');
        if (first) {
          journal.event('info', 'FEED_CONNECTED', `venue=${venue} url=${url} symbols=${this.feeds.subscribed.join(',')}${tag(role)}`, { url, connection, source: role, venue });
        } else {
          journal.event('info', 'RECONNECT_SUCCESS', `url=${url} attempt=${attempt} downtime=${((downtimeMs ?? 0) / 1000).toFixed(2)}s resubscribed=${this.feeds.subscribed.join(',')}${tag(role)}`, { url, connection, attempt, downtime_ms: downtimeMs ?? null, symbols: this.feeds.subscribed, source: role });
        }
      },
      onDisconnected: ({ role, url, connection, code, reason, active }) => {
        if (this.stopped) return;
        this.disconnects += 1;
        if (active) {
          this.path.markDataGap();
          this.options.capture?.mark(this.options.now(), 'data_gap');
        }
        journal.event('warn', 'WEBSOCKET_DISCONNECT', `url=${url} code=${code} reason="${reason}"${tag(role)}`, { url, connection, code, reason, source: role });
      },
      onReconnectAttempt: ({ role, url, attempt, delayMs }) => {
        if (this.stopped) return;
        journal.event('info', 'RECONNECT_ATTEMPT', `url=${url} attempt=${attempt} delay=${delayMs}ms${tag(role)}`, { url, attempt, delay_ms: delayMs, source: role });
      },
      onReconnectFailed: ({ role, url, attempt, error }) => {
        if (this.stopped) return;
        journal.event('warn', 'RECONNECT_FAILED', `url=${url} attempt=${attempt} cause="${error}"${tag(role)}`, { url, attempt, cause: error, source: role });
      },
      onRotated: ({ role, url, from, to, reason }) => {
        journal.event('info', 'FEED_ROTATED', `url=${url} from_connection=${from} to_connection=${to} reason="${reason}"${tag(role)}`, { url, from, to, reason, source: role });
      },
      onSwitch: ({ from, to, reason }) => {
        // A new source numbers its events afresh, and the switch itself may have lost data.
        this.path.resetSequences();
        this.path.markDataGap();
        this.options.capture?.mark(this.options.now(), 'source_switch');
        const event = to === 'fallback' ? 'FEED_FAILOVER' : 'FEED_FAILBACK';
        journal.event('warn', event, `from=${from} to=${to} reason="${reason}"`, { from, to, reason });
      },
    };
  }

  private onEvent(event: MarketEvent, recvMs: number, recvNs: bigint): void {
    if (!this.path.has(event.symbol) || !this.deciding) return;
    const { journal } = this.options;
    const step = this.path.onEvent(event, recvMs, recvNs);
    // Liveness counts accepted events only: a symbol whose data is all being dropped goes stale.
    if (step.accepted > 0) {
      const recovery = this.staleness.onData(event.symbol, recvMs, event.exchTs);
      if (recovery?.kind === 'recovered') {
        this.state.set('staleness', 'ACTIVE', event.symbol);
        journal.event('info', 'STALENESS_RECOVERED', `${event.symbol} stale_for=${(recovery.staleForMs / 1000).toFixed(1)}s`, { symbol: event.symbol, stale_for_ms: recovery.staleForMs });
      }
      if (this.unknownSymbols.delete(event.symbol)) {
        this.state.set('feed', 'ACTIVE', event.symbol);
        journal.event('info', 'SYMBOL_DATA_ARRIVED', `${event.symbol} the feed sends it after all`, { symbol: event.symbol });
      }
    }
    // A strategy that failed on a symbol is not trusted with it again: HALTED for this run.
    for (const symbol of step.halted) this.state.set('strategy', 'HALTED', symbol);
    // Gone for every symbol (its process died mid-call): symbols added later are HALTED too.
    if (step.halted.length > 0 && this.path.strategyStopped) this.state.set('strategy', 'HALTED');
    for (const decision of step.decisions) this.orders.onDecision(decision.symbol, decision.output, this.path.quote(decision.symbol));
  }

  private onKillSwitch(change: KillSwitchChange): void {
    const { journal, killSwitchFile, config } = this.options;
    if (change.kind === 'appeared') {
      this.state.set('kill_switch', 'HALTED');
      const note = change.content.trim() ? ` note="${change.content.trim().replace(/\s+/g, ' ').slice(0, 200)}"` : '';
      // A file there before the start halted the run before its feed connected: there was no
      // moment to detect late, so no delay is claimed (its mtime may be hours old).
      const how = change.presentAtStart ? 'present at start (HALTED from the first instant, no detection delay)' : `exists (detection_delay=${change.delayMs.toFixed(0)}ms)`;
      journal.event('warn', 'KILL_SWITCH_DETECTED', `${killSwitchFile} ${how}${note}`, { file: killSwitchFile, file_mtime_ms: change.fileMtimeMs, detected_ms: change.detectedMs, detection_delay_ms: change.presentAtStart ? null : round(change.delayMs, 1), present_at_start: change.presentAtStart, note: change.content.trim() || null });
      journal.event('warn', 'TRADING_HALTED', 'no new orders accepted', { source: 'kill_switch' });
      journal.event('info', 'ORDERS_CANCELLED', 'working_orders=0 (paper fills are immediate)', { count: 0 });
      const positions = this.orders.broker.allPositions();
      journal.event('info', 'POSITIONS_HELD', `current positions maintained ${Object.entries(positions).map(([s, q]) => `${s}=${q}`).join(' ') || '(flat)'}`.trim(), { positions });
      journal.event('info', 'FEEDS_ACTIVE', `continue monitoring (no trading) symbols=${this.symbols.join(',')}`, { symbols: this.symbols });
      // Once this poll has returned: the probe's own pre-trade poll must not re-enter it.
      queueMicrotask(() => proveHalt(this.symbols, this.orders, (s) => this.path.quote(s), this.state, journal, () => this.options.now() - change.detectedMs));
      return;
    }
    journal.event('info', 'KILL_SWITCH_CLEARED', `${killSwitchFile} removed`, { file: killSwitchFile });
    if (config.kill_switch.allow_resume) {
      this.state.set('kill_switch', 'ACTIVE');
      journal.event('info', 'TRADING_RESUMED', 'orders accepted again (kill_switch.allow_resume: true)', {});
    } else {
      journal.event('warn', 'TRADING_STILL_HALTED', 'halt latched: kill_switch.allow_resume is false; restart the runner to trade again', {});
    }
  }

  private heartbeat(): void {
    const now = this.options.now();
    const { journal } = this.options;
    for (const s of this.staleness.snapshot()) {
      if (s.stale) continue;
      if (s.lastRecvMs === undefined) {
        // Never OK without data: say what it is, until the staleness bound makes it an ERROR.
        const c = this.path.counters.get(s.symbol);
        const why = this.unknownSymbols.has(s.symbol) ? 'unknown to the feed' : `no data yet (received=${c?.events ?? 0} accepted=0)`;
        journal.event('warn', 'HEARTBEAT_NO_DATA', `${s.symbol} ${why} waiting=${((now - s.watchedSinceMs) / 1000).toFixed(1)}s`, { symbol: s.symbol, received: c?.events ?? 0, waiting_ms: round(now - s.watchedSinceMs, 1), unknown: this.unknownSymbols.has(s.symbol), state: this.state.effective(s.symbol).level });
        continue;
      }
      const age = `${((now - s.lastRecvMs) / 1000).toFixed(1)}s`;
      const lag = s.lagMs === undefined ? 'n/a' : `${Math.round(s.lagMs)}ms`;
      const fields = { symbol: s.symbol, last_update_ms: round(now - s.lastRecvMs, 1), lag_ms: s.lagMs === undefined ? null : round(s.lagMs, 1), state: this.state.effective(s.symbol).level };
      const dropping = this.path.counters.get(s.symbol)?.droppedSinceAccepted ?? 0;
      if (dropping > 0 && now - s.lastRecvMs >= this.options.config.staleness.heartbeat_interval) {
        // Data arrives but none of it is accepted: not OK, even before the staleness bound.
        journal.event('warn', 'HEARTBEAT_DEGRADED', `${s.symbol} last_update=${age} lag=${lag} dropped_since=${dropping} (data arrives, none accepted)`, { ...fields, dropped_since: dropping });
        continue;
      }
      journal.event('info', 'HEARTBEAT_OK', `${s.symbol} last_update=${age} lag=${lag}`, fields);
    }
    this.flushParseErrors(false);
    this.path.flushLimited(false);
    this.options.strategyLog.flush(false);
  }

  private checkStaleness(): void {
    for (const change of this.staleness.check(this.options.now())) {
      if (change.kind !== 'breach') continue;
      this.breaches += 1;
      this.state.set('staleness', 'HALTED', change.symbol);
      const budget = `max_lag=${(change.maxLagMs / 1000).toFixed(1)}s`;
      if (change.never) {
        // A symbol that never had an accepted event is not a lag: it is missing, an ERROR.
        this.options.journal.event('error', 'STALENESS_BREACH', `${change.symbol} last_update=never ${budget} (no accepted data in ${(change.ageMs / 1000).toFixed(1)}s; symbol HALTED)`, { symbol: change.symbol, age_ms: round(change.ageMs, 1), max_lag_ms: change.maxLagMs, last_update_ms: null });
      } else {
        this.options.journal.event('warn', 'STALENESS_BREACH', `${change.symbol} last_update=${(change.ageMs / 1000).toFixed(1)}s ${budget}`, { symbol: change.symbol, age_ms: round(change.ageMs, 1), max_lag_ms: change.maxLagMs });
      }
    }
  }

  private sampleMemory(): void {
    const drill = this.options.drillLeakBytesPerSample;
    if (drill) {
      // A drill knob (TRADER_DRILL_LEAK_KB_PER_SAMPLE): memory kept for good, as a leak would.
      if (this.drillLeak.length === 0) this.options.journal.event('warn', 'DRILL_MEMORY_LEAK', `retaining ${Math.round(drill / 1024)}KiB per memory sample (TRADER_DRILL_LEAK_KB_PER_SAMPLE): a leak drill, not a trading run`, { bytes_per_sample: drill });
      this.drillLeak.push(new Array<number>(Math.ceil(drill / 8)).fill(0.5));
    }
    const sample = sampleMemory(this.options.now());
    const trend = this.memory.add(sample);
    const mb = (b: number): string => (b / 1048576).toFixed(1);
    const seg = trend?.current;
    this.options.journal.event(
      'debug',
      'MEMORY_SAMPLE',
      `rss=${mb(sample.rss)}MB heap_used=${mb(sample.heapUsed)}MB external=${mb(sample.external)}MB retained=${mb(retained(sample))}MB${sample.afterGc ? ' (after GC)' : ''} growth=${seg ? (seg.growth * 100).toFixed(2) : 'warming'}%`,
      { rss: sample.rss, heap_used: sample.heapUsed, external: sample.external, retained: retained(sample), after_gc: sample.afterGc, segment: seg?.segment ?? null, growth: seg ? round(seg.growth, 5) : null, slope_bytes_per_min: seg ? Math.round(seg.slopeBytesPerMin) : null },
    );
    const { max_growth, on_growth } = this.options.config.memory;
    const over = seg !== undefined && seg.growth > max_growth;
    if (over && !this.memoryWarned) {
      this.options.journal.event('warn', 'MEMORY_GROWTH_WARN', `retained memory (heap used + external after GC) growth ${(seg.growth * 100).toFixed(1)}% > ${(max_growth * 100).toFixed(1)}%${on_growth === 'reduce' ? '; trading REDUCING' : ''}`, { growth: round(seg.growth, 5), max_growth, figure: 'retained' });
      if (on_growth === 'reduce') this.state.set('memory', 'REDUCING');
    }
    if (!over && this.memoryWarned && on_growth === 'reduce') this.state.set('memory', 'ACTIVE');
    this.memoryWarned = over;
  }

  private onParseIssue(issue: ParseIssue): void {
    const { journal } = this.options;
    if (issue.kind === 'unknown_symbol' && issue.symbols) {
      for (const symbol of issue.symbols) {
        if (!this.path.has(symbol) || this.unknownSymbols.has(symbol)) continue;
        // A clear outcome for a symbol the feed does not serve: ERROR, that symbol HALTED, the run goes on.
        this.unknownSymbols.add(symbol);
        this.state.set('feed', 'HALTED', symbol);
        journal.event('error', 'SYMBOL_UNKNOWN', `symbol=${symbol} the feed does not serve it ("${issue.detail}"); ${symbol} HALTED, other symbols continue`, { symbol, detail: issue.detail });
      }
      return;
    }
    this.parseErrors += 1;
    this.parseErrorsByKind.set(issue.kind, (this.parseErrorsByKind.get(issue.kind) ?? 0) + 1);
    // Rate-limited: a garbage flood must not become a log flood.
    const hit = this.parseErrorLimiter.hit('FEED_PARSE_ERROR', this.options.now());
    if (hit) {
      journal.event('error', 'FEED_PARSE_ERROR', `kind=${issue.kind} detail="${issue.detail}" total=${hit.total} suppressed=${hit.suppressed}`, { kind: issue.kind, detail: issue.detail, total: hit.total, suppressed: hit.suppressed, by_kind: Object.fromEntries(this.parseErrorsByKind) });
    }
  }

  private flushParseErrors(force: boolean): void {
    for (const due of this.parseErrorLimiter.due(this.options.now(), force)) {
      this.options.journal.event('error', 'FEED_PARSE_ERROR', `suppressed=${due.suppressed} total=${due.total}`, { suppressed: due.suppressed, total: due.total, by_kind: Object.fromEntries(this.parseErrorsByKind) });
    }
  }

  private every(ms: number, fn: () => void): void {
    this.timers.push(setInterval(fn, ms));
  }

  /** A safety check on its own timer, run at once and then every `ms`, failing closed. */
  private supervise(name: string, ms: number, check: () => void): void {
    this.supervisor.register(name, ms);
    this.supervisor.run(name, check);
    this.every(ms, () => this.supervisor.run(name, check));
  }

  private allLatencies(): number[] {
    return [...this.path.counters.values()].flatMap((s) => s.latencies);
  }

  private summary(): RunSummary {
    const perSymbol: RunSummary['perSymbol'] = {};
    let decisions = 0;
    for (const [symbol, s] of this.path.counters) {
      decisions += s.decisions;
      const lat = summarize(s.latencies);
      perSymbol[symbol] = {
        decisions: s.decisions,
        latency_avg_ms: round(lat.avg, 3),
        latency_p95_ms: round(lat.p95, 3),
        events: s.events,
        accepted: s.accepted,
        dropped: s.dropped,
        by_kind: { ...s.byKind },
        held: s.held,
        gaps: s.gaps,
        sequence_resets: s.resets,
        price_reanchors: s.reanchors,
        skipped_stale: s.skippedStale,
      };
    }
    return {
      durationMs: Math.round(this.options.now() - this.startMs),
      decisions,
      orders: { ...this.orders.counts },
      stalenessBreaches: this.breaches,
      disconnects: this.disconnects,
      parseErrors: this.parseErrors,
      perSymbol,
    };
  }
}
