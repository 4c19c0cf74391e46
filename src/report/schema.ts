/** The report JSON written to --output: its shape, checked by the tests and documented in README. */
import { z } from 'zod';

/** shards_complete and shard_partition are rows of a report over a sharded run's traces only. */
export const CRITERIA = ['run_complete', 'evidence', 'staleness', 'determinism', 'latency', 'kill_switch', 'errors', 'reconnects', 'memory', 'smoke', 'shards_complete', 'shard_partition'] as const;
export type CriterionId = (typeof CRITERIA)[number];

const latency = z.object({ count: z.number(), avg: z.number(), p50: z.number(), p95: z.number(), p99: z.number(), max: z.number() });

const criterionSchema = z.object({
  id: z.enum(CRITERIA),
  title: z.string(),
  threshold: z.string(),
  observed: z.string(),
  status: z.enum(['PASS', 'FAIL', 'NOT_EXERCISED', 'WAIVED']),
});

export const reportSchema = z.object({
  report_version: z.literal(1),
  generated_at: z.string(),
  trader_version: z.string(),
  inputs: z.object({ log: z.string(), trace: z.string(), smoke: z.string().nullable(), cut_last_line: z.boolean() }),
  run: z.object({ run_id: z.string(), started_at: z.string(), ended_at: z.string().nullable(), duration_s: z.number().nullable(), symbols: z.array(z.string()), flags: z.record(z.string(), z.boolean()), strategy: z.string(), config_digest: z.string() }),
  decision: z.enum(['GO', 'NO-GO']),
  reasons: z.array(z.string()),
  waived: z.array(z.enum(CRITERIA)),
  criteria: z.array(criterionSchema),
  latency_ms: latency,
  per_symbol: z.record(
    z.string(),
    z.object({
      decisions: z.number(),
      actions: z.object({ BUY: z.number(), SELL: z.number(), HOLD: z.number() }),
      latency_ms: latency,
      lag_ms: z.object({ avg: z.number(), max: z.number() }),
      staleness_windows: z.array(z.object({ from: z.string(), to: z.string().nullable() })),
      orders: z.object({ submitted: z.number(), filled: z.number(), rejected: z.number() }),
      inconsistencies: z.number(),
    }),
  ),
  kill_switch: z.object({
    detected_at: z.string().nullable(),
    detection_delay_ms: z.number().nullable(),
    present_at_start: z.boolean(),
    /** Every detection was followed by KILL_SWITCH_VERIFIED (a probe refused reason=TRADING_HALTED). */
    verified: z.boolean(),
    detections: z.number(),
    /** Probe orders the runner sent through the gate (never to the broker); not in per_symbol orders. */
    probes: z.number(),
    orders_after_halt: z.number(),
    rejected_after_halt: z.number(),
    resumed_at: z.string().nullable(),
  }),
  reconnects: z.array(z.object({ disconnected_at: z.string(), recovered_at: z.string().nullable(), how: z.string().nullable(), downtime_ms: z.number().nullable() })),
  memory: z.object({
    /** The judged figure: heap used + external memory right after a full GC. */
    figure: z.literal('retained_after_gc'),
    samples: z.number(),
    /** 1 + the number of SYMBOL_ADDED re-baselines. */
    segments: z.number(),
    /** Baseline, last value, growth and slope of the retained figure in the worst segment (the one judged). */
    baseline_retained: z.number().nullable(),
    last_retained: z.number().nullable(),
    growth: z.number().nullable(),
    slope_bytes_per_min: z.number().nullable(),
    /** RSS over the whole post-warm-up run: shown, not judged. */
    baseline_rss: z.number().nullable(),
    last_rss: z.number().nullable(),
    rss_growth: z.number().nullable(),
    rss_slope_bytes_per_min: z.number().nullable(),
  }),
  errors: z.object({ count: z.number(), first: z.array(z.string()) }),
  /** What the evidence row checked (README "The report"). */
  evidence: z.object({
    pass: z.boolean(),
    chain: z.object({
      pass: z.boolean(),
      text: z.string(),
      algo: z.enum(['sha256', 'hmac-sha256']).nullable(),
      keyed: z.boolean(),
      records: z.number().nullable(),
      head: z.string().nullable(),
      first_broken_line: z.number().nullable(),
      sealed: z.object({ head: z.string(), records: z.number() }).nullable(),
    }),
    log: z.object({ pass: z.boolean(), format: z.enum(['text', 'json']).nullable(), level: z.string().nullable(), matched: z.number(), first_mismatch: z.string().nullable() }),
    figures: z.object({ pass: z.boolean(), issues: z.array(z.string()) }),
  }),
  /** A report over a sharded run's traces: each shard's own files and verdict (absent for one trace). */
  shards: z
    .array(
      z.object({
        index: z.number(),
        count: z.number(),
        trace: z.string(),
        log: z.string(),
        run_id: z.string(),
        pid: z.number(),
        symbols: z.array(z.string()),
        /** The shard judged alone (its own matrix): a NOT_EXERCISED row there may pass over all shards. */
        decision: z.enum(['GO', 'NO-GO']),
        failed: z.array(z.string()),
        chain: z.object({ pass: z.boolean(), text: z.string(), records: z.number().nullable(), head: z.string().nullable() }),
      }),
    )
    .optional(),
});

export type Report = z.infer<typeof reportSchema>;
export type Criterion = z.infer<typeof criterionSchema>;
