/**
 * The venue registry: one definition per `--feed` choice — whether it is live, where its endpoint
 * is (per feed or cluster) and which variable overrides it, which environment variables hold its
 * credentials, its adapter, and the `trader feed-server --protocol` that emulates it. run.ts,
 * replay and the feed-server command ask here instead of switching on the venue themselves.
 * replay and synthetic are served by an embedded feed server speaking the native protocol.
 */
import { configError, usageError } from '../errors.js';
import type { Venue } from '../config/schema.js';
import type { FrameSink, VenueAdapter } from './adapter.js';
import { alpacaAdapter, parseAlpacaFrame } from './alpaca.js';
import { binanceAdapter } from './binance.js';
import { nativeAdapter } from './native.js';
import { polygonAdapter } from './polygon.js';

/** What a venue's endpoint and adapter are chosen from. */
export interface VenueSelection {
  /** --feed-url, or the config's feeds.<role>.url. */
  url?: string | undefined;
  feed?: string | undefined;
  format?: 'json' | 'msgpack' | undefined;
  /** Where the selection came from, for error lines (e.g. "feeds.primary in config/x.yaml"). */
  where: string;
}

interface VenueDefinition {
  id: Venue;
  live: boolean;
  /** Endpoint per feed/cluster; the first is the default. Empty for venues that need --feed-url. */
  defaultUrls: Readonly<Record<string, string>>;
  /** The variable whose value replaces the whole endpoint (drills, tests, emulators). */
  urlEnv?: string;
  /** Environment variables holding the credentials, in the adapter's order. Never config, never flags. */
  credentials: readonly string[];
  /** A fresh frame parser (its own memory), without credentials, for a capture of `symbols`: for replay. */
  parser(symbols: string[]): (frame: string, sink: FrameSink) => void;
  adapter(credentials: string[], selection: VenueSelection): VenueAdapter;
  /** `trader feed-server --protocol` that speaks this venue's protocol. */
  emulator: 'native' | 'alpaca' | 'polygon' | 'binance';
  /** The exchange calendar its data follows: US equities keep NYSE hours, crypto trades around the clock. */
  calendar: 'nyse' | 'always';
}

const REGISTRY: Readonly<Record<Venue, VenueDefinition>> = {
  replay: { id: 'replay', live: false, defaultUrls: {}, credentials: [], parser: () => nativeAdapter.parse, adapter: () => nativeAdapter, emulator: 'native', calendar: 'always' },
  synthetic: { id: 'synthetic', live: false, defaultUrls: {}, credentials: [], parser: () => nativeAdapter.parse, adapter: () => nativeAdapter, emulator: 'native', calendar: 'always' },
  native: { id: 'native', live: false, defaultUrls: {}, credentials: [], parser: () => nativeAdapter.parse, adapter: () => nativeAdapter, emulator: 'native', calendar: 'always' },
  alpaca: {
    id: 'alpaca',
    live: true,
    defaultUrls: {
      iex: 'wss://stream.data.alpaca.markets/v2/iex',
      sip: 'wss://stream.data.alpaca.markets/v2/sip',
      delayed_sip: 'wss://stream.data.alpaca.markets/v2/delayed_sip',
      test: 'wss://stream.data.alpaca.markets/v2/test',
    },
    urlEnv: 'TRADER_ALPACA_URL',
    credentials: ['APCA_API_KEY_ID', 'APCA_API_SECRET_KEY'],
    parser: () => parseAlpacaFrame,
    adapter: ([keyId = '', secret = ''], selection) => alpacaAdapter({ keyId, secret }, selection.format ?? 'json'),
    emulator: 'alpaca',
    calendar: 'nyse',
  },
  polygon: {
    id: 'polygon',
    live: true,
    defaultUrls: { realtime: 'wss://socket.polygon.io/stocks', delayed: 'wss://delayed.polygon.io/stocks' },
    urlEnv: 'TRADER_POLYGON_URL',
    credentials: ['POLYGON_API_KEY'],
    parser: () => polygonAdapter('').parse,
    adapter: ([key = '']) => polygonAdapter(key),
    emulator: 'polygon',
    calendar: 'nyse',
  },
  binance: {
    id: 'binance',
    live: true,
    defaultUrls: { spot: 'wss://stream.binance.us:9443' },
    urlEnv: 'TRADER_BINANCE_URL',
    credentials: [],
    parser: (symbols) => binanceAdapter({ symbols }).parse,
    adapter: () => binanceAdapter(),
    emulator: 'binance',
    calendar: 'always',
  },
};

export const LIVE_VENUES: ReadonlySet<Venue> = new Set(Object.values(REGISTRY).filter((d) => d.live).map((d) => d.id));

/** The frame parser of a venue, for replaying a capture recorded from it. */
export function parserFor(venue: Venue, symbols: string[]): (frame: string, sink: FrameSink) => void {
  return REGISTRY[venue].parser(symbols);
}

/**
 * The endpoint and adapter of a venue. The URL override variable wins over --feed-url and the
 * config (it is how a drill points a live config at an emulator); otherwise the explicit URL, then
 * the default for the chosen feed. Credentials are read from `env` only; a missing one is a usage
 * error naming the variable, and its value never appears in any message.
 */
export function resolveVenue(venue: Venue, selection: VenueSelection, env: NodeJS.ProcessEnv): { url: string; adapter: VenueAdapter } {
  const def = REGISTRY[venue];
  const feeds = Object.keys(def.defaultUrls);
  if (selection.feed !== undefined && !feeds.includes(selection.feed)) {
    throw configError(`${selection.where}: ${venue} has no feed "${selection.feed}"${feeds.length ? ` (expected one of ${feeds.join(', ')})` : ''}`);
  }
  if (selection.format === 'msgpack' && venue !== 'alpaca') throw configError(`${selection.where}: format msgpack is Alpaca's only`);
  const override = def.urlEnv ? env[def.urlEnv] : undefined;
  if (override !== undefined && !/^wss?:\/\/[^\s]+$/.test(override)) throw usageError(`${def.urlEnv}: expected a ws:// or wss:// URL`);
  const url = override || selection.url || (def.defaultUrls[selection.feed ?? feeds[0] ?? ''] ?? undefined);
  if (!url) throw usageError(`--feed ${venue} needs --feed-url ws://host:port (or the feed's url in the config)`);
  const credentials = def.credentials.map((name) => {
    const value = env[name];
    if (!value) throw usageError(`--feed ${venue} needs its credentials in the environment: ${def.credentials.join(' and ')} (${name} is not set)`);
    return value;
  });
  return { url, adapter: def.adapter(credentials, selection) };
}

/** Every venue credential present in the environment: masked in every output of a run. */
export function credentialValues(env: NodeJS.ProcessEnv): string[] {
  const values: string[] = [];
  for (const def of Object.values(REGISTRY)) for (const name of def.credentials) if (env[name]) values.push(env[name]);
  return values;
}

/** Whether a venue's data follows the NYSE calendar (a closed market means no live data to validate on). */
export function followsNyseCalendar(venue: Venue): boolean {
  return REGISTRY[venue].calendar === 'nyse';
}
