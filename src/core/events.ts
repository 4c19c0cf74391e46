/**
 * The run's event vocabulary, in one place: every event a run announces, its payload, its level
 * and the text of its log line. Components emit typed events on the bus (bus.ts); the journal
 * renders them with `describe` (log line + trace record), the run statistics fold them, and the
 * offline report matches records by the names in `EV`. No other file spells an event name.
 *
 * The log text and the trace fields of every event are part of the product (the runbook greps
 * the lines, the report binds the log to the trace line by line), so a payload carries the raw
 * figures and the rounding happens here, exactly as each line has always been written.
 *
 * To add an event: one entry in SPECS (its payload type, level, text and — when the trace record
 * is not the payload itself — its fields). `EventName`, `RunEvent` and `EV` follow from it.
 */
import { formatDuration } from '../util/duration.js';
import { round } from '../util/stats.js';

export type Level = 'debug' | 'info' | 'warn' | 'error';
/** A trace record's structured fields (besides type, ts, event, level and msg). */
export type Fields = Record<string, string | number | boolean | null | undefined | object>;

interface Spec<P> {
  level: Level | ((p: P) => Level);
  /** The log line's text after `NAME: `. */
  text: (p: P) => string;
  /** The trace record's fields; the payload itself when absent. */
  fields?: (p: P) => Fields;
}

/** Pins each entry's payload type P (the table below is the vocabulary's single definition). */
const spec = <P extends Fields>(s: Spec<P>): Spec<P> => s;

/** A decision record as the journal writes it (the trace's decisionRecordSchema is its reader's schema). */
export type DecisionLine = {
  msg: string;
  symbol: string;
  action: 'BUY' | 'SELL' | 'HOLD';
  confidence: number;
  latency_ms: number;
  processing_us: number;
  bar_start: number;
  bar_end: number;
  trigger_seq: number;
  trigger_ts: number;
  inputs: object;
  inputs_digest: string;
  output_digest: string;
  /** The strategy's own words for its decision (plug-ins); covered by output_digest. */
  reason?: string;
  data_gap?: boolean;
};

/** Where a strategy failed: the symbol and bar it was deciding on. */
type StrategyFault = { symbol: string; strategy: string; bar_start: number; bar_end: number; trigger_seq: number; detail: string };

/** The statistics behind the run's RUN_SUMMARY (telemetry/run-stats.ts folds them). */
export type SymbolSummary = {
  decisions: number;
  latency_avg_ms: number;
  latency_p95_ms: number;
  events: number;
  accepted: number;
  dropped: number;
  /** Exact counts of the events not accepted, per kind (duplicate, out_of_order, late, bad_value, outlier). */
  by_kind: Record<string, number>;
  held: number;
  gaps: number;
  sequence_resets: number;
  price_reanchors: number;
  skipped_stale: number;
};
export type OrderCounts = {
  submitted: number;
  filled: number;
  rejected: number;
  /** Kill-switch probes (never sent to the broker), apart from the strategy's orders. */
  probes: number;
};
export type RunTotals = {
  durationMs: number;
  decisions: number;
  orders: OrderCounts;
  stalenessBreaches: number;
  disconnects: number;
  parseErrors: number;
  perSymbol: Record<string, SymbolSummary>;
};
type LatencyFigures = { avg: number; p50: number; p95: number; p99: number; max: number };
/** Replay's per-symbol counts: the data-quality figures and the decisions. */
export type ReplaySymbolSummary = Pick<SymbolSummary, 'events' | 'accepted' | 'dropped' | 'by_kind' | 'held' | 'gaps' | 'sequence_resets' | 'price_reanchors' | 'decisions'>;

type Side = 'BUY' | 'SELL';
/** The feed-connection events name their source only when a fallback exists (`tagged`). */
type Tagged = { source: string; tagged: boolean };
const tag = (p: Tagged): string => (p.tagged ? ` source=${p.source}` : '');
const secs = (ms: number, digits: number): string => `${(ms / 1000).toFixed(digits)}s`;
const mb = (b: number): string => (b / 1048576).toFixed(1);

/**
 * A rate-limited data-quality line: with `detail` it is an occurrence (its figures, then the
 * running total and how many were suppressed before it); without, the summary the limiter writes
 * for the occurrences it suppressed.
 */
