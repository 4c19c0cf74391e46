/**
 * The protocols the feed server speaks. The pacing loop and the fault hooks only ever call
 * `encode` (one event as one message) and a connection's `frame` (a batch of messages as one
 * frame); the handshake and control messages of each venue live in its control plane
 * (native-control.ts, alpaca-control.ts), so a venue is one more entry here, not a change to the
 * send path.
 */
import type { IncomingMessage } from 'node:http';
import type { MarketEvent } from '../events.js';
import { alpacaProtocol, type AlpacaDrills } from './alpaca-control.js';
import { nativeProtocol } from './native-control.js';
import { binanceProtocol, type BinanceDrills } from './binance-control.js';
import { polygonProtocol, type PolygonDrills } from './polygon-control.js';

export const SERVER_PROTOCOLS = ['native', 'alpaca', 'polygon', 'binance'] as const;
export type ServerProtocol = (typeof SERVER_PROTOCOLS)[number];

/** What a control plane may do to its connection and the server's data timeline. */
export interface Conn {
  /** Adds symbols to this connection's data; says which the source does not have or cannot serve. */
  subscribe(symbols: string[]): { unknown: string[]; broken: string[] };
  unsubscribe(symbols: string[]): void;
  readonly symbols: ReadonlySet<string>;
  /** Sent whatever the drills say: the handshake. */
  send(frame: string | Uint8Array): void;
  /** Sent unless the server is in a stall drill (a stalled server answers nothing). */
  reply(frame: string | Uint8Array): void;
  close(code: number, reason: string): void;
  /** A WebSocket ping (Binance's keep-alive; its pong must echo the payload). */
  ping(payload: string): void;
}

export interface ProtocolSession {
  onMessage(data: Buffer, isBinary: boolean): void;
  /** A batch of encoded data messages as the frames to send (none when nothing in it is for this client). */
  frames(messages: string[]): Array<string | Uint8Array>;
  /** A ping or pong frame arrived from the client (Binance counts them toward its rate limit). */
  onControlFrame?(kind: 'ping' | 'pong', payload: Buffer): void;
  /** The server is about to close this connection to rotate it; the venue's notice, if it has one. */
  rotationNotice(): string | undefined;
  /** The slow-client drill: tell the client (in the venue's words, if any) and close. */
  slowClient(): void;
  onClose(): void;
}

export interface Protocol {
  encode(event: MarketEvent): string;
  accept(conn: Conn, req: IncomingMessage): ProtocolSession;
}

export interface ProtocolOptions {
  available: () => string[];
  /** The drills of the venue protocols (auth refused, a connection limit). */
  drills?: AlpacaDrills & PolygonDrills & BinanceDrills;
}

export function protocolFor(protocol: ServerProtocol, options: ProtocolOptions): Protocol {
  if (protocol === 'alpaca') return alpacaProtocol(options.drills ?? {});
  if (protocol === 'polygon') return polygonProtocol(options.drills ?? {});
  if (protocol === 'binance') return binanceProtocol(options.drills ?? {});
  return nativeProtocol(options.available);
}
