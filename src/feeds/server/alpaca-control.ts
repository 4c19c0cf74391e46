/**
 * `trader feed-server --protocol alpaca`: Alpaca's market data stream v2 as its documentation and
 * its official SDK (4.x) expect it (see src/feeds/alpaca.ts for the messages). Any path is served
 * (/v2/iex, /v2/sip, /v2/test …). `Content-Type: application/msgpack` on the upgrade request
 * switches the connection to binary msgpack both ways, timestamps as the msgpack timestamp
 * extension with nanoseconds. Auth may arrive before the `connected` frame was read (the SDK sends
 * it on open). Each connection has its own trades and quotes sets; every subscribe or unsubscribe
 * is answered with the whole current set.
 *
 * Drills: `authFail` rejects every auth with 402 and closes; `connectionLimit` answers an auth
 * past that many authenticated connections with 406 and closes; the slow-client drill sends 407
 * and closes.
 */
import { decode, encode, encodeTimeSpecToTimestamp, EXT_TIMESTAMP, ExtensionCodec } from '@msgpack/msgpack';
import type { MarketEvent } from '../events.js';
import { fromVenueSymbol, toVenueSymbol } from '../symbols.js';
import type { Protocol } from './encoders.js';

export interface AlpacaDrills {
  authFail?: boolean;
  connectionLimit?: number | undefined;
}

/** Alpaca: "You only have a few seconds to authenticate" — 10 s per the Authentication section. */
const AUTH_TIMEOUT_MS = 10_000;

interface AlpacaData {
  T: string;
  S: string;
  t: string;
  [key: string]: unknown;
}

/** A timestamp in Alpaca's msgpack form: encoded as extension −1 with nanoseconds. */
class TimeSpec {
  constructor(
    readonly sec: number,
    readonly nsec: number,
  ) {}
}

const timestampCodec = new ExtensionCodec();
timestampCodec.register({
  type: EXT_TIMESTAMP,
  encode: (value) => (value instanceof TimeSpec ? encodeTimeSpecToTimestamp({ sec: value.sec, nsec: value.nsec }) : null),
  decode: () => null,
});

