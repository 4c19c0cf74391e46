/**
 * One running runner's state for `trader status`: its registry entry and kill switch, then its
 * figures — from its /metrics and /healthz when it was started with --metrics-port (live, exact
 * counts), else from the tail of its trace (the last heartbeat per symbol: always there, and the
 * truth the report reads). A metrics endpoint that does not answer falls back to the trace.
 */
import { readFileSync } from 'node:fs';
import type { RunEntry } from '../runtime/registry.js';
import { probePath } from '../safety/kill-switch.js';
import { parseExposition, TRADING_STATE_VALUE, type Sample } from '../telemetry/metrics-text.js';
import { readTraceTail } from './trace-tail.js';

const FETCH_TIMEOUT_MS = 2000;
const LEVELS = ['ACTIVE', 'REDUCING', 'HALTED'] as const;
type Level = (typeof LEVELS)[number];

export interface SymbolStatus {
  symbol: string;
  state: string | null;
  stale: boolean;
  /** Age of the symbol's last accepted event, now. */
  data_age_s: number | null;
  lag_ms: number | null;
  /** Decisions so far (from the metrics, or counted in the trace; null for a trace too large to scan). */
  decisions: number | null;
  /** The last decision in the trace's tail (trace only). */
  last_decision: { action: string; confidence: number; latency_ms: number; age_s: number } | null;
  position: number | null;
}

export interface RunnerStatus extends RunEntry {
  kill_switch_present: boolean | null;
  kill_switch_note: string | null;
  /** The most restrictive state: HALTED with the kill switch present, else the worst symbol's. */
  trading: Level | 'unknown';
  /** Where the figures below come from. */
  source: 'metrics' | 'trace' | 'none';
  /** Why the figures are missing or not from the metrics (an unreachable endpoint, an unreadable trace). */
  source_note: string | null;
  health: { ok: boolean; reason: string } | null;
  feed_connected: boolean | null;
  rss_bytes: number | null;
  uptime_s: number;
  symbols: SymbolStatus[];
}

