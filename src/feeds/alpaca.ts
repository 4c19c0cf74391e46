/**
 * Alpaca market data stream v2 (stocks): https://docs.alpaca.markets/docs/streaming-market-data
 *
 *   < [{"T":"success","msg":"connected"}]
 *   > {"action":"auth","key":KEY,"secret":SECRET}
 *   < [{"T":"success","msg":"authenticated"}]
 *   > {"action":"subscribe","trades":["SPY"],"quotes":["SPY"]}
 *   < [{"T":"subscription","trades":["SPY"],"quotes":["SPY"],…}]      the whole current set
 *   < [{"T":"t","S":"SPY","i":1,"x":"V","p":641.2,"s":100,"t":"2025-08-25T13:30:00.123456789Z","c":["@"],"z":"B"}, …]
 *   < [{"T":"q","S":"SPY","bx":"V","bp":641.19,"bs":3,"ax":"V","ap":641.21,"as":2,"t":"…","c":["R"],"z":"B"}]
 *   < [{"T":"error","code":402,"msg":"auth failed"}]
 *
 * With `Content-Type: application/msgpack` on the upgrade request the same messages travel as
 * binary msgpack both ways, `t` as the msgpack timestamp extension (−1) with nanoseconds.
 *
 * Alpaca has no sequence numbers: events carry seq 0, which the pipeline judges by time alone
 * (no gap or duplicate detection by sequence; see README "Venues").
 */
import { decode, decodeTimestampToTimeSpec, encode, EXT_TIMESTAMP, ExtensionCodec } from '@msgpack/msgpack';
import { isFiniteNumber, type FrameSink, type OutFrame, type VenueAdapter, NOT_JSON, parseJsonFrame } from './adapter.js';
import { fromVenueSymbol, toVenueSymbol } from './symbols.js';

interface AlpacaCredentials {
  keyId: string;
  secret: string;
}

/**
 * Codes after which reconnecting cannot help: the credentials (401–404), the account's
 * connection limit (406), a feed or action the plan lacks (409–411, as Alpaca's Go SDK treats them).
 */
const FATAL_CODES: ReadonlyMap<number, string> = new Map([
  [401, 'not authenticated'],
  [402, 'auth failed'],
  [403, 'already authenticated'],
  [404, 'auth timeout'],
  [406, 'connection limit exceeded'],
  [409, 'insufficient subscription'],
  [410, 'invalid subscribe action for this feed'],
  [411, 'insufficient scope'],
]);
/** The venue drops (407) or failed (500) this connection: reconnect. */
const RECONNECT_CODES: ReadonlySet<number> = new Set([407, 500]);

export function alpacaAdapter(credentials: AlpacaCredentials, format: 'json' | 'msgpack' = 'json'): VenueAdapter {
  const msgpack = format === 'msgpack';
  const out = (msg: Record<string, unknown>): OutFrame => (msgpack ? encode(msg) : JSON.stringify(msg));
  const channels = (action: 'subscribe' | 'unsubscribe', symbols: string[]): OutFrame[] => {
    const venueSymbols = symbols.map((s) => toVenueSymbol('alpaca', s));
    return [out({ action, trades: venueSymbols, quotes: venueSymbols })];
  };
  return {
    venue: 'alpaca',
    authenticates: true,
    ...(msgpack ? { headers: { 'Content-Type': 'application/msgpack' }, decodeBinary: msgpackToJson } : {}),
    openMessages: () => [out({ action: 'auth', key: credentials.keyId, secret: credentials.secret })],
    subscribeMessages: (symbols) => channels('subscribe', symbols),
    unsubscribeMessages: (symbols) => channels('unsubscribe', symbols),
    parse: parseAlpacaFrame,
  };
}

export function parseAlpacaFrame(frame: string, sink: FrameSink): void {
  const msg = parseJsonFrame(frame, sink);
  if (msg === NOT_JSON) return;
  // Alpaca always sends arrays; a bare object is tolerated (the docs print single examples bare).
  for (const item of Array.isArray(msg) ? msg : [msg]) parseMessage(item, sink);
}

