/**
 * The run's statistics, one fold shared by `trader run` and `trader replay`: what RUN_SUMMARY
 * says, and what the heartbeat reads of each symbol's data. It listens on the bus for what every
 * occurrence announces (decisions, skips, orders, probes, breaches, disconnects); the figures
 * whose lines are rate-limited (data quality, parse errors) are counted exactly by their owners
 * through `symbol()` and `parseError()`, since a suppressed occurrence is never an event.
 */
import type { Bus } from '../core/bus.js';
import { EV, type OrderCounts, type ReplaySymbolSummary, type RunTotals, type SymbolSummary } from '../core/events.js';
import type { EventOutcome } from '../engine/pipeline.js';
import { round, summarize, type Summary } from '../util/stats.js';

type DropKind = Exclude<EventOutcome, 'accepted'>;
const DROP_KINDS: readonly DropKind[] = ['duplicate', 'out_of_order', 'late', 'bad_value', 'outlier'];

/** What the data-quality rules did to one symbol's events (data-quality-log.ts counts them). */
export interface DataCounters {
  /** Events received for the symbol. */
  events: number;
  /** Events that reached bars and VWAP. */
  accepted: number;
  /** Events not accepted, all kinds: events = accepted + dropped + held. */
  dropped: number;
  byKind: Record<DropKind, number>;
  /** Events held for confirmation at this moment (a far sequence jump, an unconfirmed first price). */
  held: number;
  /** Events not accepted since the last accepted one: a symbol whose data is all being dropped shows here. */
  droppedSinceAccepted: number;
  gaps: number;
  resets: number;
  reanchors: number;
}

interface SymbolCounters extends DataCounters {
  decisions: number;
  skippedStale: number;
  latencies: number[];
}

export class RunStats {
  private readonly symbols = new Map<string, SymbolCounters>();
  private readonly orders: OrderCounts = { submitted: 0, filled: 0, rejected: 0, probes: 0 };
  private breaches = 0;
  private disconnects = 0;
  private parseErrors = 0;
  private readonly parseErrorsByKind = new Map<string, number>();

  constructor(bus: Bus) {
    bus.on(EV.DECISION_LOGGED, ({ record }) => {
      const c = this.symbol(record.symbol);
      c.decisions += 1;
      c.latencies.push(record.latency_ms);
    });
    bus.on(EV.DECISION_SKIPPED, ({ symbol }) => void (this.symbol(symbol).skippedStale += 1));
    bus.on(EV.ORDER_SUBMITTED, () => void (this.orders.submitted += 1));
    bus.on(EV.ORDER_FILLED, () => void (this.orders.filled += 1));
    // A probe is not an order the strategy wanted: counted apart, never in the order figures.
    bus.on(EV.ORDER_REJECTED, ({ probe }) => void (probe ? (this.orders.probes += 1) : (this.orders.rejected += 1)));
    bus.on(EV.PROBE_ACCEPTED, () => void (this.orders.probes += 1));
    bus.on(EV.STALENESS_BREACH, () => void (this.breaches += 1));
    bus.on(EV.WEBSOCKET_DISCONNECT, () => void (this.disconnects += 1));
  }

  /** A symbol's counters, created at its first use and kept after it is removed (the summary reports it). */
  symbol(symbol: string): SymbolCounters {
    let c = this.symbols.get(symbol);
    if (!c) {
      const byKind = Object.fromEntries(DROP_KINDS.map((k) => [k, 0])) as Record<DropKind, number>;
      c = { events: 0, accepted: 0, dropped: 0, byKind, held: 0, droppedSinceAccepted: 0, gaps: 0, resets: 0, reanchors: 0, decisions: 0, skippedStale: 0, latencies: [] };
      this.symbols.set(symbol, c);
    }
    return c;
  }

  peek(symbol: string): SymbolCounters | undefined {
    return this.symbols.get(symbol);
  }

  /** Every parse issue, logged or suppressed. */
  parseError(kind: string): void {
    this.parseErrors += 1;
    this.parseErrorsByKind.set(kind, (this.parseErrorsByKind.get(kind) ?? 0) + 1);
  }

  parseErrorKinds(): Record<string, number> {
    return Object.fromEntries(this.parseErrorsByKind);
  }

  get decisions(): number {
    let n = 0;
    for (const c of this.symbols.values()) n += c.decisions;
    return n;
  }

  /** Every decision's latency, all symbols. */
  latency(): Summary {
    return summarize([...this.symbols.values()].flatMap((s) => s.latencies));
  }

  /** The live run's RUN_SUMMARY figures. */
  totals(durationMs: number): RunTotals {
    const perSymbol: Record<string, SymbolSummary> = {};
    for (const [symbol, s] of this.symbols) {
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
    return { durationMs: Math.round(durationMs), decisions: this.decisions, orders: { ...this.orders }, stalenessBreaches: this.breaches, disconnects: this.disconnects, parseErrors: this.parseErrors, perSymbol };
  }

  /** Replay's per-symbol figures: the same data-quality counts as the live run's, from the same fold. */
  replayPerSymbol(): Record<string, ReplaySymbolSummary> {
    return Object.fromEntries([...this.symbols].map(([s, c]) => [s, { events: c.events, accepted: c.accepted, dropped: c.dropped, by_kind: { ...c.byKind }, held: c.held, gaps: c.gaps, sequence_resets: c.resets, price_reanchors: c.reanchors, decisions: c.decisions }]));
  }
}
