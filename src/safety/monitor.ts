/**
 * The safety monitor: the one writer of the trading state. It owns the checks (the kill switch,
 * staleness, memory, each run fail-closed by the supervisor) and turns what they find — and what
 * the runner reports (a write failure, a symbol the feed does not know, a failed kill-switch
 * proof) — into trading-state changes, announcing each on the bus.
 *
 * The order path only reads: `beforeOrder()` returns a read-only snapshot of the state. To keep
 * the guarantee that an order never passes while the kill-switch file exists (even between two
 * polls, or with the poll's timer stalled), the monitor refreshes the snapshot there first: it
 * polls the file and ages the checks itself, synchronously, so the snapshot the gate reads is
 * current. The router holds no check and no handler; what a detection triggers (the halt
 * announcement, then the proof probes, deferred so they never run inside the order that found it)
 * is the monitor's business.
 */
import { maxLagFor, type Config } from '../config/schema.js';
import type { Bus } from '../core/bus.js';
import { EV } from '../core/events.js';
import { KillSwitchPoller, type KillSwitchChange } from './kill-switch.js';
import { MemoryTracker, retained, sampleMemory, type MemoryTrend } from './memory.js';
import { StalenessWatchdog, type SymbolLiveness } from './staleness.js';
import { SafetySupervisor } from './supervisor.js';
import { TradingState, type TradingSnapshot } from './trading-state.js';

interface MonitorOptions {
  config: Config;
  /** Absolute (resolved once by the caller), so the file `trader halt` writes is the one watched. */
  killSwitchFile: string;
  bus: Bus;
  now: () => number;
  /** What the kill switch reports as held. */
  positions: () => Record<string, number>;
  /** The symbols being decided on (FEEDS_ACTIVE). */
  symbols: () => string[];
  /** A kill switch was detected at `detectedMs`: called once its announcement is written, outside the poll that found it. */
  onHalt: (detectedMs: number) => void;
  /** Leak drill only: bytes kept alive at every memory sample, to show the memory row fails a leak. */
  drillLeakBytesPerSample?: number;
}

export class SafetyMonitor {
  private readonly state = new TradingState();
  private readonly supervisor: SafetySupervisor;
  private readonly killSwitch: KillSwitchPoller;
  private readonly staleness: StalenessWatchdog;
  private readonly memory: MemoryTracker;
  private readonly timers: NodeJS.Timeout[] = [];
  /** Symbols the feed said it does not know: HALTED until data for them arrives after all. */
  private readonly unknown = new Set<string>();
  private memoryWarned = false;
  /** What the leak drill keeps alive (see drillLeakBytesPerSample). */
  private readonly drillLeak: number[][] = [];

  constructor(private readonly options: MonitorOptions) {
    const { config, bus, now } = options;
    this.staleness = new StalenessWatchdog((symbol) => maxLagFor(config, symbol));
    this.killSwitch = new KillSwitchPoller(options.killSwitchFile, (change) => this.onKillSwitch(change), now);
    this.memory = new MemoryTracker(config.memory.warmup, now());
    this.supervisor = new SafetySupervisor(now, {
      failed: (check, error, first) => {
        this.state.set(`check:${check}`, 'HALTED');
        if (first) bus.emit({ name: EV.SAFETY_CHECK_FAILED, check, error });
      },
      recovered: (check) => {
        this.state.set(`check:${check}`, 'ACTIVE');
        bus.emit({ name: EV.SAFETY_CHECK_RECOVERED, check });
      },
      stale: (check, lastOkMs, first) => {
        this.state.set(`check:${check}`, 'HALTED');
        if (first) bus.emit({ name: EV.SAFETY_CHECK_STALLED, check, last_ok_ms: lastOkMs, ago_ms: now() - lastOkMs });
      },
    });
    // From here on the order path can ask for the kill switch (beforeOrder), started or not.
    this.supervisor.register('kill_switch', config.kill_switch.poll_interval);
  }

  /** The state as the gate and the heartbeat read it. */
  get snapshot(): TradingSnapshot {
    return this.state;
  }

