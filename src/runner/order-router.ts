/**
 * Decisions to orders: a BUY/SELL sets a target position of ±order_qty, the difference becomes a
 * market order, and every order passes the supervisor's freshness check and the risk gate before
 * the paper broker sees it. HOLD never trades.
 */
import type { Config } from '../config/schema.js';
import type { Flags } from '../config/flags.js';
import type { StrategyOutput } from '../strategy/types.js';
import { PaperBroker } from '../engine/paper-broker.js';
import { checkOrder, type OrderIntent, type RejectReason } from '../engine/risk.js';
import type { SafetySupervisor } from '../safety/supervisor.js';
import type { TradingState } from '../safety/trading-state.js';
import type { Journal } from '../trace/journal.js';

export interface OrderCounts {
  submitted: number;
  filled: number;
  rejected: number;
  /** Kill-switch probes (never sent to the broker), apart from the strategy's orders. */
  probes: number;
}

export class OrderRouter {
  readonly broker = new PaperBroker();
  readonly counts: OrderCounts = { submitted: 0, filled: 0, rejected: 0, probes: 0 };
  private readonly lastSent = new Map<string, number>();

  constructor(
    private readonly config: Config,
    private readonly flags: Flags,
    private readonly state: TradingState,
    private readonly supervisor: SafetySupervisor,
    private readonly journal: Journal,
    /** Runs right before the gate (the kill-switch poll): an order never passes while the file exists. */
    private readonly preTradeCheck: () => void,
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
    const base = `PROBE symbol=${intent.symbol} side=${intent.side} qty=${intent.qty}`;
    const reason = this.gate(intent, quote, this.now());
    // Counted apart: a probe is not an order the strategy wanted, so it is not in the order figures.
    this.counts.probes += 1;
    const fields = { symbol: intent.symbol, side: intent.side, qty: intent.qty, probe: true };
    if (reason) this.journal.event('info', 'ORDER_REJECTED', `${base} reason=${reason}`, { ...fields, reason, state_source: this.state.effective(symbol).source });
    else this.journal.event('error', 'PROBE_ACCEPTED', `${base} passed the gate while the kill switch is on; not sent to the broker`, fields);
    return reason;
  }

  /** Everything an order must pass before the broker: the kill-switch poll, fresh safety checks, the risk gate, a quote. */
  private gate(intent: OrderIntent, quote: { bid: number; ask: number } | null, now: number): RejectReason | undefined {
    this.preTradeCheck();
    this.supervisor.ensureFresh();
    const { risk } = this.config;
    const sentAt = this.lastSent.get(orderKey(intent));
    const context = { price: quote ? (intent.side === 'BUY' ? quote.ask : quote.bid) : 0, duplicateOfRecent: sentAt !== undefined && now - sentAt < risk.duplicate_window };
    const limits = { maxPositions: this.config.max_positions, maxOrderQty: risk.max_order_qty, maxNotional: risk.max_notional, paperOnly: this.flags.STAGING_MODE };
    return checkOrder(intent, context, limits, this.state, this.broker) ?? (quote ? undefined : 'NO_QUOTE');
  }

  private submit(intent: OrderIntent, quote: { bid: number; ask: number } | null): void {
    const { journal } = this;
    const base = `symbol=${intent.symbol} side=${intent.side} qty=${intent.qty}`;
    const now = this.now();
    const reason = this.gate(intent, quote, now);
    if (reason || !quote) {
      this.counts.rejected += 1;
      const source = this.state.effective(intent.symbol).source;
      journal.event('info', 'ORDER_REJECTED', `${base} reason=${reason ?? 'NO_QUOTE'}`, { symbol: intent.symbol, side: intent.side, qty: intent.qty, reason: reason ?? 'NO_QUOTE', state_source: source });
      return;
    }
    const id = this.broker.newOrderId();
    this.lastSent.set(orderKey(intent), now);
    this.counts.submitted += 1;
    journal.event('info', 'ORDER_SUBMITTED', `id=${id} ${base} type=MARKET broker=paper`, { order_id: id, symbol: intent.symbol, side: intent.side, qty: intent.qty });
    const fill = this.broker.fill(id, intent, quote);
    this.counts.filled += 1;
    journal.event('info', 'ORDER_FILLED', `id=${id} ${base} price=${fill.price} position=${fill.position}`, { order_id: id, symbol: intent.symbol, side: intent.side, qty: intent.qty, price: fill.price, position: fill.position });
  }
}

const orderKey = (intent: OrderIntent): string => `${intent.symbol}:${intent.side}:${intent.qty}`;
