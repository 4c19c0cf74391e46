/**
 * Decisions to orders: a BUY/SELL sets a target position of ±order_qty, the difference becomes a
 * market order, and every order passes the risk gate, judged on the safety monitor's freshly
 * refreshed snapshot, before the paper broker sees it. HOLD never trades. The router reads the
 * trading state; it never writes it and holds no safety check of its own.
 */
import type { Config } from '../config/schema.js';
import type { Flags } from '../config/flags.js';
import type { StrategyOutput } from '../strategy/types.js';
import { PaperBroker } from '../engine/paper-broker.js';
import { checkOrder, type OrderIntent, type RejectReason } from '../engine/risk.js';
import type { TradingSnapshot } from '../safety/trading-state.js';
import type { Bus } from '../core/bus.js';
import { EV, type OrderCounts } from '../core/events.js';

export class OrderRouter {
  readonly broker = new PaperBroker();
  readonly counts: OrderCounts = { submitted: 0, filled: 0, rejected: 0, probes: 0 };
  private readonly lastSent = new Map<string, number>();

  constructor(
    private readonly config: Config,
    private readonly flags: Flags,
    /**
     * The safety monitor's snapshot, refreshed right before the gate (it polls the kill-switch
     * file and ages its checks): an order never passes while the file exists.
     */
    private readonly safety: { beforeOrder(): TradingSnapshot; readonly snapshot: TradingSnapshot },
    private readonly bus: Bus,
    private readonly now: () => number,
  ) {}

  onDecision(symbol: string, output: StrategyOutput, quote: { bid: number; ask: number } | null): void {
    if (output.action === 'HOLD') return;
    const qty = this.config.risk.order_qty;
    const target = output.action === 'BUY' ? qty : -qty;
    const delta = target - this.broker.position(symbol);
    if (delta === 0) return;
    this.submit({ symbol, side: delta > 0 ? 'BUY' : 'SELL', qty: Math.abs(delta) }, quote);
  }

  /**
   * A kill-switch probe: an order built like a real one (BUY order_qty of `symbol`) goes through
   * the same gate as every order, and is never sent to the broker whatever the gate answers.
   * Returns the gate's reason, undefined when the gate would have let it through.
   */
  probe(symbol: string, quote: { bid: number; ask: number } | null): RejectReason | undefined {
    const intent: OrderIntent = { symbol, side: 'BUY', qty: this.config.risk.order_qty };
    const reason = this.gate(intent, quote, this.now());
    // Counted apart: a probe is not an order the strategy wanted, so it is not in the order figures.
    this.counts.probes += 1;
    const fields = { symbol: intent.symbol, side: intent.side, qty: intent.qty, probe: true as const };
    if (reason) this.bus.emit({ name: EV.ORDER_REJECTED, ...fields, reason, state_source: this.safety.snapshot.effective(symbol).source });
    else this.bus.emit({ name: EV.PROBE_ACCEPTED, ...fields });
    return reason;
  }

  /** Everything an order must pass before the broker: a fresh safety snapshot, the risk gate, a quote. */
  private gate(intent: OrderIntent, quote: { bid: number; ask: number } | null, now: number): RejectReason | undefined {
    const state = this.safety.beforeOrder();
    const { risk } = this.config;
    const sentAt = this.lastSent.get(orderKey(intent));
    const context = { price: quote ? (intent.side === 'BUY' ? quote.ask : quote.bid) : 0, duplicateOfRecent: sentAt !== undefined && now - sentAt < risk.duplicate_window };
    const limits = { maxPositions: this.config.max_positions, maxOrderQty: risk.max_order_qty, maxNotional: risk.max_notional, paperOnly: this.flags.STAGING_MODE };
    return checkOrder(intent, context, limits, state, this.broker) ?? (quote ? undefined : 'NO_QUOTE');
  }

  private submit(intent: OrderIntent, quote: { bid: number; ask: number } | null): void {
    const { bus } = this;
    const now = this.now();
    const reason = this.gate(intent, quote, now);
    if (reason || !quote) {
      this.counts.rejected += 1;
      const source = this.safety.snapshot.effective(intent.symbol).source;
      bus.emit({ name: EV.ORDER_REJECTED, symbol: intent.symbol, side: intent.side, qty: intent.qty, reason: reason ?? 'NO_QUOTE', state_source: source });
      return;
    }
    const id = this.broker.newOrderId();
    this.lastSent.set(orderKey(intent), now);
    this.counts.submitted += 1;
    bus.emit({ name: EV.ORDER_SUBMITTED, order_id: id, symbol: intent.symbol, side: intent.side, qty: intent.qty });
    const fill = this.broker.fill(id, intent, quote);
    this.counts.filled += 1;
    bus.emit({ name: EV.ORDER_FILLED, order_id: id, symbol: intent.symbol, side: intent.side, qty: intent.qty, price: fill.price, position: fill.position });
  }
}

const orderKey = (intent: OrderIntent): string => `${intent.symbol}:${intent.side}:${intent.qty}`;
