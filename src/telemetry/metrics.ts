/**
 * The run's Prometheus metrics: a bus subscriber that turns the events every component already
 * announces into counters, gauges and histograms (prom-client) in a registry of its own, plus
 * prom-client's default process metrics. Nothing is threaded through the runner, and each
 * listener does one lookup and one inc()/observe()/set(): the only work left for a scrape is
 * rendering. Names follow Prometheus conventions (the `trader_` prefix, base units, `_seconds`,
 * `_bytes`, `_total`) and each is documented in docs/metrics.md, which a test keeps in step.
 *
 * Figures whose log lines are rate-limited (parse errors, dropped events, gaps) are exact all the
 * same: each such line carries the running total, and the counter is advanced to it.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Bus } from '../core/bus.js';
import { EV, levelOf } from '../core/events.js';
import { TRADING_STATE_VALUE } from './metrics-text.js';


// Decision latency is judged at 150 ms (the runbook), so a bucket edge sits there.
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10];
// Feed lag is judged at 5 s (staleness), so a bucket edge sits there.
const LAG_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const PROCESSING_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1];
const ACTIONS = ['BUY', 'SELL', 'HOLD'] as const;

interface Inc {
  inc(value?: number): void;
}
interface Observe {
  observe(value: number): void;
}

/** Children by label values, created once: the hot listeners never re-hash their labels. */
function memo<C>(make: (...values: string[]) => C): (...values: string[]) => C {
  const children = new Map<string, C>();
  return (...values) => {
    const key = values.join('\u0000');
    let c = children.get(key);
    if (c === undefined) {
      c = make(...values);
      children.set(key, c);
    }
    return c;
  };
}

export class RunMetrics {
  readonly registry = new Registry();
  /** Per symbol, the wall-clock ms of its last accepted event, as the heartbeats report it. */
  private readonly lastDataMs = new Map<string, number>();
  /** Per rate-limited key, the running total already counted. */
  private readonly totals = new Map<string, number>();

