/**
 * The run as an operator watches it: the latest figures per symbol and for the run, kept by cheap
 * bus handlers (a field set, a counter, a slot in a small ring) so the data path pays nothing for
 * it. Views read `snapshot()`, a plain JSON object, as often as they redraw (the terminal view
 * once a second); nothing here renders, sorts or allocates per event.
 */
import type { Bus } from '../core/bus.js';
import { EV, type RunEvent } from '../core/events.js';
import type { TradingLevel, TradingSnapshot } from '../safety/trading-state.js';
import { summarizeInPlace } from '../util/stats.js';

const RANK: Record<TradingLevel, number> = { ACTIVE: 0, REDUCING: 1, HALTED: 2 };
const asLevel = (s: string): TradingLevel => (s === 'HALTED' || s === 'REDUCING' ? s : 'ACTIVE');

/** Feed lag percentiles are over a symbol's last LAG_WINDOW heartbeats (one a second by default). */
export const LAG_WINDOW = 60;

/** What the data of one symbol looks like now. */
type DataState = 'waiting' | 'ok' | 'degraded' | 'stale' | 'unknown';
type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'reconnecting' | 'failed';
type KillSwitchState = 'armed' | 'triggered' | 'verified' | 'verify_failed' | 'cleared';

export interface SymbolStatus {
  symbol: string;
  /** The symbol's trading state: the heartbeat's (global and symbol sources), a breach or a strategy failure. */
  state: TradingLevel;
  data: DataState;
  /** Age of the symbol's last accepted data now; null before any. */
  age_ms: number | null;
  lag_p50_ms: number | null;
  lag_p99_ms: number | null;
  decisions: number;
  /** Bars the last decision saw and the strategy's lookback: below it, the strategy is warming up. */
  bars: number;
  lookback: number;
  last_action: 'BUY' | 'SELL' | 'HOLD' | null;
  last_confidence: number | null;
  position: number;
}

export interface StatusSnapshot {
  run_id: string | null;
  pid: number | null;
  phase: 'starting' | 'running' | 'stopping' | 'stopped';
  now_ms: number;
  started_ms: number | null;
  elapsed_ms: number;
  /** --duration; null when the run goes until a signal. */
  duration_ms: number | null;
  remaining_ms: number | null;
  trading: { state: TradingLevel; sources: string[] };
  kill_switch: { file: string | null; state: KillSwitchState };
  feed: { venue: string | null; source: string | null; url: string | null; connection: ConnectionState; attempt: number; disconnects: number; reconnects: number };
  memory: { rss: number; heap_used: number } | null;
  decisions: number;
  orders: { submitted: number; filled: number; rejected: number };
  symbols: SymbolStatus[];
}

interface SymbolFigures {
  state: TradingLevel;
  /** A breach, an unknown symbol or a failed strategy holds the symbol HALTED whatever its heartbeat said before. */
  held: boolean;
  data: DataState;
  ageMs: number | null;
  ageAtMs: number;
  lags: Float64Array;
  lagCount: number;
  decisions: number;
  bars: number;
  lastAction: SymbolStatus['last_action'];
  lastConfidence: number | null;
  position: number;
}

interface LiveModelOptions {
  /** The wall clock: data age and elapsed time are read at snapshot time. */
  now: () => number;
  durationMs?: number | undefined;
  /** The strategy's lookback in bars (the warm-up a symbol needs). */
  lookback: number;
  /** The process's memory, read at snapshot time (not per event). */
  memory?: () => { rss: number; heap_used: number };
  /**
   * The runner's trading state, read at snapshot time: the one the order gate reads (safety's
   * TradingState), not a second copy folded from events, which some changes never announce (a
   * memory REDUCING lifted, the NATS halt key cleared). Undefined until the runner exists.
   */
  trading: () => TradingSnapshot | undefined;
}