export function alpacaProtocol(drills: AlpacaDrills): Protocol {
  let authenticatedConnections = 0;
  return {
    encode: (event) => JSON.stringify(toAlpaca(event)),
    accept: (conn, req) => {
      const msgpack = /application\/msgpack/i.test(req.headers['content-type'] ?? '');
      const out = (messages: unknown[]): string | Uint8Array => (msgpack ? encode(messages, { extensionCodec: timestampCodec }) : JSON.stringify(messages));
      const error = (code: number, msg: string): string | Uint8Array => out([{ T: 'error', code, msg }]);
      const trades = new Set<string>();
      const quotes = new Set<string>();
      let authenticated = false;
      let closed = false;
      const closeWith = (code: number, msg: string): void => {
        conn.send(error(code, msg));
        conn.close(1008, msg);
      };
      conn.send(out([{ T: 'success', msg: 'connected' }]));
      const authTimer = setTimeout(() => {
        if (!authenticated && !closed) closeWith(404, 'auth timeout');
      }, AUTH_TIMEOUT_MS);
      authTimer.unref();
      const subscription = (): string | Uint8Array => out([{ T: 'subscription', trades: [...trades], quotes: [...quotes], bars: [], updatedBars: [], dailyBars: [], statuses: [], lulds: [], corrections: [], cancelErrors: [] }]);

      return {
        onMessage: (data, isBinary) => {
          let msg: unknown;
          try {
            msg = isBinary ? decode(data) : JSON.parse(data.toString());
          } catch {
            conn.reply(error(400, 'invalid syntax'));
            return;
          }
          if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) {
            conn.reply(error(400, 'invalid syntax'));
            return;
          }
          const m = msg as Record<string, unknown>;
          const list = (v: unknown): string[] | undefined => (v === undefined ? [] : Array.isArray(v) && v.every((s) => typeof s === 'string') ? (v as string[]) : undefined);
          switch (m.action) {
            case 'auth': {
              if (authenticated) return conn.reply(error(403, 'already authenticated'));
              if (typeof m.key !== 'string' || typeof m.secret !== 'string' || !m.key || !m.secret || drills.authFail) return closeWith(402, 'auth failed');
              if (drills.connectionLimit !== undefined && authenticatedConnections >= drills.connectionLimit) return closeWith(406, 'connection limit exceeded');
              authenticated = true;
              authenticatedConnections += 1;
              clearTimeout(authTimer);
              conn.reply(out([{ T: 'success', msg: 'authenticated' }]));
              return;
            }
            case 'subscribe':
            case 'unsubscribe': {
              if (!authenticated) return conn.reply(error(401, 'not authenticated'));
              const t = list(m.trades);
              const q = list(m.quotes);
              if (!t || !q) return conn.reply(error(400, 'invalid syntax'));
              const ours = (symbols: string[]): string[] => symbols.map((s) => fromVenueSymbol('alpaca', s));
              if (m.action === 'subscribe') {
                for (const s of ours(t)) trades.add(s);
                for (const s of ours(q)) quotes.add(s);
                // Unknown symbols are subscribed all the same and simply never send data, as on the venue.
                conn.subscribe(ours([...t, ...q]));
              } else {
                for (const s of ours(t)) trades.delete(s);
                for (const s of ours(q)) quotes.delete(s);
                conn.unsubscribe(ours([...t, ...q]).filter((s) => !trades.has(s) && !quotes.has(s)));
              }
              conn.reply(subscription());
              return;
            }
            default:
              conn.reply(error(400, 'invalid syntax'));
          }
        },
        frames: (messages) => {
          const wanted: AlpacaData[] = [];
          for (const text of messages) {
            let m: AlpacaData;
            try {
              m = JSON.parse(text) as AlpacaData;
            } catch {
              continue;
            }
            const symbol = fromVenueSymbol('alpaca', m.S);
            if ((m.T === 't' && trades.has(symbol)) || (m.T === 'q' && quotes.has(symbol))) wanted.push(m);
          }
          if (wanted.length === 0) return [];
          return [msgpack ? out(wanted.map((m) => ({ ...m, t: toTimeSpec(m.t) }))) : `[${wanted.map((m) => JSON.stringify(m)).join(',')}]`];
        },
        // Alpaca announces no rotation: the connection just closes.
        rotationNotice: () => undefined,
        slowClient: () => closeWith(407, 'slow client'),
        onClose: () => {
          closed = true;
          clearTimeout(authTimer);
          if (authenticated) authenticatedConnections -= 1;
        },
      };
    },
  };
}

/** An event in Alpaca's field formats: RFC-3339 with 9 fractional digits, sizes as integers. */
function toAlpaca(event: MarketEvent): AlpacaData {
  const S = toVenueSymbol('alpaca', event.symbol);
  const t = rfc3339(event.exchTs);
  return event.kind === 'trade'
    ? { T: 't', S, i: event.seq, x: 'V', p: event.price, s: event.size, t, c: ['@'], z: 'B' }
    : { T: 'q', S, bx: 'V', bp: event.bid, bs: event.bidSize, ax: 'V', ap: event.ask, as: event.askSize, t, c: ['R'], z: 'B' };
}

function rfc3339(ms: number): string {
  const whole = Math.floor(ms);
  const nanos = Math.round((ms - whole) * 1e6) + (whole % 1000) * 1e6;
  return `${new Date(whole).toISOString().slice(0, 19)}.${String(nanos).padStart(9, '0')}Z`;
}

function toTimeSpec(text: string): TimeSpec | string {
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/.exec(text);
  if (!m?.[1]) return text;
  return new TimeSpec(Math.floor(Date.parse(`${m[1]}Z`) / 1000), Number((m[2] ?? '').padEnd(9, '0')));
}