type Limited<D extends Fields> = { symbol: string; kind?: string; total: number; suppressed: number; detail?: D };
function limited<D extends Fields, X extends Fields = Record<never, never>>(level: Level, describe: (d: D, p: X) => string): Spec<Limited<D> & X> {
  return {
    level,
    text: (p) => {
      const kind = p.kind === undefined ? '' : `kind=${p.kind} `;
      return p.detail ? `symbol=${p.symbol} ${kind}${describe(p.detail, p)} total=${p.total} suppressed=${p.suppressed}` : `symbol=${p.symbol} ${kind}suppressed=${p.suppressed} total=${p.total}`;
    },
    fields: (p) => {
      const kind = p.kind === undefined ? {} : { kind: p.kind };
      return p.detail ? { symbol: p.symbol, ...kind, ...p.detail, total: p.total, suppressed: p.suppressed } : { symbol: p.symbol, ...kind, suppressed: p.suppressed, total: p.total };
    },
  };
}

const feedSwitch = spec<{ from: string; to: string; reason: string }>({ level: 'warn', text: (p) => `from=${p.from} to=${p.to} reason="${p.reason}"` });
type Heartbeat = { symbol: string; age_ms: number; lag_ms: number | undefined; state: string };
const heartbeatFields = (p: Heartbeat): Fields => ({ symbol: p.symbol, last_update_ms: round(p.age_ms, 1), lag_ms: p.lag_ms === undefined ? null : round(p.lag_ms, 1), state: p.state });
const heartbeatText = (p: Heartbeat): string => `${p.symbol} last_update=${secs(p.age_ms, 1)} lag=${p.lag_ms === undefined ? 'n/a' : `${Math.round(p.lag_ms)}ms`}`;
/** A heartbeat names its symbol's trading state when it is not ACTIVE (last, so the runbook's line forms stay as they were). */
const stateText = (state: string): string => (state === 'ACTIVE' ? '' : ` state=${state}`);
/**
 * The halt lines' token: `grep -E "(HEARTBEAT|STALENESS|DECISION)"` (the runbook's T+1 watch)
 * shows them, and it says exactly what stops — orders from decisions; decisions go on being logged.
 */
const ordersToken = (state: 'HALTED' | 'ACTIVE'): string => ` DECISION_ORDERS=${state}`;
type Order = { symbol: string; side: Side; qty: number };
const orderText = (p: Order): string => `symbol=${p.symbol} side=${p.side} qty=${p.qty}`;
type Probes = { probes: number; results: Record<string, string>; since_detection_ms: number };

