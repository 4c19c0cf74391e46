/**
 * The native wire protocol spoken by `trader feed-server` and the embedded replay feed.
 * JSON text frames, one message each.
 *
 * client → server
 *   {"op":"subscribe","symbols":["SPY","QQQ"]}
 *   {"op":"unsubscribe","symbols":["QQQ"]}
 *   {"op":"ping","id":7}                       application-level ping (WebSocket pings also work)
 *
 * server → client
 *   {"type":"hello","protocol":1,"server":"trader-feed-server","symbols":["SPY",…]}
 *   {"type":"subscribed","symbols":["SPY","QQQ"]}   the full current subscription after each change
 *   {"type":"unsubscribed","symbols":["QQQ"]}
 *   {"type":"trade","sym":"SPY","seq":12,"ts":1756128600123,"p":641.2,"s":100}
 *   {"type":"quote","sym":"SPY","seq":13,"ts":1756128600124,"bp":641.19,"bs":300,"ap":641.21,"as":200}
 *   {"type":"pong","id":7}
 *   {"type":"error","message":"unknown symbol XYZ"}
 *   {"type":"reconnect","reason":"rotation"}          this connection closes soon: open a new one
 *
 * `ts` is the exchange timestamp in epoch ms (the replay server stamps it at send time), `seq` a
 * per-symbol sequence number starting at 1 for each connection's subscription.
 */
export const NATIVE_PROTOCOL_VERSION = 1;

export type { WireEvent, WireQuote, WireTrade } from '../core/market.js';
export { toWire } from '../core/market.js';

export type ClientMessage =
  | { op: 'subscribe'; symbols: string[] }
  | { op: 'unsubscribe'; symbols: string[] }
  | { op: 'ping'; id: number };

export type ServerControl =
  | { type: 'hello'; protocol: number; server: string; symbols: string[] }
  | { type: 'subscribed'; symbols: string[] }
  | { type: 'unsubscribed'; symbols: string[] }
  | { type: 'pong'; id: number }
  | { type: 'error'; message: string }
  | { type: 'reconnect'; reason: string };
