/**
 * What `/healthz` answers, folded from the bus like the metrics: healthy while the feed source in
 * use is connected and every watched symbol has data that is not stale. A symbol that has had no
 * accepted event yet is not healthy either (a feed that connects but serves nothing is not live);
 * a kill switch is not a health problem (the runner is doing what it was told) and is only shown.
 */
import type { Bus } from '../core/bus.js';
import { EV } from '../core/events.js';

export interface Health {
  ok: boolean;
  /** One line naming every problem; "ok" when there is none. */
  reason: string;
  feed: { source: string; connected: boolean; venue: string | null };
  stale: string[];
  waiting: string[];
  unknown: string[];
  kill_switch_present: boolean;
  stopping: boolean;
}

export class HealthFold {
  private readonly symbols = new Set<string>();
  private readonly fresh = new Set<string>();
  private readonly staleSet = new Set<string>();
  private readonly unknownSet = new Set<string>();
  private readonly up = new Map<string, boolean>();
  private active = 'primary';
  private venue: string | null = null;
  private killSwitch = false;
  private stopping = false;
  private fatal: string | undefined;

  /** Subscribes to the bus; returns the unsubscribe. */
  attach(bus: Bus): () => void {
    const offs = [
      bus.on(EV.RUN_STARTED, (e) => {
        this.venue = e.feed;
        for (const s of e.symbols) this.symbols.add(s);
      }),
      bus.on(EV.SYMBOL_ADDED, (e) => this.symbols.add(e.symbol)),
      bus.on(EV.SYMBOL_REMOVED, (e) => {
        for (const set of [this.symbols, this.fresh, this.staleSet, this.unknownSet]) set.delete(e.symbol);
      }),
      bus.on(EV.HEARTBEAT_OK, (e) => this.fresh.add(e.symbol)),
      bus.on(EV.HEARTBEAT_DEGRADED, (e) => this.fresh.add(e.symbol)),
      bus.on(EV.STALENESS_BREACH, (e) => this.staleSet.add(e.symbol)),
      bus.on(EV.STALENESS_RECOVERED, (e) => {
        this.staleSet.delete(e.symbol);
        this.fresh.add(e.symbol);
      }),
      bus.on(EV.SYMBOL_UNKNOWN, (e) => this.unknownSet.add(e.symbol)),
      bus.on(EV.SYMBOL_DATA_ARRIVED, (e) => this.unknownSet.delete(e.symbol)),
      bus.on(EV.FEED_CONNECTED, (e) => this.up.set(e.source, true)),
      bus.on(EV.RECONNECT_SUCCESS, (e) => this.up.set(e.source, true)),
      bus.on(EV.WEBSOCKET_DISCONNECT, (e) => this.up.set(e.source, false)),
      bus.on(EV.FEED_FATAL, (e) => {
        this.up.set(e.source, false);
        this.fatal = e.cause;
      }),
      bus.on(EV.FEED_FAILOVER, (e) => void (this.active = e.to)),
      bus.on(EV.FEED_FAILBACK, (e) => void (this.active = e.to)),
      bus.on(EV.KILL_SWITCH_DETECTED, () => void (this.killSwitch = true)),
      bus.on(EV.KILL_SWITCH_CLEARED, () => void (this.killSwitch = false)),
      bus.on(EV.RUN_SUMMARY, () => void (this.stopping = true)),
    ];
    return () => {
      for (const off of offs) off();
    };
  }

  check(): Health {
    const connected = this.up.get(this.active) === true;
    const stale = [...this.staleSet].sort();
    const unknown = [...this.unknownSet].sort();
    const waiting = [...this.symbols].filter((s) => !this.fresh.has(s) && !this.staleSet.has(s) && !this.unknownSet.has(s)).sort();
    const problems: string[] = [];
    if (this.stopping) problems.push('the run is stopping');
    if (this.fatal !== undefined) problems.push(`the feed refused the run (${this.fatal})`);
    else if (!connected) problems.push(`feed ${this.active} not connected`);
    if (stale.length) problems.push(`stale: ${stale.join(',')}`);
    if (unknown.length) problems.push(`unknown to the feed: ${unknown.join(',')}`);
    if (waiting.length) problems.push(`no data yet: ${waiting.join(',')}`);
    return {
      ok: problems.length === 0,
      reason: problems.length ? problems.join('; ') : 'ok',
      feed: { source: this.active, connected, venue: this.venue },
      stale,
      waiting,
      unknown,
      kill_switch_present: this.killSwitch,
      stopping: this.stopping,
    };
  }
}
