/**
 * What a strategy says outside its answers, in the run's log: an external process's stderr
 * (rate-limited, counts exact, like every per-event line) and its end. The strategy is resolved,
 * and may start talking, before the log exists (nothing is rotated until it has started): lines
 * until then are held, a bounded few, and written once the journal is attached.
 */
import type { Bus } from '../core/bus.js';
import { EV } from '../core/events.js';
import { RateLimiter } from '../util/rate-limiter.js';

/** A traceback comes as a burst of lines: a few a second reach the log, the rest are counted. */
const STDERR_LOG_EVERY_MS = 200;
const HELD_BEFORE_ATTACH = 20;
const MAX_LINE = 300;
const KEY = EV.STRATEGY_STDERR;

interface Attached {
  bus: Bus;
  /** The process is gone: the caller halts every symbol and returns them. */
  onExit: () => string[];
  who: string;
}

export class StrategyLog {
  private readonly limiter = new RateLimiter(STDERR_LOG_EVERY_MS);
  private attached: Attached | undefined;
  private readonly held: Array<() => void> = [];
  private heldDropped = 0;

  constructor(private readonly now: () => number) {}

  /** One line the strategy's process wrote on stderr. */
  stderr(line: string): void {
    this.whenAttached(() => this.writeStderr(line));
  }

  /** The process ended on its own (not closed by us): `description` says how. */
  exited(description: string): void {
    this.whenAttached(() => {
      const a = this.attached;
      if (!a) return;
      const symbols = a.onExit();
      a.bus.emit({ name: EV.STRATEGY_EXITED, strategy: a.who, detail: clean(description), symbols });
    });
  }

  attach(bus: Bus, who: string, onExit: () => string[]): void {
    this.attached = { bus, onExit, who };
    for (const write of this.held.splice(0)) write();
    if (this.heldDropped > 0) bus.emit({ name: EV.STRATEGY_STDERR, suppressed: this.heldDropped, before_log: true });
    this.heldDropped = 0;
  }

  /** Summary lines for suppressed stderr (at each heartbeat; every one when `force`, at the stop). */
  flush(force: boolean): void {
    const a = this.attached;
    if (!a) return;
    for (const due of this.limiter.due(this.now(), force)) a.bus.emit({ name: EV.STRATEGY_STDERR, suppressed: due.suppressed, total: due.total });
  }

  private whenAttached(write: () => void): void {
    if (this.attached) write();
    else if (this.held.length < HELD_BEFORE_ATTACH) this.held.push(write);
    else this.heldDropped += 1;
  }

  private writeStderr(line: string): void {
    const a = this.attached;
    if (!a) return;
    const hit = this.limiter.hit(KEY, this.now());
    if (!hit) return;
    const text = clean(line);
    a.bus.emit({ name: EV.STRATEGY_STDERR, strategy: a.who, line: text, total: hit.total, suppressed: hit.suppressed });
  }
}

/**
 * A strategy's text in a log line: one line, bounded, no double quotes, and never `latency=`
 * (only decision lines carry it: the runbook's latency pipeline greps for it).
 */
export function clean(text: string, max = MAX_LINE): string {
  const flat = text.replace(/\s+/g, ' ').replace(/"/g, "'").replace(/latency=/g, 'latency:').trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}
