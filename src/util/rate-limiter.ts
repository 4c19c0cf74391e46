/**
 * One small rate limiter for every per-event log line (FEED_PARSE_ERROR, SEQUENCE_GAP, dropped and
 * rejected events): a flood of bad data must not become a flood of log lines, yet every
 * occurrence is still counted. Per key, the first occurrence in an interval may be logged; the rest
 * are counted as suppressed and reported by the next line of that key (or by `due`, which the
 * caller asks on its heartbeat and at the stop). Pure: the caller passes `now`.
 */
interface LimitedCount {
  /** Occurrences of the key so far, this one included. */
  total: number;
  /** Occurrences not logged since the key's previous line, not counting this one. */
  suppressed: number;
}

interface KeyState {
  total: number;
  unlogged: number;
  lastLogMs: number;
}

export class RateLimiter {
  private readonly keys = new Map<string, KeyState>();

  constructor(private readonly intervalMs: number) {}

  /** Counts one occurrence; returns the counts when it may be logged now, undefined when suppressed. */
  hit(key: string, now: number): LimitedCount | undefined {
    let s = this.keys.get(key);
    if (!s) {
      s = { total: 0, unlogged: 0, lastLogMs: Number.NEGATIVE_INFINITY };
      this.keys.set(key, s);
    }
    s.total += 1;
    if (now - s.lastLogMs < this.intervalMs) {
      s.unlogged += 1;
      return undefined;
    }
    const suppressed = s.unlogged;
    s.unlogged = 0;
    s.lastLogMs = now;
    return { total: s.total, suppressed };
  }

  /**
   * The keys with suppressed occurrences whose interval has passed (every such key when `force`,
   * at the stop), each counted as logged now: the caller writes one summary line per key.
   */
  due(now: number, force: boolean): Array<{ key: string } & LimitedCount> {
    const out: Array<{ key: string } & LimitedCount> = [];
    for (const [key, s] of this.keys) {
      if (s.unlogged === 0 || (!force && now - s.lastLogMs < this.intervalMs)) continue;
      out.push({ key, total: s.total, suppressed: s.unlogged });
      s.unlogged = 0;
      s.lastLogMs = now;
    }
    return out;
  }
}
