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
}

export interface VenueAdapter {
  readonly venue: string;
  /** Frames sent as soon as the socket opens (authentication), before any subscription. */
  openMessages(): string[];
  subscribeMessages(symbols: string[]): string[];
  unsubscribeMessages(symbols: string[]): string[];
  parse(frame: string, sink: FrameSink): void;
}

export function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