function parseMessage(msg: unknown, sink: FrameSink): void {
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) {
    sink.issue({ kind: 'bad_shape', detail: 'message is not an object' });
    return;
  }
  const m = msg as Record<string, unknown>;
  switch (m.T) {
    case 't': {
      const symbol = typeof m.S === 'string' ? fromVenueSymbol('alpaca', m.S) : undefined;
      const exchTs = typeof m.t === 'string' ? parseRfc3339Ms(m.t) : undefined;
      const { p, s } = m;
      if (symbol === undefined || exchTs === undefined || !isFiniteNumber(p) || !isFiniteNumber(s)) {
        sink.issue({ kind: 'bad_shape', detail: 'trade without S, RFC-3339 t, numeric p/s' });
      } else if (!(p > 0 && p < 1e9 && s > 0 && s < 1e9) || exchTs <= 0) {
        sink.issue({ kind: 'bad_value', detail: `trade ${symbol} p=${p} s=${s}` });
      } else {
        sink.event({ kind: 'trade', symbol, seq: 0, exchTs, price: p, size: s });
      }
      return;
    }
    case 'q': {
      const symbol = typeof m.S === 'string' ? fromVenueSymbol('alpaca', m.S) : undefined;
      const exchTs = typeof m.t === 'string' ? parseRfc3339Ms(m.t) : undefined;
      const { bp, bs, ap, as } = m;
      if (symbol === undefined || exchTs === undefined || !isFiniteNumber(bp) || !isFiniteNumber(bs) || !isFiniteNumber(ap) || !isFiniteNumber(as)) {
        sink.issue({ kind: 'bad_shape', detail: 'quote without S, RFC-3339 t, numeric bp/bs/ap/as' });
      } else if (!(bp > 0 && ap >= bp && ap < 1e9 && bs >= 0 && as >= 0) || exchTs <= 0) {
        sink.issue({ kind: 'bad_value', detail: `quote ${symbol} bp=${bp} ap=${ap}` });
      } else {
        sink.event({ kind: 'quote', symbol, seq: 0, exchTs, bid: bp, bidSize: bs, ask: ap, askSize: as });
      }
      return;
    }
    case 'success':
      if (m.msg === 'authenticated') sink.authenticated?.();
      return;
    case 'subscription': {
      // The whole current set; keys vary by endpoint and doc version, so absent ones are empty.
      const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);
      sink.subscribed?.([...new Set([...list(m.trades), ...list(m.quotes)])].map((s) => fromVenueSymbol('alpaca', s)));
      return;
    }
    case 'error': {
      const code = isFiniteNumber(m.code) ? m.code : 0;
      const text = typeof m.msg === 'string' ? m.msg : (FATAL_CODES.get(code) ?? 'error');
      const cause = `alpaca error ${code} ${text}`;
      if (FATAL_CODES.has(code)) sink.fatal?.(cause);
      else if (RECONNECT_CODES.has(code)) {
        sink.issue({ kind: 'venue_error', detail: cause });
        sink.reconnect?.(cause);
      } else sink.issue({ kind: 'venue_error', detail: cause });
      return;
    }
    default:
      // Bars, statuses, corrections … are not subscribed; anything else is not ours to judge.
      return;
  }
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Epoch ms of an RFC-3339 timestamp with 0–9 fractional digits (Date.parse is not specified past
 * milliseconds). Sub-millisecond digits are truncated: the trace and the pipeline work in ms.
 */
export function parseRfc3339Ms(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac = '', zone = 'Z'] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) + Number(frac.padEnd(3, '0').slice(0, 3));
  const offsetMin = zone === 'Z' ? 0 : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  const result = ms - offsetMin * 60_000;
  return Number.isFinite(result) ? result : undefined;
}

/** msgpack timestamps become the RFC-3339 text (nanoseconds kept) that JSON mode carries. */
const timestampsAsText = new ExtensionCodec();
timestampsAsText.register({
  type: EXT_TIMESTAMP,
  encode: () => null,
  decode: (data) => {
    const { sec, nsec } = decodeTimestampToTimeSpec(data);
    return `${new Date(sec * 1000).toISOString().slice(0, 19)}.${String(nsec).padStart(9, '0')}Z`;
  },
});

function msgpackToJson(data: Uint8Array): string | undefined {
  try {
    const value = decode(data, { extensionCodec: timestampsAsText, useBigInt64: true });
    // Trade ids may pass 2^53: kept exact as text, the way the SDK's idRaw keeps them.
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()) : v));
  } catch {
    return undefined;
  }
}
