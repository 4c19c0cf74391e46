/**
 * Per-symbol data liveness. Only accepted data events count (a venue's heartbeats prove the
 * socket, not the data, and an event the pipeline dropped proves nothing either: a symbol whose
 * every event is rejected is as stale as a silent one), the clock is the local receipt time, and
 * each symbol is judged alone: one silent symbol never marks another stale. Pure: the caller
 * passes `now` and owns the timer.
 */
export interface SymbolLiveness {
  symbol: string;
  lastRecvMs: number | undefined;
  /** Local receipt − exchange timestamp of the last data event. */
  lagMs: number | undefined;
  stale: boolean;
  staleSinceMs: number | undefined;
  /** When the symbol began to be watched (its age while it has had no data). */
  watchedSinceMs: number;
}

export type LivenessChange =
  /** `never`: the symbol has had no accepted data since it began to be watched. */
  | { kind: 'breach'; symbol: string; ageMs: number; maxLagMs: number; never: boolean }
  | { kind: 'recovered'; symbol: string; staleForMs: number; ageMs: number };

export class StalenessWatchdog {
  private readonly symbols = new Map<string, SymbolLiveness>();

  constructor(private readonly maxLagMs: (symbol: string) => number) {}

  watch(symbol: string, nowMs: number): void {
    if (!this.symbols.has(symbol)) {
      this.symbols.set(symbol, { symbol, lastRecvMs: undefined, lagMs: undefined, stale: false, staleSinceMs: undefined, watchedSinceMs: nowMs });
    }
  }

  unwatch(symbol: string): void {
    this.symbols.delete(symbol);
  }

  /** Records a data event; returns a recovery when the symbol was stale. */
  onData(symbol: string, recvMs: number, exchTs: number): LivenessChange | undefined {
    const s = this.symbols.get(symbol);
    if (!s) return undefined;
    const ageMs = recvMs - (s.lastRecvMs ?? s.watchedSinceMs);
    s.lastRecvMs = recvMs;
    s.lagMs = recvMs - exchTs;
    if (!s.stale) return undefined;
    const staleForMs = recvMs - (s.staleSinceMs ?? recvMs);
    s.stale = false;
    s.staleSinceMs = undefined;
    return { kind: 'recovered', symbol, staleForMs, ageMs };
  }

  isStale(symbol: string): boolean {
    return this.symbols.get(symbol)?.stale ?? false;
  }

  /** Checks every symbol at `now`; returns the new breaches (one per episode). */
  check(nowMs: number): LivenessChange[] {
    const changes: LivenessChange[] = [];
    for (const s of this.symbols.values()) {
      const ageMs = nowMs - (s.lastRecvMs ?? s.watchedSinceMs);
      const maxLagMs = this.maxLagMs(s.symbol);
      if (!s.stale && ageMs > maxLagMs) {
        s.stale = true;
        s.staleSinceMs = nowMs;
        changes.push({ kind: 'breach', symbol: s.symbol, ageMs, maxLagMs, never: s.lastRecvMs === undefined });
      }
    }
    return changes;
  }

  snapshot(): SymbolLiveness[] {
    return [...this.symbols.values()].map((s) => ({ ...s }));
  }
}
