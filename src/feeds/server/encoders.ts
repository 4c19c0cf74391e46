/**
 * How the feed server writes data frames in each protocol it speaks. The send path only ever
 * calls `encode` and `frame`, so a venue protocol (alpaca, binance, polygon) is one more entry
 * here, not a change to the pacing loop or the fault hooks around it.
 */
import type { MarketEvent } from '../events.js';
import { toWire } from '../protocol.js';

export type ServerProtocol = 'native';

interface Codec {
  /** One event as the text of one message. */
  encode(event: MarketEvent): string;
  /** Several encoded messages as one frame's text. */
  frame(messages: string[]): string;
}

const CODECS: Record<ServerProtocol, Codec> = {
  native: {
    encode: (event) => JSON.stringify(toWire(event)),
    // The native client accepts a JSON array of messages: one frame per tick instead of one per event.
    frame: (messages) => (messages.length === 1 ? (messages[0] as string) : `[${messages.join(',')}]`),
  },
};

export const codecFor = (protocol: ServerProtocol): Codec => CODECS[protocol];
