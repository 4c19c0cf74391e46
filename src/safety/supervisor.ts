/**
 * Runs the periodic safety checks and fails closed: a check that throws halts trading until it
 * succeeds again, and a check whose timer stopped firing (a blocked loop, a lost timer) is caught
 * at the moment an order is about to pass, because `ensureFresh` runs in front of the risk gate.
 * It judges; the monitor (monitor.ts) turns its verdicts into the trading state.
 */

interface CheckStatus {
  intervalMs: number;
  lastOkMs: number;
  failing: boolean;
  stale: boolean;
}

/** Verdicts on a check. `first`: the check was passing until now (announce it once); the halt holds on every call. */
export interface SupervisorEvents {
  failed(name: string, error: string, first: boolean): void;
  recovered(name: string): void;
  stale(name: string, sinceMs: number, first: boolean): void;
}

/** A check is stale when it has not succeeded for this many of its intervals (and at least 1 s). */
const STALE_INTERVALS = 4;

export class SafetySupervisor {
  private readonly checks = new Map<string, CheckStatus>();

  constructor(
    private readonly now: () => number,
    private readonly events: SupervisorEvents,
  ) {}

  register(name: string, intervalMs: number): void {
    this.checks.set(name, { intervalMs, lastOkMs: this.now(), failing: false, stale: false });
  }

  /** Runs one round of a registered check. */
  run(name: string, check: () => void): void {
    const status = this.checks.get(name);
    if (!status) throw new Error(`safety check ${name} is not registered`);
    try {
      check();
    } catch (err) {
      this.events.failed(name, err instanceof Error ? err.message : String(err), !status.failing);
      status.failing = true;
      return;
    }
    status.lastOkMs = this.now();
    if (status.failing || status.stale) {
      status.failing = false;
      status.stale = false;
      this.events.recovered(name);
    }
  }

  /** Halts trading for every check that has not succeeded recently; returns their names. */
  ensureFresh(): string[] {
    const now = this.now();
    const stale: string[] = [];
    for (const [name, status] of this.checks) {
      if (now - status.lastOkMs <= Math.max(1000, STALE_INTERVALS * status.intervalMs)) continue;
      stale.push(name);
      this.events.stale(name, status.lastOkMs, !status.stale);
      status.stale = true;
    }
    return stale;
  }
}
