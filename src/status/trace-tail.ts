/**
 * What a running runner's trace says about it now, read from its first line (the run record) and
 * its tail: per symbol the last heartbeat (data age, lag, state), a staleness breach, the last
 * decision and position; the last memory sample; the feed's last connect or disconnect. The trace
 * is the truth and always exists, so `trader status` reads it when a runner has no metrics port.
 * Only the tail is folded; decisions are counted over the whole file by a plain scan (no JSON
 * parsing), up to a size where that stays well under a second.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { EV } from '../core/events.js';
import { recordType } from '../trace/schema.js';

/** Bytes read from the end: many seconds of heartbeats for dozens of symbols, with decisions between. */
const TAIL_BYTES = 512 * 1024;
const HEAD_BYTES = 64 * 1024;
/** Past this size the decisions are not counted: status must answer at once, whatever the trace. */
const COUNT_MAX_BYTES = 128 * 1024 * 1024;
const CHUNK_BYTES = 1024 * 1024;
const DECISION_MARK = `"type":"${recordType(EV.DECISION_LOGGED)}"`;

interface SymbolTail {
  state: string | null;
  /** Wall-clock ms of the last accepted event (a heartbeat's or breach's time less its age). */
  dataAtMs: number | null;
  lagMs: number | null;
  stale: boolean;
  lastDecision: { action: string; confidence: number; latency_ms: number; atMs: number } | null;
  /** Decisions in the whole trace; null when it is too large to count. */
  decisions: number | null;
  position: number | null;
}

interface TraceTail {
  runId: string | null;
  symbols: Map<string, SymbolTail>;
  rss: { bytes: number; atMs: number } | null;
  feedConnected: boolean | null;
  killSwitchHalted: boolean | null;
  stopped: boolean;
  /** True when the tail did not reach the start of the file. */
  partial: boolean;
  /** False when the trace was too large to count its decisions. */
  counted: boolean;
}

export type Rec = Record<string, unknown>;
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export function readTraceTail(path: string): TraceTail {
  const ends = readTraceEnds(path);
  const out: TraceTail = { runId: null, symbols: new Map(), rss: null, feedConnected: null, killSwitchHalted: null, stopped: false, partial: ends.partial, counted: ends.counts !== undefined };
  const run = ends.first;
  if (run?.type === 'run') {
    out.runId = str(run.run_id);
    if (Array.isArray(run.symbols)) for (const s of run.symbols) if (typeof s === 'string') symbolOf(out, s);
  }
  for (const r of ends.records) fold(out, r);
  for (const [symbol, s] of out.symbols) s.decisions = ends.counts ? (ends.counts.get(symbol) ?? 0) : null;
  return out;
}

/**
 * A trace's first record (the run record) and the records of its last TAIL_BYTES, in file order;
 * with `countDecisions`, its decisions per symbol (undefined for a trace too large to count).
 * Also `trader status`'s reader of an ingest's trace.
 */
export function readTraceEnds(path: string, countDecisionsToo = true): { first: Rec | undefined; records: Rec[]; partial: boolean; counts: Map<string, number> | undefined } {
  const fd = openSync(path, 'r');
  let head: string;
  let tail: string;
  let partial: boolean;
  let counts: Map<string, number> | undefined;
  try {
    const size = fstatSync(fd).size;
    counts = countDecisionsToo && size <= COUNT_MAX_BYTES ? countDecisions(fd, size) : undefined;
    head = readAt(fd, 0, Math.min(size, HEAD_BYTES));
    const from = Math.max(0, size - TAIL_BYTES);
    partial = from > 0;
    tail = readAt(fd, from, size - from);
    // A tail that starts mid-line: its first piece is not a record.
    if (partial) tail = tail.slice(tail.indexOf('\n') + 1);
  } finally {
    closeSync(fd);
  }
  const records: Rec[] = [];
  for (const line of tail.split('\n')) {
    const r = parse(line);
    if (r) records.push(r);
  }
  return { first: parse(head.split('\n')[0] ?? ''), records, partial, counts };
}

