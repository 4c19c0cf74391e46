/**
 * FEED_PARSE_ERROR lines, for every process that reads a feed (`trader run`, `trader ingest`):
 * each frame that is not a market event is counted by kind, at most one line a second says so
 * with its running `total` and how many were `suppressed`, and `flush` writes the summary of
 * what was suppressed since — at the stop, all of it, so the last line's total is exact.
 */
import type { Bus } from '../core/bus.js';
import { EV } from '../core/events.js';
import type { ParseIssue } from '../feeds/adapter.js';
import { RateLimiter } from '../util/rate-limiter.js';

const LOG_EVERY_MS = 1000;

export class ParseErrorLog {
  private readonly limiter = new RateLimiter(LOG_EVERY_MS);

  /** `byKind`: every parse error so far by kind, counted by the caller before `add` (it keeps the run's totals). */
  constructor(
    private readonly bus: Bus,
    private readonly now: () => number,
    private readonly byKind: () => Record<string, number>,
  ) {}

  add(issue: ParseIssue): void {
    const hit = this.limiter.hit(EV.FEED_PARSE_ERROR, this.now());
    if (hit) this.bus.emit({ name: EV.FEED_PARSE_ERROR, issue: { kind: issue.kind, detail: issue.detail }, total: hit.total, suppressed: hit.suppressed, by_kind: { ...this.byKind() } });
  }

  /** The summary of the suppressed ones whose interval has passed; every one when `force` (the stop). */
  flush(force: boolean): void {
    for (const due of this.limiter.due(this.now(), force)) this.bus.emit({ name: EV.FEED_PARSE_ERROR, total: due.total, suppressed: due.suppressed, by_kind: { ...this.byKind() } });
  }
}
