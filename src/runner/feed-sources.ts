/**
 * The feeds a command connects to, from the config and a `--feed`/`--feed-url` choice: the primary
 * and, when the primary is the config's own venue, its fallback. replay and synthetic are served
 * by an embedded feed process, pushed onto `embedded` for the caller to close. `trader run` and
 * `trader ingest` both hold a venue connection, so both choose it here.
 */
import type { Config, Venue } from '../config/schema.js';
import { resolveVenue, type VenueSelection } from '../feeds/venues.js';
import { startEmbeddedFeed, type EmbeddedFeed } from './embedded-feed.js';
import type { FeedSource } from './feed-switch.js';

interface FeedChoice {
  /** The venue that runs: --feed, else the config's primary venue. */
  venue: Venue;
  feedUrl: string | undefined;
  config: Config;
  configPath: string;
  /** Every embedded feed started here, for the caller to close on every path. */
  embedded: EmbeddedFeed[];
}

async function resolveSource(v: Venue, selection: VenueSelection, config: Config, embedded: EmbeddedFeed[]): Promise<FeedSource> {
  if (v === 'replay' || v === 'synthetic') {
    const feed = await startEmbeddedFeed(v, config);
    embedded.push(feed);
    return { venue: v, url: feed.url, adapter: resolveVenue(v, { ...selection, url: feed.url }, process.env).adapter };
  }
  return { venue: v, ...resolveVenue(v, selection, process.env) };
}

/** The primary feed, and the config's fallback when the primary is the config's own venue. */
export async function resolveFeeds({ venue, feedUrl, config, configPath, embedded }: FeedChoice): Promise<{ primary: FeedSource; fallback: FeedSource | undefined }> {
  const { primary: p, fallback: f } = config.feeds;
  // The config's feed and format belong to its venue, not to another one chosen with --feed.
  const primary = await resolveSource(venue, { url: feedUrl ?? (venue === p.venue ? p.url : undefined), ...(venue === p.venue ? { feed: p.feed, format: p.format } : {}), where: `feeds.primary in ${configPath}` }, config, embedded);
  const fallback = f && venue === p.venue ? await resolveSource(f.venue, { url: f.url, feed: f.feed, format: f.format, where: `feeds.fallback in ${configPath}` }, config, embedded) : undefined;
  return { primary, fallback };
}
