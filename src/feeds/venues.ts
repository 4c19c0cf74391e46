/**
 * The venue registry: which adapter speaks to a `--feed` choice and where its endpoint comes from.
 * replay and synthetic are served by an embedded feed server speaking the native protocol.
 */
import { TraderError, usageError } from '../errors.js';
import type { Venue } from '../config/schema.js';
import type { VenueAdapter } from './adapter.js';
import { nativeAdapter } from './native.js';

export const LIVE_VENUES: ReadonlySet<Venue> = new Set<Venue>(['alpaca', 'polygon', 'binance']);

export function adapterFor(venue: Venue): VenueAdapter {
  switch (venue) {
    case 'replay':
    case 'synthetic':
    case 'native':
      return nativeAdapter;
    case 'alpaca':
    case 'polygon':
    case 'binance':
      throw new TraderError('E_USAGE', `--feed ${venue}: this venue's adapter is not in this build yet; use replay, synthetic or native`);
  }
}

export function requireUrl(venue: Venue, url: string | undefined): string {
  if (!url) throw usageError(`--feed ${venue} needs --feed-url ws://host:port (or feeds.primary.url in the config)`);
  return url;
}