  /** The kill switch first (a file already there halts trading before the feed can deliver an event), then staleness and memory. */
  start(symbols: string[]): void {
    const { config, now } = this.options;
    this.pollKillSwitch();
    this.timers.push(setInterval(() => this.pollKillSwitch(), config.kill_switch.poll_interval));
    this.killSwitch.watch(() => this.pollKillSwitch());
    for (const symbol of symbols) this.staleness.watch(symbol, now());
  }

  /** The periodic checks that watch the data: started once the feed is. */
  startChecks(): void {
    const { config } = this.options;
    this.supervise('staleness', Math.min(250, config.staleness.heartbeat_interval), () => this.checkStaleness());
    this.supervise('memory', config.memory.sample_interval, () => this.sampleMemory());
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.killSwitch.close();
  }

  /**
   * Right before an order reaches the gate: polls the kill-switch file and halts every check that
   * has not succeeded recently, then returns the state to judge the order by.
   */
  beforeOrder(): TradingSnapshot {
    this.pollKillSwitch();
    this.supervisor.ensureFresh();
    return this.state;
  }

  /** One look at the kill-switch file, failing closed (its timer, its directory watch and every order call it). */
  pollKillSwitch(): void {
    this.supervisor.run('kill_switch', () => this.killSwitch.check());
  }

  watch(symbol: string): void {
    this.staleness.watch(symbol, this.options.now());
  }

  unwatch(symbol: string): void {
    this.staleness.unwatch(symbol);
  }

  /** New symbols' pipelines are a legitimate step up in memory: judge growth afresh from here. */
  symbolsAdded(): void {
    this.memory.rebaseline(this.options.now());
  }

  liveness(): SymbolLiveness[] {
    return this.staleness.snapshot();
  }

  isUnknown(symbol: string): boolean {
    return this.unknown.has(symbol);
  }

  memoryTrend(): MemoryTrend | undefined {
    return this.memory.trend();
  }

  /** An accepted event for `symbol`: it is fresh again, and known to the feed after all. */
  onData(symbol: string, recvMs: number, exchTs: number): void {
    const recovery = this.staleness.onData(symbol, recvMs, exchTs);
    if (recovery?.kind === 'recovered') {
      this.state.set('staleness', 'ACTIVE', symbol);
      this.options.bus.emit({ name: EV.STALENESS_RECOVERED, symbol, stale_for_ms: recovery.staleForMs });
    }
    if (this.unknown.delete(symbol)) {
      this.state.set('feed', 'ACTIVE', symbol);
      this.options.bus.emit({ name: EV.SYMBOL_DATA_ARRIVED, symbol });
    }
  }

  /** The feed does not serve `symbol`: a clear outcome, ERROR, that symbol HALTED, the run goes on. */
  unknownSymbol(symbol: string, detail: string): void {
    if (this.unknown.has(symbol)) return;
    this.unknown.add(symbol);
    this.state.set('feed', 'HALTED', symbol);
    this.options.bus.emit({ name: EV.SYMBOL_UNKNOWN, symbol, detail });
  }

  /**
   * A write to the log or the trace failed: trading halts at once, before the order of the
   * decision being recorded can pass the gate. Called synchronously from the journal.
   */
  writeFailed(): void {
    this.state.set('write_failure', 'HALTED');
  }

  /**
   * The strategy failed on these symbols (a violation, a throw, an overrun): HALTED for the rest of the
   * run — a strategy that broke the rules is not trusted with the symbol again. `everywhere` when it
   * can answer no symbol any more (its process is gone): symbols added later are HALTED too.
   */
  strategyFailed(symbols: string[], everywhere: boolean): void {
    for (const symbol of symbols) this.state.set('strategy', 'HALTED', symbol);
    if (everywhere) this.state.set('strategy', 'HALTED');
  }

  /** The kill switch's proof failed: HALTED by a source of its own, which clearing the kill switch does not lift. */
  proofFailed(): void {
    this.state.set('kill_switch_verify', 'HALTED');
  }

  /**
   * The cluster's halt key (NATS KV) changed: the same halt as the file's, detected another way.
   * Its own state source, so removing the file does not lift a halt set cluster-wide, nor the reverse.
   */
  remoteKillSwitch(change: KillSwitchChange, where: string): void {
    this.onKillSwitch(change, where, 'kill_switch_remote');
  }

