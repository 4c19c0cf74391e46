/**
 * Normalized market data. The types and the symbol pattern live in core/market.ts (the config and
 * the fixtures read them too, and must not import the feeds); re-exported here for the feed code.
 */
export type { MarketEvent, Quote, Received, Trade } from '../core/market.js';
export { SYMBOL_PATTERN } from '../core/market.js';