export class LiveModel {
  private readonly symbols = new Map<string, SymbolFigures>();
  private runId: string | null = null;
  private pid: number | null = null;
  private phase: StatusSnapshot['phase'] = 'starting';
  private startedMs: number | null = null;
  private stoppedMs: number | null = null;
  /** The --duration timer ended the run (it started before RUN_STARTED, so elapsed can read a hair short). */
  private ranFullDuration = false;
  private readonly killSwitch: StatusSnapshot['kill_switch'] = { file: null, state: 'armed' };
  private readonly feed: StatusSnapshot['feed'] = { venue: null, source: null, url: null, connection: 'connecting', attempt: 0, disconnects: 0, reconnects: 0 };
  private readonly orders = { submitted: 0, filled: 0, rejected: 0 };
  private decisions = 0;
  private readonly unsubscribe: () => void;

  constructor(bus: Bus, private readonly options: LiveModelOptions) {
    this.unsubscribe = bus.subscribe((event) => this.on(event));
  }

  detach(): void {
    this.unsubscribe();
  }

  private figures(symbol: string): SymbolFigures {
    let f = this.symbols.get(symbol);
    if (!f) {
      f = { state: 'ACTIVE', held: false, data: 'waiting', ageMs: null, ageAtMs: 0, lags: new Float64Array(LAG_WINDOW), lagCount: 0, decisions: 0, bars: 0, lastAction: null, lastConfidence: null, position: 0 };
      this.symbols.set(symbol, f);
    }
    return f;
  }

  private heartbeat(symbol: string, ageMs: number | null, lagMs: number | undefined, state: string, data: DataState): void {
    const f = this.figures(symbol);
    f.data = data;
    f.ageMs = ageMs;
    f.ageAtMs = this.options.now();
    if (!f.held) f.state = asLevel(state);
    if (lagMs !== undefined) {
      f.lags[f.lagCount % LAG_WINDOW] = lagMs;
      f.lagCount += 1;
    }
  }

  private hold(symbol: string, data?: DataState): void {
    const f = this.figures(symbol);
    f.held = true;
    f.state = 'HALTED';
    if (data) f.data = data;
  }

  private on(e: RunEvent): void {
    switch (e.name) {
      case EV.RUN_STARTED:
        this.runId = e.run_id;
        this.pid = e.pid;
        this.phase = 'running';
        this.startedMs = this.options.now();
        this.killSwitch.file = e.kill_switch;
        this.feed.venue = e.feed;
        for (const s of e.symbols) this.figures(s);
        return;
      case EV.SYMBOL_ADDED:
        this.figures(e.symbol);
        return;
      case EV.SYMBOL_REMOVED:
        this.symbols.delete(e.symbol);
        return;
      case EV.RUN_SUMMARY:
        this.phase = 'stopping';
        return;
      case EV.RUN_STOPPED:
        this.phase = 'stopped';
        this.stoppedMs = this.options.now();
        this.ranFullDuration = e.reason === 'duration';
        return;
      case EV.HEARTBEAT_OK:
        this.heartbeat(e.symbol, e.age_ms, e.lag_ms, e.state, 'ok');
        return;
      case EV.HEARTBEAT_DEGRADED:
        this.heartbeat(e.symbol, e.age_ms, e.lag_ms, e.state, 'degraded');
        return;
      case EV.HEARTBEAT_NO_DATA:
        this.heartbeat(e.symbol, null, undefined, e.state, e.unknown ? 'unknown' : 'waiting');
        return;
      case EV.STALENESS_BREACH: {
        this.hold(e.symbol, 'stale');
        const f = this.figures(e.symbol);
        if (!e.never) {
          f.ageMs = e.age_ms;
          f.ageAtMs = this.options.now();
        }
        return;
      }
      case EV.STALENESS_RECOVERED:
      case EV.SYMBOL_DATA_ARRIVED: {
        // The next heartbeat says what the state is now.
        const f = this.figures(e.symbol);
        f.held = false;
        return;
      }
      case EV.SYMBOL_UNKNOWN:
        this.hold(e.symbol, 'unknown');
        return;
      case EV.STRATEGY_VIOLATION:
        this.hold(e.symbol);
        return;
      case EV.DECISION_FAILED:
        if (e.fatal) for (const s of this.symbols.keys()) this.hold(s);
        else this.hold(e.symbol);
        return;
      case EV.STRATEGY_EXITED:
        for (const s of this.symbols.keys()) this.hold(s);
        return;
      case EV.DECISION_LOGGED: {
        const r = e.record;
        const f = this.figures(r.symbol);
        f.decisions += 1;
        f.lastAction = r.action;
        f.lastConfidence = r.confidence;
        const bars = (r.inputs as { bars?: unknown }).bars;
        f.bars = Array.isArray(bars) ? bars.length : 0;
        this.decisions += 1;
        return;
      }
      case EV.ORDER_SUBMITTED:
        this.orders.submitted += 1;
        return;
      case EV.ORDER_FILLED:
        this.orders.filled += 1;
        this.figures(e.symbol).position = e.position;
        return;
      case EV.ORDER_REJECTED:
        if (!e.probe) this.orders.rejected += 1;
        return;
      case EV.KILL_SWITCH_DETECTED:
        this.killSwitch.file = e.file;
        this.killSwitch.state = 'triggered';
        return;
      case EV.KILL_SWITCH_VERIFIED:
        this.killSwitch.state = 'verified';
        return;
      case EV.KILL_SWITCH_VERIFY_FAILED:
        this.killSwitch.state = 'verify_failed';
        return;
      case EV.KILL_SWITCH_CLEARED:
        this.killSwitch.state = 'cleared';
        return;
      case EV.FEED_CONNECTED:
        Object.assign(this.feed, { venue: e.venue, url: e.url, source: e.source, connection: 'connected', attempt: 0 });
        return;
      case EV.RECONNECT_SUCCESS:
        Object.assign(this.feed, { url: e.url, source: e.source, connection: 'connected', attempt: 0 });
        this.feed.reconnects += 1;
        return;
      case EV.WEBSOCKET_DISCONNECT:
        this.feed.connection = 'disconnected';
        this.feed.disconnects += 1;
        return;
      case EV.RECONNECT_ATTEMPT:
      case EV.RECONNECT_FAILED:
        this.feed.connection = 'reconnecting';
        this.feed.attempt = e.attempt;
        return;
      case EV.FEED_FAILOVER:
      case EV.FEED_FAILBACK:
        this.feed.source = e.to;
        return;
      case EV.FEED_FATAL:
      case EV.EMBEDDED_FEED_EXITED:
        this.feed.connection = 'failed';
        return;
      default:
        return;
    }
  }

