/**
 * Trading state, ACTIVE < REDUCING < HALTED, kept per source (kill switch, staleness, memory, …)
 * globally and per symbol. The effective state of a symbol is the most restrictive of all sources
 * that apply to it, so no single source can re-enable trading another one stopped.
 */
export type TradingLevel = 'ACTIVE' | 'REDUCING' | 'HALTED';
const RANK: Record<TradingLevel, number> = { ACTIVE: 0, REDUCING: 1, HALTED: 2 };

export interface StateReason {
  level: TradingLevel;
  source: string;
}

/** What the order path may do with the state: read it. */
export interface TradingSnapshot {
  effective(symbol?: string): StateReason;
  /** Every source restricting all symbols now, in the order they were set. */
  globalSources(): StateReason[];
}

/** Written by the safety monitor alone (monitor.ts); everyone else holds it as a TradingSnapshot. */
export class TradingState implements TradingSnapshot {
  private readonly global = new Map<string, TradingLevel>();
  private readonly perSymbol = new Map<string, Map<string, TradingLevel>>();

  set(source: string, level: TradingLevel, symbol?: string): void {
    const table = symbol === undefined ? this.global : this.symbolTable(symbol);
    if (level === 'ACTIVE') table.delete(source);
    else table.set(source, level);
  }

  /** The effective level for a symbol (or globally), with the source that imposes it. */
  effective(symbol?: string): StateReason {
    let worst: StateReason = { level: 'ACTIVE', source: 'none' };
    const consider = (table: Map<string, TradingLevel> | undefined): void => {
      for (const [source, level] of table ?? []) if (RANK[level] > RANK[worst.level]) worst = { level, source };
    };
    consider(this.global);
    if (symbol !== undefined) consider(this.perSymbol.get(symbol));
    return worst;
  }

  globalSources(): StateReason[] {
    return [...this.global].map(([source, level]) => ({ source, level }));
  }

  private symbolTable(symbol: string): Map<string, TradingLevel> {
    let table = this.perSymbol.get(symbol);
    if (!table) {
      table = new Map();
      this.perSymbol.set(symbol, table);
    }
    return table;
  }
}
