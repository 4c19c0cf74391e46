/**
 * `feed: replay` and `feed: synthetic` run a feed server inside the runner's process on an
 * ephemeral loopback port; the runner still connects to it through the same WebSocket client a
 * live venue uses, so the embedded path exercises everything but the network.
 */
import type { Config } from '../config/schema.js';
import { startFeedServer } from '../feeds/server/feed-server.js';
import { ensureFixtures, loadFixtures } from '../fixtures/store.js';

export interface EmbeddedFeed {
  url: string;
  close(): Promise<void>;
}

export async function startEmbeddedFeed(venue: 'replay' | 'synthetic', config: Config, symbols: string[]): Promise<EmbeddedFeed> {
  if (venue === 'synthetic') {
    const { rate, seed } = config.feeds.synthetic;
    return startFeedServer({ host: '127.0.0.1', port: 0, protocol: 'native', source: { kind: 'synthetic', rate, seed, symbols } });
  }
  const { fixtures, speed, loop } = config.feeds.replay;
  await ensureFixtures(fixtures);
  // Every fixture symbol is served, so a symbol added later with SIGUSR1 has data too.
  const events = await loadFixtures(fixtures, undefined);
  void symbols;
  return startFeedServer({ host: '127.0.0.1', port: 0, protocol: 'native', speed, loop, source: { kind: 'fixtures', events } });
}
