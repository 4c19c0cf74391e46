/**
 * `trader feed-server --protocol binance`: Binance.US spot market streams (src/feeds/binance.ts)
 * as the docs and the official SDKs (@binance/connector, @binance/spot) expect them.
 *
 * - `/ws/<stream>[/<stream>…]` raw payloads, `/stream?streams=<a>/<b>` combined envelopes
 *   (`streams=` may be empty: @binance/spot connects so and subscribes after).
 * - SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS, SET_PROPERTY / GET_PROPERTY `combined`; the id must
 *   be an unsigned integer (code 2 otherwise), replies `{"result":…,"id":N}`; bad JSON is code 3.
 * - 1024 streams per connection. More than 5 inbound messages in a second, pings and pongs
 *   included, closes the connection (the SDKs answer each ping with two pongs, which fits).
 * - A ping every `pingEveryMs` (3 min on the venue) whose payload the pong must echo; a connection
 *   that has not answered by the next ping is closed. Every connection is cut at `maxConnectionMs`
 *   (24 h on the venue).
 * Data: `@trade` with string price and quantity and `t` the trade id (the server's per-symbol
 * seq), `@bookTicker` without a timestamp, one message per frame as on the venue.
 */
import type { MarketEvent } from '../events.js';
import { fromVenueSymbol, toVenueSymbol } from '../symbols.js';
import type { Protocol } from './encoders.js';

export interface BinanceDrills {
  pingEveryMs?: number | undefined;
  maxConnectionMs?: number | undefined;
}

const MAX_STREAMS = 1024;
const MAX_INBOUND_PER_SECOND = 5;
const PING_EVERY_MS = 3 * 60_000;
const MAX_CONNECTION_MS = 24 * 3_600_000;
const METHODS = ['SUBSCRIBE', 'UNSUBSCRIBE', 'LIST_SUBSCRIPTIONS', 'SET_PROPERTY', 'GET_PROPERTY'];

