/**
 * `trader run --shard i/N` on any feed: which of the given symbols this shard keeps, the run
 * record's shard field and the lines that say where the others went. The partition itself is
 * partition.ts (shared with the NATS transport).
 */
import type { Bus } from '../core/bus.js';
import { EV } from '../core/events.js';
import type { RunRecord } from '../trace/schema.js';
import { shardOf, type ShardSpec } from './partition.js';

/** The 1-based shard that owns `symbol` among `count`. */
export const ownerOf = (symbol: string, count: number): number => shardOf(symbol, count) + 1;

/** Keeps a shard's symbols, at the start and at every SIGUSR1 reload, and says where the others went. */
export class ShardFilter {
  /** Symbols already reported as another shard's: a reload does not repeat the line. */
  private readonly told = new Set<string>();

  constructor(
    readonly spec: ShardSpec,
    /** Every symbol this shard was given at the start (its own and the others'). */
    private readonly all: string[],
  ) {}

  get record(): NonNullable<RunRecord['shard']> {
    return { index: this.spec.index, count: this.spec.count, partition: 'fnv1a32', symbols_all: [...this.all] };
  }

  owns(symbol: string): boolean {
    return ownerOf(symbol, this.spec.count) === this.spec.index;
  }

  /**
   * This shard's share of the config's max_positions: floor(max/N), and one more for the first
   * max % N shards, so the shards together never hold more than one process would (on any feed).
   */
  quota(maxPositions: number): number {
    const { index, count } = this.spec;
    return Math.floor(maxPositions / count) + (index - 1 < maxPositions % count ? 1 : 0);
  }

  /** This shard's symbols among `symbols`, in their order. */
  keep(symbols: string[]): string[] {
    return symbols.filter((s) => this.owns(s));
  }

  /** After RUN_STARTED: the assignment, then one line per symbol left to another shard. */
  announce(bus: Bus): void {
    const kept = this.keep(this.all);
    bus.emit({ name: EV.SHARD_ASSIGNED, index: this.spec.index, count: this.spec.count, partition: 'fnv1a32', symbols: kept, symbols_all: [...this.all] });
    this.skipped(bus, this.all, 'start');
  }

  /** A SIGUSR1 reload's list: this shard's symbols of it, the others' named once. */
  reload(bus: Bus, symbols: string[]): string[] {
    this.skipped(bus, symbols, 'reload');
    return this.keep(symbols);
  }

  private skipped(bus: Bus, symbols: string[], on: 'start' | 'reload'): void {
    for (const symbol of symbols) {
      if (this.owns(symbol) || this.told.has(symbol)) continue;
      this.told.add(symbol);
      bus.emit({ name: EV.SHARD_SYMBOL_SKIPPED, symbol, owner: ownerOf(symbol, this.spec.count), count: this.spec.count, index: this.spec.index, on });
    }
  }
}
