/**
 * What a venue contributes to the shared feed client: how to subscribe, and how to turn one of its
 * text frames into normalized events. Everything else (connection, liveness, reconnection) is
 * the client's, the same for every venue.
 */
import type { MarketEvent } from './events.js';

export type ParseIssueKind = 'bad_json' | 'bad_shape' | 'bad_value' | 'unknown_symbol' | 'venue_error' | 'oversize';

export interface ParseIssue {
  kind: ParseIssueKind;
  detail: string;
  /** For `unknown_symbol`: the symbols the venue said it does not serve. */
  symbols?: string[];
}

/** Where an adapter puts what it found in a frame; one object reused per frame, so no allocation per event. */
export interface FrameSink {
  event(event: MarketEvent): void;
  issue(issue: ParseIssue): void;
  /** The venue confirmed the subscription set (or part of it). */
  subscribed?(symbols: string[]): void;
  /** The venue announced it will close this connection (a rotation): move to a fresh one first. */
  rotate?(reason: string): void;
  /** Close this connection and reconnect the ordinary way (the venue asked us to, e.g. Alpaca 407/500). */
  reconnect?(reason: string): void;
  /** When the frame being parsed arrived (wall ms): the time of data the venue does not stamp (Binance bookTicker). */
  receivedMs?(): number;
  /** The venue accepted our credentials: the client may subscribe now. */
  authenticated?(): void;
  /**
   * The venue said something no reconnect can fix (credentials refused, connection limit, a feed
   * the account does not have): the client stops for good and the run ends naming `cause`.
   */
  fatal?(cause: string): void;
}

/** A frame the client sends: text, or binary for a venue in a binary mode (Alpaca's msgpack). */
export type OutFrame = string | Uint8Array;

export interface VenueAdapter {
  readonly venue: string;
  /** Frames sent as soon as the socket opens (authentication), before any subscription. */
  openMessages(): OutFrame[];
  subscribeMessages(symbols: string[]): OutFrame[];
  unsubscribeMessages(symbols: string[]): OutFrame[];
  parse(frame: string, sink: FrameSink): void;
  /**
   * The venue authenticates: subscriptions wait for `sink.authenticated()`, and a connection that
   * gets no auth reply within the handshake timeout is closed and retried.
   */
  readonly authenticates?: boolean;
  /** The URL of each connection, from the venue's base and the symbols it carries (Binance puts streams in the URL). */
  connectUrl?(base: string, symbols: string[]): string;
  /** The connection URL already subscribes every symbol: nothing is sent on open. */
  readonly subscribesInUrl?: boolean;
  /** The venue disconnects a client that sends more than this many messages a second (Binance: 5, pings and pongs included). */
  readonly maxOutboundPerSecond?: number;
  /** The venue cuts connections at this age (Binance: 24 h): rotate make-before-break before it. */
  readonly rotateAfterMs?: number;
  /** Headers of the upgrade request (Alpaca: Content-Type selects msgpack). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * A binary frame as the JSON text the venue would have sent in text mode, so capture, replay and
   * `parse` see one format; undefined when the frame cannot be decoded.
   */
  decodeBinary?(data: Uint8Array): string | undefined;
}

export function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** Sentinel for a frame that was not JSON (already reported to the sink as bad_json). */
export const NOT_JSON = Symbol('not JSON');

/** A text frame's JSON, or NOT_JSON after reporting it: every venue's parser starts here. */
export function parseJsonFrame(frame: string, sink: FrameSink): unknown {
  try {
    return JSON.parse(frame);
  } catch {
    sink.issue({ kind: 'bad_json', detail: 'frame is not JSON' });
    return NOT_JSON;
  }
}
