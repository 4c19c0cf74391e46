/** The native protocol (src/feeds/protocol.ts): our feed-server and the embedded replay feed. */
import { isFiniteNumber, type FrameSink, type VenueAdapter, NOT_JSON, parseJsonFrame } from './adapter.js';
import type { ClientMessage } from './protocol.js';

export const nativeAdapter: VenueAdapter = {
  venue: 'native',
  openMessages: () => [],
  subscribeMessages: (symbols) => [encode({ op: 'subscribe', symbols })],
  unsubscribeMessages: (symbols) => [encode({ op: 'unsubscribe', symbols })],
  parse: parseNativeFrame,
};

const encode = (msg: ClientMessage): string => JSON.stringify(msg);

function parseNativeFrame(frame: string, sink: FrameSink): void {
  const msg = parseJsonFrame(frame, sink);
  if (msg === NOT_JSON) return;
  if (Array.isArray(msg)) {
    for (const item of msg) parseMessage(item, sink);
  } else {
    parseMessage(msg, sink);
  }
}

/** One native message (a trade, a quote, a control message): also how the stream's events are read back (cluster/md-codec.ts). */
export function parseMessage(msg: unknown, sink: FrameSink): void {
  if (msg === null || typeof msg !== 'object') {
    sink.issue({ kind: 'bad_shape', detail: 'message is not an object' });
    return;
  }
  const m = msg as Record<string, unknown>;
  switch (m.type) {
    case 'trade':
    case 'quote': {
      const { sym, seq, ts } = m;
      if (typeof sym !== 'string' || !isFiniteNumber(seq) || !isFiniteNumber(ts)) {
        sink.issue({ kind: 'bad_shape', detail: `${m.type} without sym/seq/ts` });
        return;
      }
      if (m.type === 'trade') {
        const { p, s } = m;
        if (!isFiniteNumber(p) || !isFiniteNumber(s)) {
          sink.issue({ kind: 'bad_shape', detail: `trade ${sym} without numeric p/s` });
        } else if (!(p > 0 && p < 1e9 && s > 0 && s < 1e9) || ts <= 0) {
          sink.issue({ kind: 'bad_value', detail: `trade ${sym} p=${p} s=${s}` });
        } else {
          sink.event({ kind: 'trade', symbol: sym, seq, exchTs: ts, price: p, size: s });
        }
        return;
      }
      const { bp, bs, ap, as } = m;
      if (!isFiniteNumber(bp) || !isFiniteNumber(bs) || !isFiniteNumber(ap) || !isFiniteNumber(as)) {
        sink.issue({ kind: 'bad_shape', detail: `quote ${sym} without numeric bp/bs/ap/as` });
      } else if (!(bp > 0 && ap >= bp && ap < 1e9 && bs >= 0 && as >= 0) || ts <= 0) {
        sink.issue({ kind: 'bad_value', detail: `quote ${sym} bp=${bp} ap=${ap}` });
      } else {
        sink.event({ kind: 'quote', symbol: sym, seq, exchTs: ts, bid: bp, bidSize: bs, ask: ap, askSize: as });
      }
      return;
    }
    case 'subscribed':
      if (Array.isArray(m.symbols)) sink.subscribed?.(m.symbols.filter((s): s is string => typeof s === 'string'));
      return;
    case 'reconnect':
      sink.rotate?.(typeof m.reason === 'string' ? m.reason : 'venue rotation');
      return;
    case 'error': {
      const message = typeof m.message === 'string' ? m.message : 'error frame';
      // The server's answer to a subscription it cannot serve: the runner halts those symbols.
      const unknown = /^unknown symbols? ([A-Z0-9.,-]+)$/.exec(message);
      if (unknown?.[1]) sink.issue({ kind: 'unknown_symbol', detail: message, symbols: unknown[1].split(',') });
      else sink.issue({ kind: 'venue_error', detail: message });
      return;
    }
    case 'hello':
    case 'pong':
    case 'unsubscribed':
      return;
    default:
      sink.issue({ kind: 'bad_shape', detail: `unknown message type ${JSON.stringify(m.type)}`.slice(0, 120) });
  }
}