export function binanceProtocol(drills: BinanceDrills): Protocol {
  return {
    encode: (event) => JSON.stringify(toBinance(event)),
    accept: (conn, req) => {
      const url = new URL(req.url ?? '/', 'ws://emulator');
      let combined = url.pathname.startsWith('/stream');
      const initial = combined ? (url.searchParams.get('streams') ?? '').split('/') : url.pathname.replace(/^\/ws\/?/, '').split('/');
      const streams = new Set<string>();
      const reply = (msg: Record<string, unknown>): void => conn.reply(JSON.stringify(msg));
      const inbound: number[] = [];
      let closed = false;
      const countInbound = (): boolean => {
        const now = Date.now();
        while (inbound.length && now - (inbound[0] ?? 0) >= 1000) inbound.shift();
        inbound.push(now);
        if (inbound.length <= MAX_INBOUND_PER_SECOND) return true;
        closed = true;
        conn.close(1008, 'Too many requests');
        return false;
      };
      const add = (names: string[]): string | undefined => {
        const valid = names.filter(isStream);
        if (valid.length !== names.length) return `Invalid request: invalid stream name ${names.find((n) => !isStream(n)) ?? ''}`;
        if (new Set([...streams, ...valid]).size > MAX_STREAMS) return 'Invalid request: too many streams';
        for (const n of valid) streams.add(n);
        conn.subscribe([...new Set(valid.map(symbolOf))]);
        return undefined;
      };
      const remove = (names: string[]): void => {
        for (const n of names) streams.delete(n);
        const still = new Set([...streams].map(symbolOf));
        conn.unsubscribe([...new Set(names.map(symbolOf))].filter((s) => !still.has(s)));
      };
      const problem = add(initial.filter(Boolean));
      if (problem) {
        conn.send(JSON.stringify({ code: 2, msg: problem }));
        conn.close(1008, 'invalid streams');
      }

      let awaiting: string | undefined;
      let pings = 0;
      const pingTimer = setInterval(() => {
        if (awaiting !== undefined) {
          conn.close(1008, 'pong timeout');
          return;
        }
        awaiting = `${Date.now()}-${(pings += 1)}`;
        conn.ping(awaiting);
      }, drills.pingEveryMs ?? PING_EVERY_MS);
      const ageTimer = setTimeout(() => conn.close(1001, 'connection reached 24 hours'), drills.maxConnectionMs ?? MAX_CONNECTION_MS);

      return {
        onControlFrame: (kind, payload) => {
          if (closed || !countInbound()) return;
          if (kind === 'pong' && awaiting !== undefined && payload.toString() === awaiting) awaiting = undefined;
        },
        onMessage: (data) => {
          if (closed || !countInbound()) return;
          let m: { method?: unknown; params?: unknown; id?: unknown };
          try {
            m = JSON.parse(data.toString()) as typeof m;
          } catch {
            reply({ code: 3, msg: 'Invalid JSON: expected value at line 1 column 1' });
            return;
          }
          if (typeof m.method !== 'string') return reply({ code: 2, msg: 'Invalid request: missing field `method` at line 1 column 1' });
          if (!METHODS.includes(m.method)) return reply({ code: 2, msg: `Invalid request: unknown variant \`${m.method}\`, expected one of \`SUBSCRIBE\`, \`UNSUBSCRIBE\`, \`LIST_SUBSCRIPTIONS\`, \`SET_PROPERTY\`, \`GET_PROPERTY\` at line 1 column 28` });
          if (typeof m.id !== 'number' || !Number.isSafeInteger(m.id) || m.id < 0) return reply({ code: 2, msg: 'Invalid request: request ID must be an unsigned integer' });
          const id = m.id;
          const params = Array.isArray(m.params) ? m.params : [];
          switch (m.method) {
            case 'SUBSCRIBE': {
              const failed = add(params.filter((p): p is string => typeof p === 'string'));
              return reply(failed ? { code: 2, msg: failed, id } : { result: null, id });
            }
            case 'UNSUBSCRIBE':
              remove(params.filter((p): p is string => typeof p === 'string'));
              return reply({ result: null, id });
            case 'LIST_SUBSCRIPTIONS':
              return reply({ result: [...streams], id });
            case 'SET_PROPERTY':
              if (params[0] !== 'combined') return reply({ code: 0, msg: 'Unknown property', id });
              if (typeof params[1] !== 'boolean') return reply({ code: 1, msg: 'Invalid value type: expected Boolean' });
              combined = params[1];
              return reply({ result: null, id });
            default:
              return params[0] === 'combined' ? reply({ result: combined, id }) : reply({ code: 0, msg: 'Unknown property', id });
          }
        },
        frames: (messages) => {
          const out: string[] = [];
          for (const text of messages) {
            const data = JSON.parse(text) as { e?: string; s: string };
            const stream = `${data.s.toLowerCase()}@${data.e === 'trade' ? 'trade' : 'bookTicker'}`;
            if (streams.has(stream)) out.push(combined ? `{"stream":"${stream}","data":${text}}` : text);
          }
          return out;
        },
        rotationNotice: () => undefined,
        slowClient: () => conn.close(1008, 'slow client'),
        onClose: () => {
          closed = true;
          clearInterval(pingTimer);
          clearTimeout(ageTimer);
        },
      };
    },
  };
}

function isStream(name: string): boolean {
  return /^[a-z0-9]+@(trade|bookTicker)$/.test(name);
}

function symbolOf(stream: string): string {
  return fromVenueSymbol('binance', stream.slice(0, stream.indexOf('@')));
}

/** An event in Binance.US field formats: prices and quantities as strings, times in ms. */
function toBinance(event: MarketEvent): Record<string, unknown> {
  const s = toVenueSymbol('binance', event.symbol);
  const T = Math.floor(event.exchTs);
  return event.kind === 'trade'
    ? { e: 'trade', E: T, s, t: event.seq, p: String(event.price), q: String(event.size), b: 0, a: 0, T, m: false, M: true }
    : { u: event.seq, s, b: String(event.bid), B: String(event.bidSize), a: String(event.ask), A: String(event.askSize) };
}
