/** The native protocol's control plane (src/feeds/protocol.ts): hello, subscribe, unsubscribe, ping. */
import { NATIVE_PROTOCOL_VERSION, toWire, type ServerControl } from '../protocol.js';
import type { Protocol } from './encoders.js';

export function nativeProtocol(available: () => string[]): Protocol {
  return {
    encode: (event) => JSON.stringify(toWire(event)),
    accept: (conn) => {
      const control = (m: ServerControl): string => JSON.stringify(m);
      // The hello goes out even in a stall: it is the handshake, not an answer.
      conn.send(control({ type: 'hello', protocol: NATIVE_PROTOCOL_VERSION, server: 'trader-feed-server', symbols: available() }));
      return {
        onMessage: (data) => {
          let msg: { op?: unknown; symbols?: unknown; id?: unknown };
          try {
            msg = JSON.parse(data.toString()) as typeof msg;
          } catch {
            conn.reply(control({ type: 'error', message: 'frame is not JSON' }));
            return;
          }
          const symbols = Array.isArray(msg.symbols) ? msg.symbols.filter((s): s is string => typeof s === 'string') : [];
          switch (msg.op) {
            case 'subscribe': {
              const { unknown, broken } = conn.subscribe(symbols);
              if (unknown.length) conn.reply(control({ type: 'error', message: `unknown symbol${unknown.length > 1 ? 's' : ''} ${unknown.join(',')}` }));
              for (const problem of broken) conn.reply(control({ type: 'error', message: `cannot serve ${problem}` }));
              conn.reply(control({ type: 'subscribed', symbols: [...conn.symbols] }));
              return;
            }
            case 'unsubscribe':
              conn.unsubscribe(symbols);
              conn.reply(control({ type: 'unsubscribed', symbols }));
              return;
            case 'ping':
              conn.reply(control({ type: 'pong', id: typeof msg.id === 'number' ? msg.id : 0 }));
              return;
            default:
              conn.reply(control({ type: 'error', message: `unknown op ${JSON.stringify(msg.op)}` }));
          }
        },
        // The native client accepts a JSON array of messages: one frame per tick instead of one per event.
        frames: (messages) => [messages.length === 1 ? (messages[0] ?? '') : `[${messages.join(',')}]`],
        rotationNotice: () => control({ type: 'reconnect', reason: 'rotation' }),
        slowClient: () => conn.close(1013, 'client too slow'),
        onClose: () => undefined,
      };
    },
  };
}
