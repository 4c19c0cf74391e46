/**
 * The report's share of a chunk's work: decisions and heartbeats, which are nearly every record
 * of a trace, are summed per symbol where the chunk is read (in a worker, in typed arrays that
 * move without copying); every other record is passed on as its line for the ReportCollector to
 * read in file order.
 */
import type { TraceRecord } from '../trace/schema.js';
import { EV } from '../core/events.js';

export interface SymbolChunk {
  symbol: string;
  actions: { BUY: number; SELL: number; HOLD: number };
  latencies: Float64Array;
  /** Each decision's time (epoch ms), for the latency chart. */
  at: Float64Array;
  lagSum: number;
  lagCount: number;
  lagMax: number;
  /** The largest data age (last_update) a heartbeat showed. */
  ageMax: number;
  /** Each heartbeat's time (epoch ms) and lag (ms), for the lag chart. */
  lagAt: Float64Array;
  lags: Float64Array;
}

export interface ChunkFigures {
  symbols: SymbolChunk[];
  /** Every other record's line, in file order. */
  others: string[];
}

interface Growing {
  symbol: string;
  actions: SymbolChunk['actions'];
  latencies: number[];
  at: number[];
  lagSum: number;
  lagCount: number;
  lagMax: number;
  ageMax: number;
  lagAt: number[];
  lags: number[];
}

export class FigureChunk {
  private readonly symbols = new Map<string, Growing>();
  private readonly others: string[] = [];

  add(r: TraceRecord, raw: string): void {
    const event = r.event ?? r.type;
    const symbol = typeof r.symbol === 'string' ? r.symbol : undefined;
    if (event === EV.DECISION_LOGGED) {
      if (!symbol) return;
      const f = this.figures(symbol);
      const action = r.action as keyof Growing['actions'];
      if (action in f.actions) f.actions[action] += 1;
      f.latencies.push(Number(r.latency_ms));
      f.at.push(Date.parse(String(r.ts)));
    } else if (event === EV.HEARTBEAT_OK) {
      if (!symbol) return;
      const f = this.figures(symbol);
      if (typeof r.last_update_ms === 'number') f.ageMax = Math.max(f.ageMax, r.last_update_ms);
      if (typeof r.lag_ms !== 'number') return;
      f.lagSum += r.lag_ms;
      f.lagCount += 1;
      f.lagMax = Math.max(f.lagMax, r.lag_ms);
      f.lagAt.push(Date.parse(String(r.ts)));
      f.lags.push(r.lag_ms);
    } else {
      this.others.push(raw);
    }
  }

  finish(): ChunkFigures {
    const symbols = [...this.symbols.values()].map((g) => ({ ...g, latencies: Float64Array.from(g.latencies), at: Float64Array.from(g.at), lagAt: Float64Array.from(g.lagAt), lags: Float64Array.from(g.lags) }));
    return { symbols, others: this.others };
  }

  private figures(symbol: string): Growing {
    let f = this.symbols.get(symbol);
    if (!f) {
      f = { symbol, actions: { BUY: 0, SELL: 0, HOLD: 0 }, latencies: [], at: [], lagSum: 0, lagCount: 0, lagMax: 0, ageMax: 0, lagAt: [], lags: [] };
      this.symbols.set(symbol, f);
    }
    return f;
  }
}