export async function runnerStatus(entry: RunEntry, nowMs: number): Promise<RunnerStatus> {
  let ks: { present: boolean; content: string } | undefined;
  try {
    ks = probePath(entry.kill_switch);
  } catch {
    ks = undefined; // the path cannot be checked: the runner itself halts on that (SAFETY_CHECK_FAILED)
  }
  const base = {
    ...entry,
    metrics_url: entry.metrics_url ?? null,
    kill_switch_present: ks?.present ?? null,
    kill_switch_note: ks?.present ? ks.content.trim() || null : null,
    uptime_s: Math.max(0, (nowMs - Date.parse(entry.started_at)) / 1000),
  };
  const halted = ks === undefined || ks.present;
  let note: string | null = null;
  if (entry.metrics_url) {
    try {
      const figures = await fromMetrics(entry.metrics_url);
      return { ...base, ...figures, trading: halted ? 'HALTED' : figures.trading, source: 'metrics', source_note: null };
    } catch (err) {
      note = `metrics ${entry.metrics_url} did not answer (${(err as Error).message}); figures from the trace`;
    }
  }
  try {
    const figures = fromTrace(entry, nowMs);
    return { ...base, ...figures, trading: halted ? 'HALTED' : figures.trading, source: 'trace', source_note: note };
  } catch (err) {
    const why = `trace ${entry.trace} unreadable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
    return { ...base, trading: halted ? 'HALTED' : 'unknown', source: 'none', source_note: note ? `${note}; ${why}` : why, health: null, feed_connected: null, rss_bytes: procRss(entry.pid), symbols: [] };
  }
}

type Figures = Pick<RunnerStatus, 'trading' | 'health' | 'feed_connected' | 'rss_bytes' | 'symbols'>;

async function fromMetrics(url: string): Promise<Figures> {
  const [metricsText, health] = await Promise.all([get(url).then((r) => r.text()), get(url.replace(/\/metrics$/, '/healthz'), true).then((r) => r.json() as Promise<{ ok?: unknown; reason?: unknown }>)]);
  const samples = parseExposition(metricsText);
  const one = (name: string): number | null => samples.find((s) => s.name === name)?.value ?? null;
  const bySymbol = (name: string): Map<string, Sample[]> => {
    const m = new Map<string, Sample[]>();
    for (const s of samples) if (s.name === name && s.labels.symbol !== undefined) m.set(s.labels.symbol, [...(m.get(s.labels.symbol) ?? []), s]);
    return m;
  };
  const stale = bySymbol('trader_symbol_stale');
  const state = bySymbol('trader_trading_state');
  const age = bySymbol('trader_data_age_seconds');
  const lag = bySymbol('trader_feed_lag_last_seconds');
  const decisions = bySymbol('trader_decisions_total');
  const position = bySymbol('trader_position');
  const first = (m: Map<string, Sample[]>, s: string): number | null => m.get(s)?.[0]?.value ?? null;
  const symbols: SymbolStatus[] = [...stale.keys()].map((symbol) => {
    const level = first(state, symbol);
    const lagS = first(lag, symbol);
    const ageS = first(age, symbol);
    return {
      symbol,
      state: level === null ? null : (LEVELS[level] ?? null),
      stale: first(stale, symbol) === 1,
      data_age_s: ageS,
      lag_ms: lagS === null ? null : lagS * 1000,
      decisions: (decisions.get(symbol) ?? []).reduce((n, s) => n + s.value, 0),
      last_decision: null,
      position: first(position, symbol),
    };
  });
  const latched = one('trader_kill_switch_halted') === 1;
  const feedUp = one('trader_feed_up');
  return {
    trading: latched ? 'HALTED' : worst(symbols.map((s) => s.state)),
    health: { ok: health.ok === true, reason: typeof health.reason === 'string' ? health.reason : '' },
    feed_connected: feedUp === null ? null : feedUp === 1,
    rss_bytes: one('process_resident_memory_bytes'),
    symbols,
  };
}

/** GET with a timeout; a 503 from /healthz is an answer, not a failure. */
async function get(url: string, health = false): Promise<Response> {
  const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  if (!res.ok && !(health && res.status === 503)) throw new Error(`HTTP ${res.status}`);
  return res;
}

function fromTrace(entry: RunEntry, nowMs: number): Figures {
  const tail = readTraceTail(entry.trace);
  const symbols: SymbolStatus[] = [...tail.symbols].map(([symbol, s]) => ({
    symbol,
    state: s.state,
    stale: s.stale,
    data_age_s: s.dataAtMs === null ? null : Math.max(0, (nowMs - s.dataAtMs) / 1000),
    lag_ms: s.lagMs,
    decisions: s.decisions,
    last_decision: s.lastDecision ? { action: s.lastDecision.action, confidence: s.lastDecision.confidence, latency_ms: s.lastDecision.latency_ms, age_s: Math.max(0, (nowMs - s.lastDecision.atMs) / 1000) } : null,
    position: s.position,
  }));
  return {
    trading: tail.killSwitchHalted ? 'HALTED' : worst(symbols.map((s) => s.state)),
    health: null,
    feed_connected: tail.feedConnected,
    // The runner is on this machine: its RSS now, else its last memory sample.
    rss_bytes: procRss(entry.pid) ?? tail.rss?.bytes ?? null,
    symbols,
  };
}

function worst(states: Array<string | null>): Level | 'unknown' {
  const known = states.filter((s): s is Level => s !== null && TRADING_STATE_VALUE[s] !== undefined);
  if (known.length === 0) return 'unknown';
  return known.reduce((a, b) => ((TRADING_STATE_VALUE[b] ?? 0) > (TRADING_STATE_VALUE[a] ?? 0) ? b : a));
}

function procRss(pid: number): number | null {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? null : Number(kb) * 1024;
  } catch {
    return null; // not Linux, or the process is gone
  }
}