const SPECS = {
  // --- the run
  RUN_STARTED: spec<{ run_id: string; pid: number; symbols: string[]; flags: { FLAG_MULTI_SYMBOL: boolean; FLAG_REALTIME: boolean; STAGING_MODE: boolean }; kill_switch: string; feed: string; fallback: string | undefined; strategy: string; bar_interval: string }>({
    level: 'info',
    text: (p) => `run_id=${p.run_id} pid=${p.pid} symbols=${p.symbols.join(',')} feed=${p.feed}${p.fallback ? ` fallback=${p.fallback}` : ''} ${Object.entries(p.flags).map(([k, v]) => `${k}=${v ? 1 : 0}`).join(' ')} strategy=${p.strategy} bar_interval=${p.bar_interval} kill_switch=${p.kill_switch}`,
    fields: (p) => ({ run_id: p.run_id, pid: p.pid, symbols: p.symbols, flags: p.flags, kill_switch: p.kill_switch }),
  }),
  RUN_SUMMARY: spec<{ of: 'run'; totals: RunTotals; latency: LatencyFigures; positions: Record<string, number>; memory: object | null } | { of: 'replay'; frames: number; decisions: number; cut_last_line: boolean; perSymbol: Record<string, ReplaySymbolSummary> }>({
    level: 'info',
    text: (p) => {
      if (p.of === 'replay') return `replayed frames=${p.frames} decisions=${p.decisions}${p.cut_last_line ? ' (last line of the capture was cut and skipped)' : ''}`;
      const t = p.totals;
      return `duration=${secs(t.durationMs, 1)} decisions=${t.decisions} orders_submitted=${t.orders.submitted} orders_filled=${t.orders.filled} orders_rejected=${t.orders.rejected} staleness_breaches=${t.stalenessBreaches} disconnects=${t.disconnects} parse_errors=${t.parseErrors} latency_avg_ms=${round(p.latency.avg, 2)} latency_p95_ms=${round(p.latency.p95, 2)}`;
    },
    fields: (p) => {
      if (p.of === 'replay') return { frames: p.frames, decisions: p.decisions, cut_last_line: p.cut_last_line, perSymbol: p.perSymbol };
      const l = p.latency;
      return { ...p.totals, latency_ms: { avg: round(l.avg, 3), p50: round(l.p50, 3), p95: round(l.p95, 3), p99: round(l.p99, 3), max: round(l.max, 3) }, positions: p.positions, memory: p.memory };
    },
  }),
  /** The journal appends the chain's seal to this one (journal.ts). */
  RUN_STOPPED: spec<{ reason: string }>({ level: 'info', text: (p) => `reason=${p.reason}` }),
  WRITE_FAILED: spec<{ file: string; path: string; code: string; detail: string }>({ level: 'error', text: (p) => `file=${p.file} path=${p.path} error=${p.code} detail="${p.detail}"; trading HALTED, the run stops` }),
  EMBEDDED_FEED_EXITED: spec<{ pid: number; why: string }>({ level: 'error', text: (p) => `pid=${p.pid} ${p.why}; the embedded feed is gone for this run, reconnects will fail` }),
  CONFIG_RELOAD_FAILED: spec<{ error: string; symbols: string[] }>({ level: 'warn', text: (p) => `${p.error}; keeping symbols ${p.symbols.join(',')}`, fields: () => ({}) }),
  CONFIG_RELOADED: spec<{ config: string; symbols: string[] }>({ level: 'info', text: (p) => `signal=SIGUSR1 config=${p.config} symbols=${p.symbols.join(',')}`, fields: (p) => ({ symbols: p.symbols }) }),
  SYMBOL_ADD_REFUSED: spec<{ requested: string[]; keeping: string[] }>({ level: 'warn', text: (p) => `FLAG_MULTI_SYMBOL=0 allows one symbol; keeping ${p.keeping.join(',')}`, fields: (p) => ({ requested: p.requested }) }),
  SYMBOL_ADDED: spec<{ symbol: string; symbols: string[] }>({ level: 'info', text: (p) => `symbol=${p.symbol} symbols=${p.symbols.join(',')}`, fields: (p) => ({ symbol: p.symbol }) }),
  SYMBOL_REMOVED: spec<{ symbol: string; position: number }>({ level: 'info', text: (p) => `symbol=${p.symbol} position=${p.position} held` }),
  SYMBOLS_UNCHANGED: spec<{ symbols: string[] }>({ level: 'info', text: (p) => `symbols=${p.symbols.join(',')}`, fields: () => ({}) }),

  // --- shards (`trader run --shard i/N`, cluster/)
  /** Which of the given symbols this shard owns (the others run on their own shards). */
  SHARD_ASSIGNED: spec<{ index: number; count: number; partition: string; symbols: string[]; symbols_all: string[] }>({
    level: 'info',
    text: (p) => `shard=${p.index}/${p.count} partition=${p.partition} symbols=${p.symbols.join(',') || 'none'} of ${p.symbols_all.join(',')}${p.symbols.length ? '' : ' (this shard owns none of them: it runs, watches its feed and the kill switch, and heartbeats idle)'}`,
  }),
  /** A symbol given to this shard (at start or by a SIGUSR1 reload) that another shard owns: left to it. */
  SHARD_SYMBOL_SKIPPED: spec<{ symbol: string; owner: number; count: number; index: number; on: 'start' | 'reload' }>({
    level: 'info',
    text: (p) => `symbol=${p.symbol} belongs to shard ${p.owner}/${p.count}, not this shard ${p.index}/${p.count}; left to it`,
  }),

  // --- the feed
  FEED_CONNECTED: spec<Tagged & { venue: string; url: string; connection: number; symbols: string[] }>({ level: 'info', text: (p) => `venue=${p.venue} url=${p.url} symbols=${p.symbols.join(',')}${tag(p)}`, fields: (p) => ({ url: p.url, connection: p.connection, source: p.source, venue: p.venue }) }),
  RECONNECT_SUCCESS: spec<Tagged & { url: string; connection: number; attempt: number; downtime_ms: number | null; symbols: string[] }>({
    level: 'info',
    text: (p) => `url=${p.url} attempt=${p.attempt} downtime=${((p.downtime_ms ?? 0) / 1000).toFixed(2)}s resubscribed=${p.symbols.join(',')}${tag(p)}`,
    fields: (p) => ({ url: p.url, connection: p.connection, attempt: p.attempt, downtime_ms: p.downtime_ms, symbols: p.symbols, source: p.source }),
  }),
  WEBSOCKET_DISCONNECT: spec<Tagged & { url: string; connection: number; code: number; reason: string }>({ level: 'warn', text: (p) => `url=${p.url} code=${p.code} reason="${p.reason}"${tag(p)}`, fields: (p) => ({ url: p.url, connection: p.connection, code: p.code, reason: p.reason, source: p.source }) }),
  RECONNECT_ATTEMPT: spec<Tagged & { url: string; attempt: number; delay_ms: number }>({ level: 'info', text: (p) => `url=${p.url} attempt=${p.attempt} delay=${p.delay_ms}ms${tag(p)}`, fields: (p) => ({ url: p.url, attempt: p.attempt, delay_ms: p.delay_ms, source: p.source }) }),
  RECONNECT_FAILED: spec<Tagged & { url: string; attempt: number; cause: string }>({ level: 'warn', text: (p) => `url=${p.url} attempt=${p.attempt} cause="${p.cause}"${tag(p)}`, fields: (p) => ({ url: p.url, attempt: p.attempt, cause: p.cause, source: p.source }) }),
  /** A venue refused in a way reconnecting cannot fix (auth, connection limit, subscription): the run stops. */
  FEED_FATAL: spec<Tagged & { venue: string; url: string; cause: string }>({ level: 'error', text: (p) => `venue=${p.venue} url=${p.url} cause="${p.cause}"; reconnecting cannot fix this, the run stops${tag(p)}`, fields: (p) => ({ venue: p.venue, url: p.url, cause: p.cause, source: p.source }) }),
  FEED_ROTATED: spec<Tagged & { url: string; from: number; to: number; reason: string }>({ level: 'info', text: (p) => `url=${p.url} from_connection=${p.from} to_connection=${p.to} reason="${p.reason}"${tag(p)}`, fields: (p) => ({ url: p.url, from: p.from, to: p.to, reason: p.reason, source: p.source }) }),
  FEED_FAILOVER: feedSwitch,
  FEED_FAILBACK: feedSwitch,
  FEED_PARSE_ERROR: spec<{ issue?: { kind: string; detail: string }; total: number; suppressed: number; by_kind: Record<string, number> }>({
    level: 'error',
    text: (p) => (p.issue ? `kind=${p.issue.kind} detail="${p.issue.detail}" total=${p.total} suppressed=${p.suppressed}` : `suppressed=${p.suppressed} total=${p.total}`),
    fields: (p) => (p.issue ? { kind: p.issue.kind, detail: p.issue.detail, total: p.total, suppressed: p.suppressed, by_kind: p.by_kind } : { suppressed: p.suppressed, total: p.total, by_kind: p.by_kind }),
  }),
  SYMBOL_UNKNOWN: spec<{ symbol: string; detail: string }>({ level: 'error', text: (p) => `symbol=${p.symbol} the feed does not serve it ("${p.detail}"); ${p.symbol} HALTED, other symbols continue` }),
  SYMBOL_DATA_ARRIVED: spec<{ symbol: string }>({ level: 'info', text: (p) => `${p.symbol} the feed sends it after all` }),

  // --- data quality (rate-limited, data-quality-log.ts)
  SEQUENCE_GAP: limited<{ expected: number; received: number; missing: number }>('warn', (d) => `expected=${d.expected} received=${d.received} missing=${d.missing}`),
  SEQUENCE_RESET: limited<{ from: number; to: number }>('warn', (d) => `from=${d.from} to=${d.to} (the next event continued from it: resync, nearby decisions marked data_gap)`),
  PRICE_REANCHORED: limited<{ from: number; to: number }, { reanchor_after: number }>('warn', (d, p) => `from=${d.from} to=${d.to} (${p.reanchor_after} consecutive events agreed outside the band)`),
  EVENT_REJECTED: limited<{ seq: number; detail: string | null }>('warn', (d) => `seq=${d.seq} detail="${d.detail ?? ''}"`),
  EVENT_DROPPED: limited<{ seq: number; detail: string | null }>('info', (d) => `seq=${d.seq} detail="${d.detail ?? ''}"`),

  // --- liveness
  HEARTBEAT_OK: spec<Heartbeat>({ level: 'info', text: (p) => `${heartbeatText(p)}${stateText(p.state)}`, fields: heartbeatFields }),
  HEARTBEAT_DEGRADED: spec<Heartbeat & { dropped_since: number }>({ level: 'warn', text: (p) => `${heartbeatText(p)} dropped_since=${p.dropped_since} (data arrives, none accepted)${stateText(p.state)}`, fields: (p) => ({ ...heartbeatFields(p), dropped_since: p.dropped_since }) }),
  /** A runner with no symbol at all (a shard that owns none): alive, its feed and kill switch watched. */
  HEARTBEAT_IDLE: spec<Record<never, never>>({ level: 'info', text: () => 'symbols=none (running, nothing to decide; a SIGUSR1 reload can add a symbol this runner owns)' }),
  HEARTBEAT_NO_DATA: spec<{ symbol: string; received: number; waited_ms: number; unknown: boolean; state: string }>({
    level: 'warn',
    text: (p) => `${p.symbol} ${p.unknown ? 'unknown to the feed' : `no data yet (received=${p.received} accepted=0)`} waiting=${secs(p.waited_ms, 1)}${stateText(p.state)}`,
    fields: (p) => ({ symbol: p.symbol, received: p.received, waiting_ms: round(p.waited_ms, 1), unknown: p.unknown, state: p.state }),
  }),
  STALENESS_BREACH: spec<{ symbol: string; age_ms: number; max_lag_ms: number; never: boolean }>({
    // A symbol that never had an accepted event is not a lag: it is missing, an ERROR.
    level: (p) => (p.never ? 'error' : 'warn'),
    text: (p) => {
      const budget = `max_lag=${secs(p.max_lag_ms, 1)}`;
      return p.never ? `${p.symbol} last_update=never ${budget} (no accepted data in ${secs(p.age_ms, 1)}; symbol HALTED)` : `${p.symbol} last_update=${secs(p.age_ms, 1)} ${budget}`;
    },
    fields: (p) => (p.never ? { symbol: p.symbol, age_ms: round(p.age_ms, 1), max_lag_ms: p.max_lag_ms, last_update_ms: null } : { symbol: p.symbol, age_ms: round(p.age_ms, 1), max_lag_ms: p.max_lag_ms }),
  }),
  STALENESS_RECOVERED: spec<{ symbol: string; stale_for_ms: number }>({ level: 'info', text: (p) => `${p.symbol} stale_for=${secs(p.stale_for_ms, 1)}` }),

  // --- decisions and orders
  /** The journal writes the record itself (a decision is the hot path: no re-rendering). */
  DECISION_LOGGED: spec<{ record: DecisionLine; now: number; inputsText?: string }>({ level: 'info', text: (p) => p.record.msg, fields: (p) => p.record }),
  /**
   * Once per symbol, at the start and when it is added: when its first decision on a full
   * lookback can come, so the warm-up decisions before it (the built-in holds at confidence 0.00)
   * are not taken for a fault. No time of day: the bars follow the data's clock, not the wall's.
   */
  DECISION_WARMUP: spec<{ symbol: string; strategy: string; lookback: number; bar_interval_ms: number }>({
    level: 'info',
    text: (p) => {
      const bar = formatDuration(p.bar_interval_ms);
      return `symbol=${p.symbol} lookback=${p.lookback} bars of ${bar} (${p.strategy}): the first decision on a full lookback comes when ${p.symbol}'s bar ${p.lookback} closes, ${formatDuration((p.lookback - 1) * p.bar_interval_ms)} to ${formatDuration(p.lookback * p.bar_interval_ms)} after its first data (the first bar is partial); decisions before it are warm-up on fewer bars`;
    },
  }),
  DECISION_SKIPPED: spec<{ symbol: string; reason: 'STALE_DATA'; lag_ms: number }>({ level: 'warn', text: (p) => `symbol=${p.symbol} reason=${p.reason} lag=${Math.round(p.lag_ms)}ms`, fields: (p) => ({ symbol: p.symbol, reason: p.reason, lag_ms: round(p.lag_ms, 1) }) }),
  /** A strategy broke the determinism rules (read the clock, randomness…): its symbol is HALTED. */
  STRATEGY_VIOLATION: spec<StrategyFault & { call: string }>({ level: 'error', text: (p) => `symbol=${p.symbol} call=${p.call} strategy=${p.strategy} detail="${p.detail}"; ${p.symbol} HALTED, other symbols continue` }),
  /** A strategy threw, overran its budget, answered wrongly or is gone: its symbol (all, when fatal) HALTED. */
  DECISION_FAILED: spec<StrategyFault & { kind: string; fatal: boolean }>({
    level: 'error',
    text: (p) => `symbol=${p.symbol} kind=${p.kind} strategy=${p.strategy} detail="${p.detail}"; ${p.fatal ? 'the strategy cannot answer any symbol, all HALTED' : `${p.symbol} HALTED, other symbols continue`}`,
  }),
  /** An external strategy's process ended by itself between decisions. */
  STRATEGY_EXITED: spec<{ strategy: string; detail: string; symbols: string[] }>({ level: 'error', text: (p) => `strategy=${p.strategy} ${p.detail}; no strategy to decide: ${p.symbols.join(',') || 'every symbol'} HALTED, the run goes on` }),
  /** An external strategy's stderr, rate-limited: a line with the running counts, or a summary of those suppressed. */
  STRATEGY_STDERR: spec<{ strategy?: string; line?: string; total?: number; suppressed: number; before_log?: boolean }>({
    level: 'warn',
    text: (p) => (p.line !== undefined ? `strategy=${p.strategy ?? ''} line="${p.line}" total=${p.total ?? 0} suppressed=${p.suppressed}` : p.before_log ? `suppressed=${p.suppressed} (written before the log was open)` : `suppressed=${p.suppressed} total=${p.total ?? 0}`),
    fields: (p) => ({ ...(p.strategy === undefined ? {} : { strategy: p.strategy }), ...(p.line === undefined ? {} : { line: p.line }), ...(p.total === undefined ? {} : { total: p.total }), suppressed: p.suppressed }),
  }),
  ORDER_SUBMITTED: spec<{ order_id: number; symbol: string; side: Side; qty: number }>({ level: 'info', text: (p) => `id=${p.order_id} ${orderText(p)} type=MARKET broker=paper` }),
  ORDER_FILLED: spec<{ order_id: number; symbol: string; side: Side; qty: number; price: number; position: number }>({ level: 'info', text: (p) => `id=${p.order_id} ${orderText(p)} price=${p.price} position=${p.position}` }),
  /** A probe's refusal carries `probe: true` and says PROBE: it is not an order of the strategy's. */
  ORDER_REJECTED: spec<Order & { probe?: true; reason: string; state_source: string }>({ level: 'info', text: (p) => `${p.probe ? 'PROBE ' : ''}${orderText(p)} reason=${p.reason}` }),
  PROBE_ACCEPTED: spec<Order & { probe: true }>({ level: 'error', text: (p) => `PROBE ${orderText(p)} passed the gate while the kill switch is on; not sent to the broker` }),

  // --- safety
  SAFETY_CHECK_FAILED: spec<{ check: string; error: string }>({ level: 'error', text: (p) => `check=${p.check} error="${p.error}"; trading HALTED until it passes` }),
  SAFETY_CHECK_RECOVERED: spec<{ check: string }>({ level: 'info', text: (p) => `check=${p.check}` }),
  SAFETY_CHECK_STALLED: spec<{ check: string; last_ok_ms: number; ago_ms: number }>({ level: 'error', text: (p) => `check=${p.check} last_ok=${secs(p.ago_ms, 1)} ago; trading HALTED`, fields: (p) => ({ check: p.check, last_ok_ms: p.last_ok_ms }) }),
  KILL_SWITCH_DETECTED: spec<{ file: string; file_mtime_ms: number; detected_ms: number; delay_ms: number; present_at_start: boolean; note: string | null }>({
    level: 'warn',
    // A file there before the start halted the run before its feed connected: there was no
    // moment to detect late, so no delay is claimed (its mtime may be hours old).
    text: (p) => `${p.file} ${p.present_at_start ? 'present at start (HALTED from the first instant, no detection delay)' : `exists (detection_delay=${p.delay_ms.toFixed(0)}ms)`}${p.note ? ` note="${p.note.replace(/\s+/g, ' ').slice(0, 200)}"` : ''}${ordersToken('HALTED')}`,
    fields: (p) => ({ file: p.file, file_mtime_ms: p.file_mtime_ms, detected_ms: p.detected_ms, detection_delay_ms: p.present_at_start ? null : round(p.delay_ms, 1), present_at_start: p.present_at_start, note: p.note }),
  }),
  TRADING_HALTED: spec<{ source: string }>({ level: 'warn', text: () => `no new orders accepted${ordersToken('HALTED')}` }),
  ORDERS_CANCELLED: spec<{ count: number }>({ level: 'info', text: (p) => `working_orders=${p.count} (paper fills are immediate)` }),
  POSITIONS_HELD: spec<{ positions: Record<string, number> }>({ level: 'info', text: (p) => `current positions maintained ${Object.entries(p.positions).map(([s, q]) => `${s}=${q}`).join(' ') || '(flat)'}`.trim() }),
  FEEDS_ACTIVE: spec<{ symbols: string[] }>({ level: 'info', text: (p) => `continue monitoring (no trading) symbols=${p.symbols.join(',')}` }),
  KILL_SWITCH_VERIFIED: spec<Probes & { symbols: string[] }>({
    level: 'info',
    text: (p) => `probe orders rejected reason=TRADING_HALTED symbols=${p.symbols.join(',')} verified ${p.since_detection_ms.toFixed(1)}ms after detection${ordersToken('HALTED')}`,
    fields: (p) => ({ probes: p.probes, results: p.results, since_detection_ms: p.since_detection_ms, verified: true }),
  }),
  KILL_SWITCH_VERIFY_FAILED: spec<Probes & { failed: Array<{ symbol: string; reason: string }> }>({
    level: 'error',
    text: (p) => `probe ${p.failed.map((r) => `${r.symbol}=${r.reason}`).join(' ')} (expected reason=TRADING_HALTED); trading forced HALTED${ordersToken('HALTED')}`,
    fields: (p) => ({ probes: p.probes, results: p.results, since_detection_ms: p.since_detection_ms, verified: false }),
  }),
  KILL_SWITCH_CLEARED: spec<{ file: string }>({ level: 'info', text: (p) => `${p.file} removed` }),
  TRADING_RESUMED: spec<Record<never, never>>({ level: 'info', text: () => `orders accepted again (kill_switch.allow_resume: true)${ordersToken('ACTIVE')}` }),
  /** A kill switch cleared but trading stays halted: the halt is latched, or another source (`held_by`) still holds it. */
  TRADING_STILL_HALTED: spec<{ held_by?: string }>({
    level: 'warn',
    text: (p) => `${p.held_by ? `${p.held_by} still holds the halt: trading stays HALTED until it clears` : 'halt latched: kill_switch.allow_resume is false; restart the runner to trade again'}${ordersToken('HALTED')}`,
  }),
  MEMORY_SAMPLE: spec<{ rss: number; heap_used: number; external: number; retained: number; after_gc: boolean; trend: { segment: number; growth: number; slopeBytesPerMin: number } | null }>({
    level: 'debug',
    text: (p) => `rss=${mb(p.rss)}MB heap_used=${mb(p.heap_used)}MB external=${mb(p.external)}MB retained=${mb(p.retained)}MB${p.after_gc ? ' (after GC)' : ''} growth=${p.trend ? `${(p.trend.growth * 100).toFixed(2)}%` : 'warming'}`,
    fields: (p) => ({ rss: p.rss, heap_used: p.heap_used, external: p.external, retained: p.retained, after_gc: p.after_gc, segment: p.trend?.segment ?? null, growth: p.trend ? round(p.trend.growth, 5) : null, slope_bytes_per_min: p.trend ? Math.round(p.trend.slopeBytesPerMin) : null }),
  }),
  MEMORY_GROWTH_WARN: spec<{ growth: number; max_growth: number; reducing: boolean }>({
    level: 'warn',
    text: (p) => `retained memory (heap used + external after GC) growth ${(p.growth * 100).toFixed(1)}% > ${(p.max_growth * 100).toFixed(1)}%${p.reducing ? '; trading REDUCING' : ''}`,
    fields: (p) => ({ growth: round(p.growth, 5), max_growth: p.max_growth, figure: 'retained' }),
  }),
  DRILL_MEMORY_LEAK: spec<{ bytes_per_sample: number }>({ level: 'warn', text: (p) => `retaining ${Math.round(p.bytes_per_sample / 1024)}KiB per memory sample (TRADER_DRILL_LEAK_KB_PER_SAMPLE): a leak drill, not a trading run` }),
  /** `trader run --feed nats`: what this process consumes of the stream (its shard, the symbols it owns, where it starts). */
  NATS_CONSUMER: spec<{ url: string; stream: string; filter: string; shard: string; symbols: string[]; start_seq: number; max_positions: number }>({
    level: 'info',
    text: (p) => `stream=${p.stream} filter=${p.filter} shard=${p.shard} symbols=${p.symbols.join(',')} start_seq=${p.start_seq} max_positions=${p.max_positions} url=${p.url}`,
  }),
  /**
   * Written before a stream message that can close a bar reaches the runner: a shard restarted on
   * this trace resumes after the last one, so no decision it logged is made twice.
   */
  NATS_CURSOR: spec<{ stream_seq: number }>({ level: 'debug', text: (p) => `stream_seq=${p.stream_seq}` }),
  /** A restarted shard resumes after its previous trace's cursor: what happened meanwhile was not decided live. */
  NATS_RESUMED: spec<{ previous_trace: string; after_seq: number; stream_last_seq: number }>({
    level: 'warn',
    text: (p) => `resuming after stream_seq=${p.after_seq} recorded in ${p.previous_trace}; stream_last_seq=${p.stream_last_seq}; the bars open across the restart are marked data_gap`,
  }),
  /** The cluster's halt key (NATS KV) was set or cleared; the halt itself is KILL_SWITCH_DETECTED, as for the file. */
  NATS_HALT_KEY: spec<{ key: string; present: boolean; note: string | null }>({ level: (p) => (p.present ? 'warn' : 'info'), text: (p) => `${p.key} ${p.present ? 'set' : 'cleared'}${p.note ? ` note="${p.note}"` : ''}` }),
  /** `trader ingest` started: the venue connection it holds and the stream it publishes to. */
  INGEST_STARTED: spec<{ run_id: string; pid: number; venue: string; url: string; nats_url: string; stream: string; subjects: string; symbols: string[]; encoding: string }>({
    level: 'info',
    text: (p) => `run_id=${p.run_id} pid=${p.pid} venue=${p.venue} url=${p.url} symbols=${p.symbols.join(',')} stream=${p.stream} subjects=${p.subjects} encoding=${p.encoding} nats_url=${p.nats_url}`,
  }),
  /** Every heartbeat interval: what ingest published, per symbol, and how old each symbol's data is. */
  INGEST_HEARTBEAT: spec<{ published: number; rate_per_s: number; symbols: Record<string, { published: number; age_ms: number | null }> }>({
    level: 'info',
    text: (p) => `published=${p.published} rate=${Math.round(p.rate_per_s)}/s ${Object.entries(p.symbols).map(([s, v]) => `${s}=${v.published}${v.age_ms === null ? '(no data)' : `(${secs(v.age_ms, 1)})`}`).join(' ')}`,
  }),
  /** A symbol ingest subscribed has sent nothing for longer than its staleness budget. */
  INGEST_STALE: spec<{ symbol: string; age_ms: number | null; max_lag_ms: number }>({
    level: 'error',
    text: (p) => `symbol=${p.symbol} last_update=${p.age_ms === null ? 'never' : secs(p.age_ms, 1)} max_lag=${secs(p.max_lag_ms, 1)}: the stream carries no fresh data for it`,
  }),
  /** Ingest's own connection to the NATS server went down or came back (the client buffers publishes meanwhile). */
  NATS_DISCONNECTED: spec<{ url: string }>({ level: 'warn', text: (p) => `url=${p.url}; publishes are buffered until the reconnect` }),
  NATS_RECONNECTED: spec<{ url: string; downtime_ms: number }>({ level: 'info', text: (p) => `url=${p.url} downtime=${secs(p.downtime_ms, 2)}` }),
  INGEST_STOPPED: spec<{ reason: string; published: number; symbols: Record<string, number> }>({ level: 'info', text: (p) => `reason=${p.reason} published=${p.published} ${Object.entries(p.symbols).map(([s, n]) => `${s}=${n}`).join(' ')}` }),
};

