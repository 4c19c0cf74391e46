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
