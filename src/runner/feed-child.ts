/**
 * The embedded replay/synthetic feed's own process (forked by embedded-feed.ts): it serves the
 * feed on an ephemeral loopback port and reports the URL over IPC, so the fixtures it holds and
 * the frames it buffers are never counted in the runner's memory. It lives exactly as long as the
 * runner: a `stop` message closes it, and a lost IPC channel (the runner exited or was killed)
 * ends it too, so no orphan keeps serving.
 */
import { startFeedServer, type FeedServer } from '../feeds/server/feed-server.js';
import { FixtureSource, SyntheticSource } from '../feeds/server/sources.js';
import { SESSION } from '../fixtures/generator.js';
import { ensureFixtures } from '../fixtures/store.js';
import type { ChildMessage, EmbeddedFeedSpec } from './embedded-feed.js';

const send = (message: ChildMessage): void => {
  process.send?.(message);
};

async function serve(spec: EmbeddedFeedSpec): Promise<FeedServer> {
  if (spec.venue === 'synthetic') return startFeedServer({ source: new SyntheticSource(spec.rate, spec.seed) });
  ensureFixtures(spec.fixtures);
  // Every fixture symbol is served (loaded on first subscription), so SIGUSR1 can add TSLA.
  return startFeedServer({ source: new FixtureSource(spec.fixtures, spec.speed, spec.loop, SESSION) });
}

async function main(): Promise<void> {
  // Ctrl-C reaches the whole process group: the runner decides when its feed goes (after it has
  // closed its own connection), so the child must not die first and cause a disconnect.
  process.on('SIGINT', () => undefined);
  let server: FeedServer | undefined;
  let closing = false;
  const close = async (code: number): Promise<void> => {
    if (closing) return;
    closing = true;
    await server?.close();
    process.exit(code);
  };
  process.on('disconnect', () => void close(0));
  process.on('message', (m: unknown) => {
    if ((m as { type?: unknown } | null)?.type === 'stop') void close(0);
  });
  const spec = JSON.parse(process.argv[2] ?? '{}') as EmbeddedFeedSpec;
  try {
    server = await serve(spec);
  } catch (err) {
    send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    process.exit(1);
  }
  send({ type: 'ready', url: server.url, pid: process.pid });
}

void main();