  constructor(private readonly now: () => number) {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Subscribes every metric to the bus; returns the unsubscribe. */
  attach(bus: Bus): () => void {
    const r = this.registry;
    const counter = (name: string, help: string, labelNames: string[]): Counter<string> => new Counter({ name, help, labelNames, registers: [r] });
    const gauge = (name: string, help: string, labelNames: string[]): Gauge<string> => new Gauge({ name, help, labelNames, registers: [r] });
    const histogram = (name: string, help: string, labelNames: string[], buckets: number[]): Histogram<string> => new Histogram({ name, help, labelNames, buckets, registers: [r] });

    const runInfo = gauge('trader_run_info', 'The run: 1, labelled with its run id, strategy and primary feed venue.', ['run_id', 'strategy', 'feed']);
    const runStart = gauge('trader_run_start_time_seconds', 'When the run started (Unix time).', []);
    const eventsTotal = counter('trader_run_events_total', 'Events the run recorded in its trace (the log holds those at or above log_level), by event and level; level="error" is what the runbook greps as ERROR.', ['event', 'level']);
    const events = memo<Inc>((event, level) => eventsTotal.labels(event as string, level as string));

    const decisionsTotal = counter('trader_decisions_total', 'Decisions logged, by symbol and action.', ['symbol', 'action']);
    const decisions = memo<Inc>((s, a) => decisionsTotal.labels(s as string, a as string));
    const latencyH = histogram('trader_decision_latency_seconds', 'Feed to decision latency: exchange time of the event that closed the bar to the decision logged.', ['symbol'], LATENCY_BUCKETS);
    const latency = memo<Observe>((s) => latencyH.labels(s as string));
    const processingH = histogram('trader_decision_processing_seconds', 'Local receipt of the triggering event to the decision logged.', ['symbol'], PROCESSING_BUCKETS);
    const processing = memo<Observe>((s) => processingH.labels(s as string));
    const skippedTotal = counter('trader_decisions_skipped_total', 'Decisions not taken, by symbol and reason (STALE_DATA).', ['symbol', 'reason']);
    const failuresTotal = counter('trader_strategy_failures_total', 'Strategy failures that halted a symbol, by symbol and kind (threw, timeout, bad_output, protocol, gone, violation).', ['symbol', 'kind']);

    const submittedTotal = counter('trader_orders_submitted_total', 'Orders sent to the paper broker, by symbol and side.', ['symbol', 'side']);
    const filledTotal = counter('trader_orders_filled_total', 'Orders filled, by symbol and side.', ['symbol', 'side']);
    const rejectedTotal = counter('trader_orders_rejected_total', 'The strategy\'s orders refused by the risk gate, by symbol and reason (kill-switch probes apart).', ['symbol', 'reason']);
    const probesTotal = counter('trader_kill_switch_probes_total', 'Kill-switch probe orders, by result (the gate\'s refusal reason, or accepted).', ['result']);
    const position = gauge('trader_position', 'Position per symbol after the last fill (shares or units).', ['symbol']);

    const breachesTotal = counter('trader_staleness_breaches_total', 'Staleness breaches (a symbol\'s last accepted event older than its max_lag), by symbol.', ['symbol']);
    const stale = gauge('trader_symbol_stale', '1 while a symbol is in a staleness breach (HALTED), else 0.', ['symbol']);
    const state = gauge('trader_trading_state', 'Effective trading state per symbol: 0 ACTIVE, 1 REDUCING, 2 HALTED (as the last heartbeat or breach reported it).', ['symbol']);
    const lastData = gauge('trader_last_data_timestamp_seconds', 'When the symbol\'s last accepted event was received (Unix time).', ['symbol']);
    // Computed when scraped, so a symbol whose data stopped (and with it its heartbeats) keeps ageing.
    const dataAge: Gauge<string> = new Gauge({
      name: 'trader_data_age_seconds',
      help: 'Age of the symbol\'s last accepted event at scrape time.',
      labelNames: ['symbol'],
      registers: [r],
      collect: () => {
        const now = this.now();
        for (const [symbol, ms] of this.lastDataMs) dataAge.labels(symbol).set(Math.max(0, (now - ms) / 1000));
      },
    });
    const lagH = histogram('trader_feed_lag_seconds', 'Feed lag (local receipt minus exchange time of the last accepted event), sampled at every heartbeat.', ['symbol'], LAG_BUCKETS);
    const lag = memo<Observe>((s) => lagH.labels(s as string));
    const lagLast = gauge('trader_feed_lag_last_seconds', 'Feed lag at the last heartbeat.', ['symbol']);

    const connected = gauge('trader_feed_connected', '1 while the source (primary, fallback) has a live connection.', ['source']);
    const feedUp = gauge('trader_feed_up', '1 while the source in use has a live connection; 0 from a disconnect until the reconnect.', []);
    const disconnectsTotal = counter('trader_feed_disconnects_total', 'WebSocket disconnects, by source.', ['source']);
    const reconnectsTotal = counter('trader_feed_reconnects_total', 'Successful reconnects (RECONNECT_SUCCESS), by source.', ['source']);
    const reconnectFailuresTotal = counter('trader_feed_reconnect_failures_total', 'Failed reconnect attempts, by source.', ['source']);
    const switchesTotal = counter('trader_feed_switches_total', 'Failovers (to="fallback") and failbacks (to="primary").', ['to']);
    const parseErrorsTotal = counter('trader_feed_parse_errors_total', 'Feed frames that failed parsing, by kind (exact, though the log lines are rate-limited).', ['kind']);
    const droppedTotal = counter('trader_events_dropped_total', 'Market events kept out of the bars by the data-quality rules, by symbol and kind (duplicate, out_of_order, late, bad_value, outlier).', ['symbol', 'kind']);
    const gapsTotal = counter('trader_sequence_gaps_total', 'Sequence gaps seen, by symbol.', ['symbol']);

    const ksPresent = gauge('trader_kill_switch_present', '1 while the kill-switch file is present (trading HALTED), else 0.', []);
    const ksDetections = counter('trader_kill_switch_detections_total', 'Kill-switch detections (the file appeared, or was there at start).', []);
    const ksLatched = gauge('trader_kill_switch_halted', '1 from a kill-switch detection until trading resumes (the halt latches unless kill_switch.allow_resume).', []);

    const retained = gauge('trader_memory_retained_bytes', 'Retained memory (heap used + external after a full GC) at the last memory sample.', []);
    const rss = gauge('trader_memory_rss_bytes', 'Resident set size at the last memory sample.', []);
    const growth = gauge('trader_memory_growth_ratio', 'Retained-memory growth of the current segment as a share of RSS (the report\'s memory figure; judged at 0.05); 0 while the segment warms up.', []);
    const growthWarns = counter('trader_memory_growth_warnings_total', 'MEMORY_GROWTH_WARN events (growth past memory.max_growth).', []);

    feedUp.set(0);
    ksPresent.set(0);
    ksLatched.set(0);
    let active: string = 'primary';
    const up = new Map<string, boolean>();
    const refreshUp = (): void => feedUp.set(up.get(active) === true ? 1 : 0);
    const setConnected = (source: string, is: boolean): void => {
      up.set(source, is);
      connected.labels(source).set(is ? 1 : 0);
      refreshUp();
    };
    // A series that exists from the start: increase() sees its first step, and dashboards show 0, not nothing.
    const watch = (symbol: string): void => {
      for (const a of ACTIONS) decisions(symbol, a).inc(0);
      breachesTotal.labels(symbol).inc(0);
      stale.labels(symbol).set(0);
    };
    const forget = (symbol: string): void => {
      // Gauges describe the symbols watched now; counters keep what happened.
      for (const g of [stale, state, lastData, dataAge, lagLast]) g.remove(symbol);
      this.lastDataMs.delete(symbol);
    };
    const heartbeat = (e: { symbol: string; age_ms: number; lag_ms: number | undefined; state: string }): void => {
      this.lastDataMs.set(e.symbol, this.now() - e.age_ms);
      lastData.labels(e.symbol).set((this.now() - e.age_ms) / 1000);
      if (e.lag_ms !== undefined) {
        lag(e.symbol).observe(e.lag_ms / 1000);
        lagLast.labels(e.symbol).set(e.lag_ms / 1000);
      }
      setState(e.symbol, e.state);
    };
    const setState = (symbol: string, level: string): void => {
      const v = TRADING_STATE_VALUE[level];
      if (v !== undefined) state.labels(symbol).set(v);
    };
    /** Advances a counter to a running total carried by a rate-limited line. */
    const toTotal = (key: string, c: Inc, total: number): void => {
      const before = this.totals.get(key) ?? 0;
      if (total > before) {
        c.inc(total - before);
        this.totals.set(key, total);
      }
    };

    const offs = [
      bus.subscribe((e) => events(e.name, levelOf(e)).inc()),
      bus.on(EV.RUN_STARTED, (e) => {
        runInfo.labels(e.run_id, e.strategy, e.feed).set(1);
        runStart.set(this.now() / 1000);
        for (const s of e.symbols) watch(s);
      }),
      bus.on(EV.SYMBOL_ADDED, (e) => watch(e.symbol)),
      bus.on(EV.SYMBOL_REMOVED, (e) => forget(e.symbol)),

      bus.on(EV.DECISION_LOGGED, ({ record }) => {
        decisions(record.symbol, record.action).inc();
        latency(record.symbol).observe(record.latency_ms / 1000);
        processing(record.symbol).observe(record.processing_us / 1e6);
      }),
      bus.on(EV.DECISION_SKIPPED, (e) => skippedTotal.labels(e.symbol, e.reason).inc()),
      bus.on(EV.DECISION_FAILED, (e) => failuresTotal.labels(e.symbol, e.kind).inc()),
      bus.on(EV.STRATEGY_VIOLATION, (e) => failuresTotal.labels(e.symbol, 'violation').inc()),

      bus.on(EV.ORDER_SUBMITTED, (e) => submittedTotal.labels(e.symbol, e.side).inc()),
      bus.on(EV.ORDER_FILLED, (e) => {
        filledTotal.labels(e.symbol, e.side).inc();
        position.labels(e.symbol).set(e.position);
      }),
      bus.on(EV.ORDER_REJECTED, (e) => (e.probe ? probesTotal.labels(e.reason).inc() : rejectedTotal.labels(e.symbol, e.reason).inc())),
      bus.on(EV.PROBE_ACCEPTED, () => probesTotal.labels('accepted').inc()),

      bus.on(EV.HEARTBEAT_OK, heartbeat),
      bus.on(EV.HEARTBEAT_DEGRADED, heartbeat),
      bus.on(EV.HEARTBEAT_NO_DATA, (e) => setState(e.symbol, e.state)),
      bus.on(EV.STALENESS_BREACH, (e) => {
        breachesTotal.labels(e.symbol).inc();
        stale.labels(e.symbol).set(1);
        // The breach halts the symbol, and a stale symbol has no heartbeat to say so.
        setState(e.symbol, 'HALTED');
      }),
      bus.on(EV.STALENESS_RECOVERED, (e) => stale.labels(e.symbol).set(0)),

      bus.on(EV.FEED_CONNECTED, (e) => setConnected(e.source, true)),
      bus.on(EV.RECONNECT_SUCCESS, (e) => {
        reconnectsTotal.labels(e.source).inc();
        setConnected(e.source, true);
      }),
      bus.on(EV.WEBSOCKET_DISCONNECT, (e) => {
        disconnectsTotal.labels(e.source).inc();
        setConnected(e.source, false);
      }),
      bus.on(EV.RECONNECT_FAILED, (e) => reconnectFailuresTotal.labels(e.source).inc()),
      bus.on(EV.FEED_FATAL, (e) => setConnected(e.source, false)),
      bus.on(EV.FEED_FAILOVER, (e) => {
        switchesTotal.labels(e.to).inc();
        active = e.to;
        refreshUp();
      }),
      bus.on(EV.FEED_FAILBACK, (e) => {
        switchesTotal.labels(e.to).inc();
        active = e.to;
        refreshUp();
      }),
      bus.on(EV.FEED_PARSE_ERROR, (e) => {
        for (const [kind, total] of Object.entries(e.by_kind)) toTotal(`parse|${kind}`, parseErrorsTotal.labels(kind), total);
      }),
      bus.on(EV.EVENT_DROPPED, (e) => toTotal(`drop|${e.symbol}|${e.kind ?? ''}`, droppedTotal.labels(e.symbol, e.kind ?? 'unknown'), e.total)),
      bus.on(EV.EVENT_REJECTED, (e) => toTotal(`drop|${e.symbol}|${e.kind ?? ''}`, droppedTotal.labels(e.symbol, e.kind ?? 'unknown'), e.total)),
      bus.on(EV.SEQUENCE_GAP, (e) => toTotal(`gap|${e.symbol}`, gapsTotal.labels(e.symbol), e.total)),

      bus.on(EV.KILL_SWITCH_DETECTED, () => {
        ksDetections.inc();
        ksPresent.set(1);
        ksLatched.set(1);
      }),
      bus.on(EV.KILL_SWITCH_CLEARED, () => ksPresent.set(0)),
      bus.on(EV.TRADING_RESUMED, () => ksLatched.set(0)),

      bus.on(EV.MEMORY_SAMPLE, (e) => {
        retained.set(e.retained);
        rss.set(e.rss);
        // A new segment (SYMBOL_ADDED) warms up afresh: the last segment's growth is not this one's.
        growth.set(e.trend ? e.trend.growth : 0);
      }),
      bus.on(EV.MEMORY_GROWTH_WARN, () => growthWarns.inc()),
    ];
    return () => {
      for (const off of offs) off();
    };
  }

  /** The text exposition format, as /metrics serves it. */
  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
