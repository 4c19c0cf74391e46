/**
 * A paper broker: market orders fill at once against the symbol's current quote (the ask for a
 * buy, the bid for a sell), so fills are realistic without any venue.
 */
import type { Book, OrderIntent } from './risk.js';

export interface Fill {
  orderId: number;
  symbol: string;
  side: OrderIntent['side'];
  qty: number;
  price: number;
  position: number;
}

export class PaperBroker implements Book {
  readonly isPaper = true;
  private readonly positions = new Map<string, number>();
  private nextId = 1;

  position(symbol: string): number {
    return this.positions.get(symbol) ?? 0;
  }

  openPositions(): number {
    let n = 0;
    for (const qty of this.positions.values()) if (qty !== 0) n += 1;
    return n;
  }

  allPositions(): Record<string, number> {
    return Object.fromEntries(this.positions);
  }

  newOrderId(): number {
    return this.nextId++;
  }

  fill(orderId: number, intent: OrderIntent, quote: { bid: number; ask: number }): Fill {
    const price = intent.side === 'BUY' ? quote.ask : quote.bid;
    const position = this.position(intent.symbol) + (intent.side === 'BUY' ? intent.qty : -intent.qty);
    this.positions.set(intent.symbol, position);
    return { orderId, symbol: intent.symbol, side: intent.side, qty: intent.qty, price, position };
  }
}
