/**
 * The gate every order passes before the broker. It reads the trading state and the book, and
 * answers with a reason the operator can grep for; it never sends anything itself.
 */
import type { TradingSnapshot } from '../safety/trading-state.js';

export type Side = 'BUY' | 'SELL';

export interface OrderIntent {
  symbol: string;
  side: Side;
  qty: number;
}

export type RejectReason = 'TRADING_HALTED' | 'TRADING_REDUCING' | 'MAX_POSITIONS' | 'MAX_ORDER_QTY' | 'MAX_NOTIONAL' | 'DUPLICATE_ORDER' | 'NO_QUOTE' | 'NOT_PAPER';

export interface RiskLimits {
  maxPositions: number;
  maxOrderQty: number;
  maxNotional: number;
  paperOnly: boolean;
}

/** What the gate knows of the order's context: the price it would trade at, and whether an identical order just went out. */
export interface OrderContext {
  price: number;
  duplicateOfRecent: boolean;
}

export interface Book {
  position(symbol: string): number;
  openPositions(): number;
  isPaper: boolean;
}

export function checkOrder(intent: OrderIntent, context: OrderContext, limits: RiskLimits, state: TradingSnapshot, book: Book): RejectReason | undefined {
  const current = book.position(intent.symbol);
  const next = current + (intent.side === 'BUY' ? intent.qty : -intent.qty);
  const level = state.effective(intent.symbol).level;
  if (level === 'HALTED') return 'TRADING_HALTED';
  // REDUCING lets positions shrink toward flat and nothing else.
  if (level === 'REDUCING' && Math.abs(next) >= Math.abs(current)) return 'TRADING_REDUCING';
  if (limits.paperOnly && !book.isPaper) return 'NOT_PAPER';
  if (intent.qty > limits.maxOrderQty) return 'MAX_ORDER_QTY';
  if (Math.abs(next) * context.price > limits.maxNotional && Math.abs(next) >= Math.abs(current)) return 'MAX_NOTIONAL';
  if (current === 0 && next !== 0 && book.openPositions() >= limits.maxPositions) return 'MAX_POSITIONS';
  if (context.duplicateOfRecent) return 'DUPLICATE_ORDER';
  return undefined;
}