type Specs = typeof SPECS;
export type EventName = keyof Specs;
type PayloadOf<K extends EventName> = Specs[K] extends Spec<infer P> ? P : never;
/** One event of the run: its name and its payload, discriminated by `name`. */
export type EventOf<K extends EventName> = { readonly name: K } & PayloadOf<K>;
export type RunEvent = { [K in EventName]: EventOf<K> }[EventName];

/** Every event name, as a value: `EV.HEARTBEAT_OK === 'HEARTBEAT_OK'`, for readers that match records. */
export const EV = Object.freeze(Object.fromEntries(Object.keys(SPECS).map((k) => [k, k]))) as { readonly [K in EventName]: K };

/** How an event is written: its level, the log line's text after `NAME: `, and the trace record's fields. */
interface Described {
  level: Level;
  text: string;
  fields: Fields;
}

/** An event's level alone, without rendering its text (a listener that counts events by level). */
export function levelOf(event: RunEvent): Level {
  const s = SPECS[event.name] as Spec<Fields>;
  return typeof s.level === 'function' ? s.level(event as unknown as Fields) : s.level;
}

export function describe(event: RunEvent): Described {
  // The one widening: SPECS[event.name] is the spec of this very payload, which TS cannot see through the union.
  const s = SPECS[event.name] as Spec<Fields>;
  const p = event as unknown as Fields;
  const level = typeof s.level === 'function' ? s.level(p) : s.level;
  if (s.fields) return { level, text: s.text(p), fields: s.fields(p) };
  const { name: _name, ...fields } = p;
  return { level, text: s.text(p), fields };
}
