/**
 * Binance.US spot market streams: binance-us/binance-us-api-docs web-socket-streams.md
 *
 *   connect  wss://stream.binance.us:9443/stream?streams=btcusd@trade/btcusd@bookTicker
 *   > {"method":"SUBSCRIBE","params":["ethusd@trade","ethusd@bookTicker"],"id":1}     integer ids
 *   < {"result":null,"id":1}
 *   < {"stream":"btcusd@trade","data":{"e":"trade","E":…,"s":"BTCUSD","t":12345,"p":"0.001","q":"100","T":…,"m":true,"M":true}}
 *   < {"stream":"btcusd@bookTicker","data":{"u":400900217,"s":"BTCUSD","b":"25.35","B":"31.21","a":"25.36","A":"40.66"}}
 *   < {"code":2,"msg":"Invalid request: …","id":7}
 *
 * The base URL's origin gets the combined-stream path with the current symbols at every
 * connection, so a reconnect carries the whole set without a SUBSCRIBE. Binance counts every
 * inbound message, pings and pongs included, against 5 a second: the client keeps its own
 * messages at 3 a second, leaving room for the pongs `ws` sends. Connections are cut at 24 h: the
 * client rotates make-before-break at 23 h 50 min.
 *
 * Sequence: a trade's `t` (trade id, per symbol) is its seq, so duplicates, reordering and gaps in
 * trades are judged by the pipeline. bookTicker has no timestamp and its `u` (order-book update
 * id) is not contiguous: quotes carry seq 0 and are stamped with their receipt time, so their lag is
 * zero by construction and Binance's lag is measured on trades (`T`).
 */
import { isFiniteNumber, type FrameSink, type VenueAdapter, NOT_JSON, parseJsonFrame } from './adapter.js';
import { SymbolMap } from './symbols.js';

/** Binance.US allows 1024 streams per connection; two per symbol. */
const MAX_STREAMS = 1024;
const DEFAULT_ROTATE_AFTER_MS = (23 * 60 + 50) * 60_000;

interface BinanceOptions {
  /** Connection age at which the client rotates (tests shorten it). */
  rotateAfterMs?: number;
  /** Our symbols the frames will name (a replayed capture's): mapped back exactly, as when subscribed. */
  symbols?: string[];
}

function binanceStreams(symbols: string[], map = new SymbolMap('binance')): string[] {
  return symbols.flatMap((s) => {
    const v = map.toVenue(s).toLowerCase();
    return [`${v}@trade`, `${v}@bookTicker`];
  });
}

export function binanceAdapter(options: BinanceOptions = {}): VenueAdapter {
  let nextId = 1;
  const map = new SymbolMap('binance');
  for (const s of options.symbols ?? []) map.toVenue(s);
  const request = (method: 'SUBSCRIBE' | 'UNSUBSCRIBE', symbols: string[]): string[] => {
    const params = binanceStreams(symbols, map);
    const frames: string[] = [];
    // One request carries many streams; bounded so no single frame is huge.
    for (let i = 0; i < params.length; i += 200) frames.push(JSON.stringify({ method, params: params.slice(i, i + 200), id: nextId++ }));
    return frames;
  };
  return {
    venue: 'binance',
    subscribesInUrl: true,
    maxOutboundPerSecond: 3,
    rotateAfterMs: options.rotateAfterMs ?? DEFAULT_ROTATE_AFTER_MS,
    connectUrl: (base, symbols) => `${new URL(base).origin.replace(/^http/, 'ws')}/stream?streams=${binanceStreams(symbols, map).slice(0, MAX_STREAMS).join('/')}`,
    openMessages: () => [],
    subscribeMessages: (symbols) => request('SUBSCRIBE', symbols),
    unsubscribeMessages: (symbols) => request('UNSUBSCRIBE', symbols),
    parse: (frame, sink) => parseBinanceFrame(frame, sink, map),
  };
}

const num = (v: unknown): number => (typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN);

export function parseBinanceFrame(frame: string, sink: FrameSink, map = new SymbolMap('binance')): void {
  const msg = parseJsonFrame(frame, sink);
  if (msg === NOT_JSON) return;
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) {
    sink.issue({ kind: 'bad_shape', detail: 'message is not an object' });
    return;
  }
  const m = msg as Record<string, unknown>;
  if ('result' in m && 'id' in m) return; // an ack of our SUBSCRIBE/UNSUBSCRIBE
  if (isFiniteNumber(m.code) && typeof m.msg === 'string') {
    sink.issue({ kind: 'venue_error', detail: `binance error ${m.code} ${m.msg}${m.id !== undefined ? ` (request ${String(m.id)})` : ''}`.slice(0, 200) });
    return;
  }
  // Combined envelope, or a raw payload (a /ws connection).
  const data = typeof m.stream === 'string' && m.data !== null && typeof m.data === 'object' ? (m.data as Record<string, unknown>) : m;
  const symbol = typeof data.s === 'string' ? map.fromVenue(data.s) : undefined;
  if (data.e === 'trade') {
    const p = num(data.p);
    const q = num(data.q);
    const { t, T } = data;
    if (symbol === undefined || !isFiniteNumber(t) || !isFiniteNumber(T) || !Number.isFinite(p) || !Number.isFinite(q)) sink.issue({ kind: 'bad_shape', detail: 'trade without s, t, T, string p/q' });
    else if (!(p > 0 && p < 1e9 && q > 0 && q < 1e9) || T <= 0) sink.issue({ kind: 'bad_value', detail: `trade ${symbol} p=${p} q=${q}` });
    else sink.event({ kind: 'trade', symbol, seq: t, exchTs: T, price: p, size: q });
    return;
  }
  if ('u' in data && 'b' in data && 'a' in data) {
    const [b, B, a, A] = [num(data.b), num(data.B), num(data.a), num(data.A)];
    const recvMs = sink.receivedMs?.() ?? 0;
    if (symbol === undefined || ![b, B, a, A].every(Number.isFinite)) sink.issue({ kind: 'bad_shape', detail: 'bookTicker without s, string b/B/a/A' });
    else if (!(b > 0 && a >= b && a < 1e9 && B >= 0 && A >= 0) || recvMs <= 0) sink.issue({ kind: 'bad_value', detail: `bookTicker ${symbol} b=${b} a=${a}` });
    else sink.event({ kind: 'quote', symbol, seq: 0, exchTs: recvMs, bid: b, bidSize: B, ask: a, askSize: A });
    return;
  }
  sink.issue({ kind: 'bad_shape', detail: `unknown message ${frame.slice(0, 80)}` });
}