  /** The run now, as plain JSON: what the status view draws (trader status reads /metrics or the trace instead). */
  snapshot(): StatusSnapshot {
    const now = this.options.now();
    const until = this.stoppedMs ?? now;
    const duration = this.options.durationMs ?? null;
    const measured = this.startedMs === null ? 0 : Math.max(0, until - this.startedMs);
    const elapsed = this.ranFullDuration && duration !== null ? Math.max(measured, duration) : measured;
    const restrictions = this.options.trading()?.globalSources() ?? [];
    let global: TradingLevel = 'ACTIVE';
    for (const r of restrictions) if (RANK[r.level] > RANK[global]) global = r.level;
    const symbols: SymbolStatus[] = [];
    for (const [symbol, f] of this.symbols) {
      const n = Math.min(f.lagCount, LAG_WINDOW);
      const lag = n === 0 ? undefined : summarizeInPlace(f.lags.slice(0, n));
      symbols.push({
        symbol,
        state: RANK[global] > RANK[f.state] ? global : f.state,
        data: f.data,
        age_ms: f.ageMs === null ? null : f.ageMs + Math.max(0, until - f.ageAtMs),
        lag_p50_ms: lag ? lag.p50 : null,
        lag_p99_ms: lag ? lag.p99 : null,
        decisions: f.decisions,
        bars: f.bars,
        lookback: this.options.lookback,
        last_action: f.lastAction,
        last_confidence: f.lastConfidence,
        position: f.position,
      });
    }
    return {
      run_id: this.runId,
      pid: this.pid,
      phase: this.phase,
      now_ms: now,
      started_ms: this.startedMs,
      elapsed_ms: elapsed,
      duration_ms: duration,
      remaining_ms: duration === null ? null : Math.max(0, duration - elapsed),
      trading: { state: global, sources: restrictions.map((r) => r.source) },
      kill_switch: { ...this.killSwitch },
      feed: { ...this.feed },
      memory: this.options.memory ? this.options.memory() : null,
      decisions: this.decisions,
      orders: { ...this.orders },
      symbols,
    };
  }
}
