/**
 * Where the feed server's events come from. Both sources answer one question per tick: which of
 * this symbol's events are due by now, and when was each one due? Fixtures replay a recorded
 * session on a shared timeline (at `speed`×, optionally looping); the synthetic source generates a
 * seeded stream in wall time. The due time lets the server merge symbols into event-time order.
 */
import type { MarketEvent } from '../events.js';
import { generateEvents } from '../../fixtures/generator.js';
import { fixtureSymbols, loadFixture } from '../../fixtures/store.js';

/** An event and the wall-clock ms at which the timeline reached it. */
export interface Due {
  event: MarketEvent;
  atMs: number;
}

export interface Source {
  readonly kind: string;
  has(symbol: string): boolean;
  available(): string[];
  /**
   * Makes a symbol ready to serve, or throws an input error saying why it cannot be: called at
   * subscription, so a damaged fixture is an error frame, never an exception in the pacing loop.
   */
  open(symbol: string): void;
  /** Appends the symbol's events due at wall time `nowMs` (timeline started at `originMs`), in order. */
  pull(symbol: string, originMs: number, nowMs: number, out: Due[]): void;
}

interface Cursor {
  events: MarketEvent[];
  index: number;
  cycle: number;
  done: boolean;
}

export class FixtureSource implements Source {
  readonly kind = 'fixtures';
  private readonly cursors = new Map<string, Cursor>();
  private readonly symbols: Set<string>;
  private readonly sessionStartMs: number;
  private readonly durationMs: number;

  constructor(
    private readonly dir: string,
    private readonly speed: number,
    private readonly loop: boolean,
    session: { startMs: number; endMs: number },
    preloaded?: Map<string, MarketEvent[]>,
  ) {
    this.symbols = new Set(preloaded ? preloaded.keys() : fixtureSymbols(dir));
    this.sessionStartMs = session.startMs;
    this.durationMs = session.endMs - session.startMs;
    for (const [symbol, events] of preloaded ?? []) this.cursors.set(symbol, { events, index: -1, cycle: 0, done: false });
  }

  has(symbol: string): boolean {
    return this.symbols.has(symbol);
  }

  available(): string[] {
    return [...this.symbols];
  }

  open(symbol: string): void {
    this.cursor(symbol);
  }

  pull(symbol: string, originMs: number, nowMs: number, out: Due[]): void {
    const cursor = this.cursor(symbol);
    if (cursor.done) return;
    const elapsed = (nowMs - originMs) * this.speed;
    const cycle = Math.floor(elapsed / this.durationMs);
    const position = this.sessionStartMs + (elapsed % this.durationMs);
    if (cursor.index < 0) {
      // A symbol first subscribed mid-session starts at the market's present, like a live venue.
      cursor.index = lowerBound(cursor.events, position);
      cursor.cycle = cycle;
    }
    // Crossing the end of the session: what was left of the old cycle is due first.
    while (cursor.cycle < cycle) {
      this.drain(cursor, Number.POSITIVE_INFINITY, originMs, out);
      if (!this.loop) {
        cursor.done = true;
        return;
      }
      cursor.index = 0;
      cursor.cycle += 1;
    }
    this.drain(cursor, position, originMs, out);
  }

  private drain(cursor: Cursor, upToTs: number, originMs: number, out: Due[]): void {
    const events = cursor.events;
    const cycleStartMs = originMs + (cursor.cycle * this.durationMs) / this.speed;
    while (cursor.index < events.length) {
      const event = events[cursor.index] as MarketEvent;
      if (event.exchTs > upToTs) return;
      out.push({ event, atMs: cycleStartMs + (event.exchTs - this.sessionStartMs) / this.speed });
      cursor.index += 1;
    }
  }

  /** Loads a symbol's fixture on first use; index -1 means "not positioned yet". */
  private cursor(symbol: string): Cursor {
    let cursor = this.cursors.get(symbol);
    if (!cursor) {
      cursor = { events: loadFixture(this.dir, symbol), index: -1, cycle: 0, done: false };
      this.cursors.set(symbol, cursor);
    }
    return cursor;
  }
}

function lowerBound(events: MarketEvent[], ts: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((events[mid] as MarketEvent).exchTs < ts) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class SyntheticSource implements Source {
  readonly kind = 'synthetic';
  private readonly streams = new Map<string, { gen: Generator<MarketEvent>; next: MarketEvent | undefined }>();

  /** `symbols` undefined: every ticker is served, unknown ones with a default equity profile. */
  constructor(
    private readonly rate: number,
    private readonly seed: number,
    private readonly symbols?: string[],
  ) {}

  has(symbol: string): boolean {
    return this.symbols === undefined || this.symbols.includes(symbol);
  }

  available(): string[] {
    return this.symbols ?? [];
  }

  open(): void {
    // Generated on demand: nothing to load or check.
  }

  pull(symbol: string, originMs: number, nowMs: number, out: Due[]): void {
    let stream = this.streams.get(symbol);
    if (!stream) {
      // Started at the present rather than at the timeline's origin: no backlog burst for a late symbol.
      const gen = generateEvents({ symbol, seed: this.seed, startMs: Math.max(originMs, nowMs), endMs: Number.POSITIVE_INFINITY, constantRate: this.rate });
      stream = { gen, next: gen.next().value ?? undefined };
      this.streams.set(symbol, stream);
    }
    while (stream.next && stream.next.exchTs <= nowMs) {
      out.push({ event: stream.next, atMs: stream.next.exchTs });
      stream.next = stream.gen.next().value ?? undefined;
    }
  }
}
