/**
 * `feed: replay` and `feed: synthetic` run a feed server inside the runner's process on an
 * ephemeral loopback port; the runner still connects to it through the same WebSocket client a
 * live venue uses, so the embedded path exercises everything but the network.
 */
import type { Config } from '../config/schema.js';
import { startFeedServer, type FeedServer } from '../feeds/server/feed-server.js';
import { FixtureSource, SyntheticSource } from '../feeds/server/sources.js';
import { SESSION } from '../fixtures/generator.js';
import { ensureFixtures } from '../fixtures/store.js';

export async function startEmbeddedFeed(venue: 'replay' | 'synthetic', config: Config): Promise<FeedServer> {
  if (venue === 'synthetic') {
    const { rate, seed } = config.feeds.synthetic;
    return startFeedServer({ source: new SyntheticSource(rate, seed) });
  }
  const { fixtures, speed, loop } = config.feeds.replay;
  ensureFixtures(fixtures);
  // Every fixture symbol is served (loaded on first subscription), so SIGUSR1 can add TSLA.
  return startFeedServer({ source: new FixtureSource(fixtures, speed, loop, SESSION) });
}