/**
 * Decision records per symbol, by a scan for their `"type":"decision"` (the writer's canonical
 * JSON has no spaces) and the first `"symbol":"…"` on the line (the record's own or its inputs':
 * the same symbol). A cut last line is not counted.
 */
function countDecisions(fd: number, size: number): Map<string, number> {
  const counts = new Map<string, number>();
  let carry = '';
  for (let at = 0; at < size; at += CHUNK_BYTES) {
    const text = carry + readAt(fd, at, Math.min(CHUNK_BYTES, size - at));
    const lines = text.split('\n');
    carry = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.includes(DECISION_MARK)) continue;
      const symbol = /"symbol":"([^"]+)"/.exec(line)?.[1];
      if (symbol !== undefined) counts.set(symbol, (counts.get(symbol) ?? 0) + 1);
    }
  }
  return counts;
}

function readAt(fd: number, position: number, length: number): string {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got).toString('utf8');
}

function parse(line: string): Rec | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const r = JSON.parse(line) as unknown;
    return typeof r === 'object' && r !== null && !Array.isArray(r) ? (r as Rec) : undefined;
  } catch {
    return undefined; // the last line of a trace being written may be cut
  }
}

function symbolOf(out: TraceTail, symbol: string): SymbolTail {
  let s = out.symbols.get(symbol);
  if (!s) {
    s = { state: null, dataAtMs: null, lagMs: null, stale: false, lastDecision: null, decisions: null, position: null };
    out.symbols.set(symbol, s);
  }
  return s;
}

/** What a record says of the feed's connection: true (connected), false (lost), undefined (nothing). */
export function feedConnection(r: Rec): boolean | undefined {
  if (r.event === EV.FEED_CONNECTED || r.event === EV.RECONNECT_SUCCESS) return true;
  return r.event === EV.WEBSOCKET_DISCONNECT ? false : undefined;
}

function fold(out: TraceTail, r: Rec): void {
  const atMs = Date.parse(str(r.ts) ?? '');
  const symbol = str(r.symbol);
  out.feedConnected = feedConnection(r) ?? out.feedConnected;
  switch (r.event) {
    case EV.HEARTBEAT_OK:
    case EV.HEARTBEAT_DEGRADED: {
      if (symbol === null) return;
      const s = symbolOf(out, symbol);
      const age = num(r.last_update_ms);
      s.dataAtMs = age === null ? s.dataAtMs : atMs - age;
      s.lagMs = num(r.lag_ms);
      s.state = str(r.state);
      s.stale = false;
      return;
    }
    case EV.HEARTBEAT_NO_DATA:
      if (symbol !== null) symbolOf(out, symbol).state = str(r.state);
      return;
    case EV.STALENESS_BREACH: {
      if (symbol === null) return;
      const s = symbolOf(out, symbol);
      s.stale = true;
      s.state = 'HALTED';
      const age = num(r.age_ms);
      if (r.last_update_ms !== null && age !== null) s.dataAtMs = atMs - age;
      return;
    }
    case EV.STALENESS_RECOVERED:
      if (symbol !== null) symbolOf(out, symbol).stale = false;
      return;
    case EV.DECISION_LOGGED:
      if (symbol !== null) symbolOf(out, symbol).lastDecision = { action: str(r.action) ?? '?', confidence: num(r.confidence) ?? 0, latency_ms: num(r.latency_ms) ?? 0, atMs };
      return;
    case EV.ORDER_FILLED:
      if (symbol !== null) symbolOf(out, symbol).position = num(r.position);
      return;
    case EV.SYMBOL_ADDED:
      if (symbol !== null) symbolOf(out, symbol);
      return;
    case EV.SYMBOL_REMOVED:
      if (symbol !== null) out.symbols.delete(symbol);
      return;
    case EV.MEMORY_SAMPLE: {
      const rss = num(r.rss);
      if (rss !== null) out.rss = { bytes: rss, atMs };
      return;
    }
    case EV.KILL_SWITCH_DETECTED:
      out.killSwitchHalted = true;
      return;
    case EV.TRADING_RESUMED:
      out.killSwitchHalted = false;
      return;
    case EV.RUN_STOPPED:
      out.stopped = true;
      return;
    default:
      return;
  }
}
