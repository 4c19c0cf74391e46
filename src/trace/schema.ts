/**
 * The trace's record shapes, defined once: the runner writes them and the offline commands
 * (validate, report, replay) read them with these same schemas.
 *
 * Every record has `type`, `ts` (ISO wall clock) and, for log events, `event` and `msg` (the log
 * line's text without its time stamp). The first record is the run record.
 */
import { z } from 'zod';
import { EV } from '../core/events.js';

export const TRACE_SCHEMA_VERSION = 1;

const bar = z.strictObject({
  start: z.number(),
  end: z.number(),
  open: z.number(),
  high: z.number(),
  low: z.number(),
  close: z.number(),
  volume: z.number(),
  vwap: z.number(),
  trades: z.number(),
  quotes: z.number(),
});

const decisionInputsSchema = z.strictObject({
  symbol: z.string(),
  bars: z.array(bar),
  session_vwap: z.number(),
  session_volume: z.number(),
  quote: z.strictObject({ bid: z.number(), ask: z.number() }).nullable(),
});

export const runRecordSchema = z.object({
  type: z.literal('run'),
  ts: z.string(),
  schema_version: z.number().int(),
  trader_version: z.string(),
  run_id: z.string(),
  pid: z.number().int(),
  started_at: z.string(),
  command: z.enum(['run', 'replay', 'ingest']),
  config: z.object({ path: z.string(), digest: z.string() }),
  /**
   * What re-executes the decisions. Traces from before plug-ins have name, version and params
   * only: they were written by the built-in (kind absent = builtin).
   */
  strategy: z.object({
    kind: z.enum(['builtin', 'module', 'command']).optional(),
    name: z.string(),
    version: z.string(),
    params: z.record(z.string(), z.number()),
    /** sha256 of the module or of the command's script file(s); null for the built-in. */
    digest: z.string().nullable().optional(),
    /** The module path or the command, as configured (relative to base_dir). */
    source: z.union([z.string(), z.array(z.string())]).optional(),
    /** The absolute directory the run resolved `source` from (its working directory). */
    base_dir: z.string().optional(),
    /** decide()'s time budget in the run, ms; null when the strategy's default. */
    budget_ms: z.number().nullable().optional(),
  }),
  bar_interval_ms: z.number(),
  symbols: z.array(z.string()),
  flags: z.object({ FLAG_MULTI_SYMBOL: z.boolean(), FLAG_REALTIME: z.boolean(), STAGING_MODE: z.boolean() }),
  feed: z.object({ venue: z.string(), url: z.string().optional() }),
  timezone: z.string(),
  thresholds: z.object({ max_lag_ms: z.number(), max_positions: z.number(), kill_switch_file: z.string() }),
  /** How the records are chained (chain.ts); absent in traces written before the chain existed. */
  chain: z.enum(['sha256', 'hmac-sha256']).optional(),
  /** The log the run wrote beside the trace: the records at or above this level, in this format. */
  log_level: z.enum(['debug', 'info', 'warn', 'error']).optional(),
  log_format: z.enum(['text', 'json']).optional(),
  /**
   * `trader run --shard i/N` (cluster/partition.ts): this run's 1-based index of `count` shards, how
   * symbols are partitioned, and the whole symbol list every shard was given (this run kept those it
   * owns). null when unsharded; absent in traces written before shards existed.
   */
  shard: z.object({ index: z.number().int(), count: z.number().int(), partition: z.literal('fnv1a32'), symbols_all: z.array(z.string()) }).nullable().optional(),
});

export const decisionRecordSchema = z.object({
  type: z.literal('decision'),
  ts: z.string(),
  event: z.literal(EV.DECISION_LOGGED),
  msg: z.string(),
  symbol: z.string(),
  action: z.enum(['BUY', 'SELL', 'HOLD']),
  confidence: z.number(),
  latency_ms: z.number(),
  processing_us: z.number(),
  bar_start: z.number(),
  bar_end: z.number(),
  trigger_seq: z.number(),
  trigger_ts: z.number(),
  inputs: decisionInputsSchema,
  inputs_digest: z.string(),
  output_digest: z.string(),
  /** The bar may miss data (a sequence gap or a disconnect inside or just before it). */
  data_gap: z.boolean().optional(),
  /** The strategy's explanation, when it gave one (part of the output: in output_digest). */
  reason: z.string().optional(),
});

export type RunRecord = z.infer<typeof runRecordSchema>;
export type DecisionRecord = z.infer<typeof decisionRecordSchema>;

/** The trace `type` of a log event: the event name in lower case, decisions being `decision`. */
export function recordType(event: string): string {
  return event === EV.DECISION_LOGGED ? 'decision' : event.toLowerCase();
}

/** Any record after the run record, as the offline readers see it before a closer look. */
export type TraceRecord = Record<string, unknown> & { type: string };
