/**
 * Polygon (now Massive) stocks stream: https://polygon.io/docs/websocket/quickstart
 *
 *   < [{"ev":"status","status":"connected","message":"Connected Successfully"}]
 *   > {"action":"auth","params":KEY}
 *   < [{"ev":"status","status":"auth_success","message":"authenticated"}]      or auth_failed
 *   > {"action":"subscribe","params":"T.SPY,Q.SPY"}
 *   < [{"ev":"status","status":"success","message":"subscribed to: T.SPY"}]    one per topic
 *   < [{"ev":"T","sym":"SPY","x":4,"i":"12345","z":1,"p":641.2,"s":100,"c":[0,12],"t":1756128600123,"q":3681328}]
 *   < [{"ev":"Q","sym":"SPY","bx":4,"bp":641.19,"bs":3,"ax":7,"ap":641.21,"as":2,"c":0,"i":[604],"t":…,"q":…,"z":1}]
 *   < [{"ev":"status","status":"max_connections","message":"Maximum number of websocket connections exceeded. …"}]
 *
 * `t` is Unix ms. Quote sizes are round lots (2 = 200 shares) and become shares here.
 *
 * Sequence: Polygon documents `q` as "increasing and unique per ticker symbol, but will not always
 * be sequential (e.g. 1, 2, 6, 9, 10, 11)", and quote `q` resets each session. A jump in `q` is
 * therefore not a loss, so events carry seq 0 into the pipeline (no gap counting by sequence);
 * `q` is used here for what it can prove: per symbol and event kind, a `q` at or below the last
 * one seen is a duplicate or out of order and is dropped as a `bad_value` issue. A `q` more than
 * QUOTE_RESET_WINDOW below the last is a new session's numbering and starts over.
 */
import { isFiniteNumber, type FrameSink, type VenueAdapter, NOT_JSON, parseJsonFrame } from './adapter.js';
import { fromVenueSymbol, toVenueSymbol } from './symbols.js';

const FATAL_STATUSES: ReadonlySet<string> = new Set(['auth_failed', 'max_connections']);
const ROUND_LOT = 100;
const QUOTE_RESET_WINDOW = 1_000_000;

export function polygonAdapter(apiKey: string): VenueAdapter {
  const topics = (symbols: string[]): string => symbols.flatMap((s) => [`T.${toVenueSymbol('polygon', s)}`, `Q.${toVenueSymbol('polygon', s)}`]).join(',');
  const lastQ = new Map<string, number>();
  return {
    venue: 'polygon',
    authenticates: true,
    openMessages: () => [JSON.stringify({ action: 'auth', params: apiKey })],
    subscribeMessages: (symbols) => [JSON.stringify({ action: 'subscribe', params: topics(symbols) })],
    unsubscribeMessages: (symbols) => [JSON.stringify({ action: 'unsubscribe', params: topics(symbols) })],
    parse: (frame, sink) => parsePolygonFrame(frame, sink, lastQ),
  };
}

/** `lastQ` (per symbol and kind) is the adapter's memory for duplicate detection; a capture replay starts afresh. */
function parsePolygonFrame(frame: string, sink: FrameSink, lastQ: Map<string, number> = new Map()): void {
  const msg = parseJsonFrame(frame, sink);
  if (msg === NOT_JSON) return;
  for (const item of Array.isArray(msg) ? msg : [msg]) parseMessage(item, sink, lastQ);
}

function parseMessage(msg: unknown, sink: FrameSink, lastQ: Map<string, number>): void {
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) {
    sink.issue({ kind: 'bad_shape', detail: 'message is not an object' });
    return;
  }
  const m = msg as Record<string, unknown>;
  switch (m.ev) {
    case 'T':
    case 'Q': {
      const symbol = typeof m.sym === 'string' ? fromVenueSymbol('polygon', m.sym) : undefined;
      const { t, q } = m;
      if (symbol === undefined || !isFiniteNumber(t)) {
        sink.issue({ kind: 'bad_shape', detail: `${m.ev} without sym or numeric t` });
        return;
      }
      if (isFiniteNumber(q)) {
        const key = `${m.ev}${symbol}`;
        const last = lastQ.get(key);
        if (last !== undefined && q <= last && last - q < QUOTE_RESET_WINDOW) {
          sink.issue({ kind: 'bad_value', detail: `${m.ev} ${symbol} q=${q} after q=${last}: duplicate or out of order` });
          return;
        }
        lastQ.set(key, q);
      }
      if (m.ev === 'T') {
        const { p, s } = m;
        if (!isFiniteNumber(p) || !isFiniteNumber(s)) sink.issue({ kind: 'bad_shape', detail: `trade ${symbol} without numeric p/s` });
        else if (!(p > 0 && p < 1e9 && s > 0 && s < 1e9) || t <= 0) sink.issue({ kind: 'bad_value', detail: `trade ${symbol} p=${p} s=${s}` });
        else sink.event({ kind: 'trade', symbol, seq: 0, exchTs: t, price: p, size: s });
        return;
      }
      const { bp, bs, ap, as } = m;
      if (!isFiniteNumber(bp) || !isFiniteNumber(bs) || !isFiniteNumber(ap) || !isFiniteNumber(as)) sink.issue({ kind: 'bad_shape', detail: `quote ${symbol} without numeric bp/bs/ap/as` });
      else if (!(bp > 0 && ap >= bp && ap < 1e9 && bs >= 0 && as >= 0) || t <= 0) sink.issue({ kind: 'bad_value', detail: `quote ${symbol} bp=${bp} ap=${ap}` });
      else sink.event({ kind: 'quote', symbol, seq: 0, exchTs: t, bid: bp, bidSize: bs * ROUND_LOT, ask: ap, askSize: as * ROUND_LOT });
      return;
    }
    case 'status': {
      const status = typeof m.status === 'string' ? m.status : '';
      const message = typeof m.message === 'string' ? m.message : '';
      if (status === 'auth_success') sink.authenticated?.();
      else if (FATAL_STATUSES.has(status)) sink.fatal?.(`polygon ${status}: ${message}`.slice(0, 200));
      else if (status !== 'connected' && status !== 'success') sink.issue({ kind: 'venue_error', detail: `polygon ${status}: ${message}`.slice(0, 200) });
      return;
    }
    default:
      // Other event types (aggregates, LULD …) are not subscribed.
      return;
  }
}
