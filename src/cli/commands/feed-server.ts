/**
 * `trader feed-server`: the replay (or synthetic) feed as a standalone server for drills, with
 * fault injection from flags or a YAML scenario file. Runs until SIGINT/SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { inputError, usageError } from '../../errors.js';
import type { ProtocolOptions, ServerProtocol } from '../../feeds/server/encoders.js';
import { startFeedServer } from '../../feeds/server/feed-server.js';
import { faultsSchema, type Faults } from '../../feeds/server/faults.js';
import { FixtureSource, SyntheticSource, type Source } from '../../feeds/server/sources.js';
import { SESSION } from '../../fixtures/generator.js';
import { ensureFixtures } from '../../fixtures/store.js';
import { isLoopback } from '../../util/loopback.js';

export interface FeedServerCommandOptions {
  port: number;
  host: string;
  speed: number;
  loop: boolean;
  fixtures: string;
  symbols?: string[];
  synthetic?: { rate: number; seed: number };
  protocol: ServerProtocol;
  drills?: ProtocolOptions['drills'];
  /** A YAML file of faults (see src/feeds/server/faults.ts); flags override its keys. */
  scenario?: string;
  faults: Partial<Faults>;
}

export async function feedServer(opts: FeedServerCommandOptions): Promise<number> {
  if (opts.drills && opts.protocol === 'native') throw usageError('--auth-fail, --connection-limit, --ping-every and --max-connection-age are venue drills: add --protocol alpaca, polygon or binance');
  const faults = loadFaults(opts.scenario, opts.faults);
  let source: Source;
  if (opts.synthetic) {
    source = new SyntheticSource(opts.synthetic.rate, opts.synthetic.seed, opts.symbols);
  } else {
    ensureFixtures(opts.fixtures);
    const fixtures = new FixtureSource(opts.fixtures, opts.speed, opts.loop, SESSION);
    const unknown = (opts.symbols ?? []).filter((s) => !fixtures.has(s));
    if (unknown.length) throw inputError(`--symbols: no fixtures for ${unknown.join(',')} in ${opts.fixtures} (have ${fixtures.available().join(',')})`);
    source = opts.symbols ? restrict(fixtures, opts.symbols) : fixtures;
    // Loaded now, not at the first subscription: a damaged file stops the command before it listens.
    for (const symbol of source.available()) source.open(symbol);
  }
  if (!isLoopback(opts.host)) {
    process.stderr.write(`trader: warning: --host ${opts.host} is not loopback: anyone who can reach this machine can connect to the feed and drive a runner's decisions; use 127.0.0.1 unless the drill needs another host\n`);
  }
  let server: Awaited<ReturnType<typeof startFeedServer>>;
  try {
    server = await startFeedServer({ host: opts.host, port: opts.port, source, protocol: opts.protocol, ...(opts.drills ? { drills: opts.drills } : {}), faults });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw usageError(`--port ${opts.port}: already in use on ${opts.host}; choose another port (0 = any free port)`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EACCES') throw usageError(`--host ${opts.host} --port ${opts.port}: cannot listen there (${code})`);
    throw err;
  }
  const what = opts.synthetic ? `synthetic ${opts.synthetic.rate}/s seed ${opts.synthetic.seed}` : `fixtures, speed ${opts.speed}x${opts.loop ? ', looping' : ''}`;
  const active = Object.entries(faults).filter(([k, v]) => k !== 'seed' && v !== undefined && v !== 0 && !(typeof v === 'object' && Object.keys(v).length === 0));
  process.stdout.write(`feed-server listening on ${server.url} (${what}, symbols ${source.available().join(',') || 'any'}, protocol ${opts.protocol}${opts.drills?.authFail ? ', auth-fail' : ''}${opts.drills?.connectionLimit !== undefined ? `, connection limit ${opts.drills.connectionLimit}` : ''}${active.length ? `, faults ${active.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}` : ''})\n`);
  await new Promise<void>((resolve) => {
    // Either signal ends the wait; the other's handler goes too, so nothing outlives the server.
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  const stats = server.stats();
  await server.close();
  process.stdout.write(`feed-server stopped: ${stats.connections} connections, ${stats.eventsSent} events in ${stats.framesSent} frames, ${stats.malformedSent} malformed, ${stats.drops} drops\n`);
  return 0;
}

function loadFaults(scenario: string | undefined, overrides: Partial<Faults>): Faults {
  let fromFile: unknown = {};
  if (scenario) {
    try {
      fromFile = parseYaml(readFileSync(scenario, 'utf8')) ?? {};
    } catch (err) {
      throw inputError(`${scenario}: cannot read scenario: ${(err as Error).message.split('\n')[0]}`);
    }
    if (typeof fromFile !== 'object' || Array.isArray(fromFile)) throw inputError(`${scenario}: expected a mapping of faults`);
  }
  const merged = { ...(fromFile as Record<string, unknown>), ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) };
  const result = faultsSchema.safeParse(merged);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.join('.') ?? '';
    const msg = issue?.code === 'unrecognized_keys' ? `unknown key ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}` : (issue?.message ?? 'invalid');
    throw inputError(`${scenario ?? 'faults'}: ${where ? `${where}: ` : ''}${msg}`);
  }
  return result.data;
}

/** Serves only the listed fixture symbols. */
function restrict(source: FixtureSource, symbols: string[]): Source {
  return {
    kind: source.kind,
    has: (s) => symbols.includes(s),
    available: () => symbols,
    open: (symbol) => source.open(symbol),
    pull: (symbol, origin, now, out) => source.pull(symbol, origin, now, out),
  };
}
