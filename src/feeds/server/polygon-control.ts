/**
 * `trader feed-server --protocol polygon`: Polygon's stocks stream (src/feeds/polygon.ts) as its
 * documentation and official clients expect it. Any path is served (/stocks). Auth may arrive
 * before `connected` was read (the JS client sends it on open). Topics are split on commas and
 * trimmed, each acknowledged with its own `subscribed to: T.SPY` status. `q` is the server's
 * per-symbol counter, shared by trades and quotes, so each kind sees jumps, as on the venue.
 *
 * Drills: `authFail` answers every auth with auth_failed and closes; `connectionLimit` is
 * Polygon's rule that the newest connection wins: the oldest authenticated one gets
 * `max_connections` and is closed.
 */
import type { MarketEvent } from '../events.js';
import { fromVenueSymbol, toVenueSymbol } from '../symbols.js';
import type { Conn, Protocol } from './encoders.js';

export interface PolygonDrills {
  authFail?: boolean;
  connectionLimit?: number | undefined;
}

const MAX_CONNECTIONS = 'Maximum number of websocket connections exceeded. You have reached the connection limit for your account. Please contact support to increase your limit.';

export function polygonProtocol(drills: PolygonDrills): Protocol {
  /** Authenticated connections, oldest first. */
  const authenticated: Conn[] = [];
  const status = (s: string, message: string): string => JSON.stringify([{ ev: 'status', status: s, message }]);
  return {
    encode: (event) => JSON.stringify(toPolygon(event)),
    accept: (conn) => {
      const trades = new Set<string>();
      const quotes = new Set<string>();
      let authed = false;
      conn.send(status('connected', 'Connected Successfully'));
      return {
        onMessage: (data) => {
          let m: { action?: unknown; params?: unknown };
          try {
            m = JSON.parse(data.toString()) as typeof m;
          } catch {
            conn.reply(status('error', 'invalid json'));
            return;
          }
          const params = typeof m.params === 'string' ? m.params : '';
          switch (m.action) {
            case 'auth': {
              if (authed) return conn.reply(status('error', 'already authenticated'));
              if (!params || drills.authFail) {
                conn.send(status('auth_failed', 'authentication failed'));
                conn.close(1008, 'authentication failed');
                return;
              }
              authed = true;
              authenticated.push(conn);
              if (drills.connectionLimit !== undefined && authenticated.length > drills.connectionLimit) {
                const oldest = authenticated.shift();
                oldest?.send(status('max_connections', MAX_CONNECTIONS));
                oldest?.close(1008, 'max connections');
              }
              conn.reply(status('auth_success', 'authenticated'));
              return;
            }
            case 'subscribe':
            case 'unsubscribe': {
              if (!authed) return conn.reply(status('error', 'not authorized'));
              const topics = params.split(',').map((t) => t.trim()).filter(Boolean);
              const touched: string[] = [];
              for (const topic of topics) {
                const [ev, ticker] = [topic.slice(0, topic.indexOf('.')), topic.slice(topic.indexOf('.') + 1)];
                const set = ev === 'T' ? trades : ev === 'Q' ? quotes : undefined;
                const symbol = fromVenueSymbol('polygon', ticker);
                if (set && ticker) {
                  if (m.action === 'subscribe') set.add(symbol);
                  else set.delete(symbol);
                  touched.push(symbol);
                }
                conn.reply(status('success', `${m.action === 'subscribe' ? 'subscribed' : 'unsubscribed'} to: ${topic}`));
              }
              if (m.action === 'subscribe') conn.subscribe(touched);
              else conn.unsubscribe(touched.filter((s) => !trades.has(s) && !quotes.has(s)));
              return;
            }
            default:
              conn.reply(status('error', 'unknown action'));
          }
        },
        frames: (messages) => {
          const wanted = messages.filter((text) => {
            const m = JSON.parse(text) as { ev: string; sym: string };
            const symbol = fromVenueSymbol('polygon', m.sym);
            return (m.ev === 'T' && trades.has(symbol)) || (m.ev === 'Q' && quotes.has(symbol));
          });
          return wanted.length ? [`[${wanted.join(',')}]`] : [];
        },
        rotationNotice: () => undefined,
        // Polygon has no slow-client message: the venue just closes.
        slowClient: () => conn.close(1008, 'slow client'),
        onClose: () => {
          const i = authenticated.indexOf(conn);
          if (i >= 0) authenticated.splice(i, 1);
        },
      };
    },
  };
}

/** An event in Polygon's field formats: `t` in Unix ms, quote sizes in round lots. */
function toPolygon(event: MarketEvent): Record<string, unknown> {
  const sym = toVenueSymbol('polygon', event.symbol);
  const t = Math.floor(event.exchTs);
  return event.kind === 'trade'
    ? { ev: 'T', sym, x: 4, i: String(event.seq), z: 1, p: event.price, s: event.size, c: [0], t, q: event.seq }
    : { ev: 'Q', sym, bx: 4, bp: event.bid, bs: Math.ceil(event.bidSize / 100), ax: 7, ap: event.ask, as: Math.ceil(event.askSize / 100), c: 0, i: [604], t, q: event.seq, z: 1 };
}