  /**
   * The watch on the cluster's halt key failed or ended while the run goes on: a halt set now would
   * not be seen, so trading halts (fail safe), as for any safety check that cannot run.
   */
  remoteKillSwitchLost(error: string): void {
    this.state.set('check:kill_switch_remote', 'HALTED');
    this.options.bus.emit({ name: EV.SAFETY_CHECK_FAILED, check: 'kill_switch_remote', error });
  }

  private onKillSwitch(change: KillSwitchChange, file = this.options.killSwitchFile, source = 'kill_switch'): void {
    const { bus, config } = this.options;
    if (change.kind === 'appeared') {
      this.state.set(source, 'HALTED');
      const note = change.content.trim() || null;
      bus.emit({ name: EV.KILL_SWITCH_DETECTED, file, file_mtime_ms: change.fileMtimeMs, detected_ms: change.detectedMs, delay_ms: change.delayMs, present_at_start: change.presentAtStart, note });
      bus.emit({ name: EV.TRADING_HALTED, source });
      bus.emit({ name: EV.ORDERS_CANCELLED, count: 0 });
      bus.emit({ name: EV.POSITIONS_HELD, positions: this.options.positions() });
      bus.emit({ name: EV.FEEDS_ACTIVE, symbols: this.options.symbols() });
      // Once this poll has returned: the proof's own pre-trade poll must not re-enter it.
      queueMicrotask(() => this.options.onHalt(change.detectedMs));
      return;
    }
    bus.emit({ name: EV.KILL_SWITCH_CLEARED, file });
    if (config.kill_switch.allow_resume) {
      this.state.set(source, 'ACTIVE');
      // Resumed only when nothing else holds the run halted (the other kill-switch source, a write
      // failure, a safety check): a TRADING_RESUMED while trading stays HALTED would be a lie.
      const still = this.state.effective();
      if (still.level === 'HALTED') bus.emit({ name: EV.TRADING_STILL_HALTED, held_by: still.source });
      else bus.emit({ name: EV.TRADING_RESUMED });
    } else {
      bus.emit({ name: EV.TRADING_STILL_HALTED });
    }
  }

  private checkStaleness(): void {
    for (const change of this.staleness.check(this.options.now())) {
      if (change.kind !== 'breach') continue;
      this.state.set('staleness', 'HALTED', change.symbol);
      this.options.bus.emit({ name: EV.STALENESS_BREACH, symbol: change.symbol, age_ms: change.ageMs, max_lag_ms: change.maxLagMs, never: change.never });
    }
  }

  private sampleMemory(): void {
    const { bus, drillLeakBytesPerSample: drill } = this.options;
    if (drill) {
      // A drill knob (TRADER_DRILL_LEAK_KB_PER_SAMPLE): memory kept for good, as a leak would.
      if (this.drillLeak.length === 0) bus.emit({ name: EV.DRILL_MEMORY_LEAK, bytes_per_sample: drill });
      this.drillLeak.push(new Array<number>(Math.ceil(drill / 8)).fill(0.5));
    }
    const sample = sampleMemory(this.options.now());
    const seg = this.memory.add(sample)?.current;
    bus.emit({ name: EV.MEMORY_SAMPLE, rss: sample.rss, heap_used: sample.heapUsed, external: sample.external, retained: retained(sample), after_gc: sample.afterGc, trend: seg ?? null });
    const { max_growth, on_growth } = this.options.config.memory;
    const over = seg !== undefined && seg.growth > max_growth;
    if (over && !this.memoryWarned) {
      bus.emit({ name: EV.MEMORY_GROWTH_WARN, growth: seg.growth, max_growth, reducing: on_growth === 'reduce' });
      if (on_growth === 'reduce') this.state.set('memory', 'REDUCING');
    }
    if (!over && this.memoryWarned && on_growth === 'reduce') this.state.set('memory', 'ACTIVE');
    this.memoryWarned = over;
  }

  /** A safety check on its own timer, run at once and then every `ms`, failing closed. */
  private supervise(name: string, ms: number, check: () => void): void {
    this.supervisor.register(name, ms);
    this.supervisor.run(name, check);
    this.timers.push(setInterval(() => this.supervisor.run(name, check), ms));
  }
}
