/**
 * Symbol mapping, in one place for every venue. Our symbols are upper-case tickers with an
 * optional dash for a currency pair (SPY, BTC-USD). Stock venues use the ticker as is; Binance.US
 * writes a pair without the dash (BTCUSD in payloads) and lower-case in stream names (btcusd@trade).
 */

/** Our symbol as the venue writes it in subscriptions and payloads: BTC-USD → BTCUSD on Binance, SPY → SPY everywhere. */
export function toVenueSymbol(venue: string, symbol: string): string {
  return venue === 'binance' ? symbol.replace('-', '') : symbol;
}

/**
 * The venue's symbol as ours. A Binance pair has no separator, so the quote currency is found
 * among the ones Binance.US lists markets in (longest first: USDT before USD).
 */
export function fromVenueSymbol(venue: string, venueSymbol: string): string {
  const upper = venueSymbol.toUpperCase();
  if (venue !== 'binance') return upper;
  for (const quote of BINANCE_QUOTES) {
    if (upper.length > quote.length && upper.endsWith(quote)) return `${upper.slice(0, -quote.length)}-${quote}`;
  }
  return upper;
}

const BINANCE_QUOTES = ['USDT', 'USDC', 'BUSD', 'USD4', 'USD', 'BTC', 'ETH', 'BNB', 'DAI'];

/**
 * The mapping for one adapter: a venue symbol we subscribed maps back to exactly the symbol we
 * asked for (XB-USD stays XB-USD, where the quote-currency rule alone would read X-BUSD); only
 * a symbol we never asked for falls back to the rule.
 */
export class SymbolMap {
  private readonly ours = new Map<string, string>();

  constructor(private readonly venue: string) {}

  toVenue(symbol: string): string {
    const v = toVenueSymbol(this.venue, symbol);
    this.ours.set(v.toUpperCase(), symbol);
    return v;
  }

  fromVenue(venueSymbol: string): string {
    return this.ours.get(venueSymbol.toUpperCase()) ?? fromVenueSymbol(this.venue, venueSymbol);
  }
}
