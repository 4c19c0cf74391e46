/**
 * Where the feed server's events come from. Both sources answer one question per tick: which of
 * this symbol's events are due by now? Fixtures replay a recorded session on a shared timeline
 * (at `speed`×, looping); the synthetic source generates a seeded stream in wall time.
 */
import type { MarketEvent } from '../events.js';
import { generateEvents } from '../../fixtures/generator.js';
import { fixtureSymbols, loadFixture } from '../../fixtures/store.js';

export interface Source {
  readonly kind: string;
  has(symbol: string): boolean;
  available(): string[];
  /** Appends the symbol's events due at wall time `nowMs` (timeline started at `originMs`). */
  pull(symbol: string, originMs: number, nowMs: number, out: MarketEvent[]): void;
}

interface Cursor {
  events: MarketEvent[];
  index: number;
  cycle: number;
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
    for (const [symbol, events] of preloaded ?? []) this.cursors.set(symbol, { events, index: -1, cycle: 0 });
  }

  has(symbol: string): boolean {
    return this.symbols.has(symbol);
  }

  available(): string[] {
    return [...this.symbols];
  }

  pull(symbol: string, originMs: number, nowMs: number, out: MarketEvent[]): void {
    const elapsed = (nowMs - originMs) * this.speed;
    const cycle = Math.floor(elapsed / this.durationMs);
    if (!this.loop && cycle > 0) return;
    const position = this.sessionStartMs + (elapsed % this.durationMs);
    const cursor = this.cursor(symbol);
    if (cursor.index < 0) {
      // A symbol subscribed mid-session starts at the market's present, like a live venue.
      cursor.index = lowerBound(cursor.events, position);
      cursor.cycle = cycle;
    }
    if (cursor.cycle < cycle) {
      while (cursor.index < cursor.events.length) out.push(cursor.events[cursor.index++] as MarketEvent);
      cursor.index = 0;
      cursor.cycle = cycle;
    }
    const events = cursor.events;
    while (cursor.index < events.length && (events[cursor.index] as MarketEvent).exchTs <= position) out.push(events[cursor.index++] as MarketEvent);
  }

  /** Loads a symbol's fixture on first use; index -1 means "not positioned yet". */
  private cursor(symbol: string): Cursor {
    let cursor = this.cursors.get(symbol);
    if (!cursor) {
      cursor = { events: loadFixture(this.dir, symbol), index: -1, cycle: 0 };
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

  pull(symbol: string, originMs: number, nowMs: number, out: MarketEvent[]): void {
    let stream = this.streams.get(symbol);
    if (!stream) {
      const gen = generateEvents({ symbol, seed: this.seed, startMs: originMs, endMs: Number.POSITIVE_INFINITY, constantRate: this.rate });
      stream = { gen, next: gen.next().value ?? undefined };
      this.streams.set(symbol, stream);
    }
    while (stream.next && stream.next.exchTs <= nowMs) {
      out.push(stream.next);
      stream.next = stream.gen.next().value ?? undefined;
    }
  }
}
