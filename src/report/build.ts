/** Assembles the report object (the JSON at --output) from the collected figures. */
import { summarizeInPlace, round } from '../util/stats.js';
import type { DeterminismResult } from '../validate/determinism.js';
import type { ReportCollector } from './collect.js';
import type { Evidence } from './evidence.js';
import type { Criterion, CriterionId, Report } from './schema.js';
import { TRADER_VERSION } from '../version.js';

export interface BuildInputs {
  c: ReportCollector;
  determinism: DeterminismResult;
  evidence: Evidence;
  matrix: { criteria: Criterion[]; decision: 'GO' | 'NO-GO'; reasons: string[] };
  errors: { count: number; first: string[] };
  paths: { log: string; trace: string; smoke: string | null };
  cutLastLine: boolean;
  waive: CriterionId[];
}

const lat = (values: Float64Array): Report['latency_ms'] => {
  const s = summarizeInPlace(values);
  return { count: s.count, avg: round(s.avg, 3), p50: round(s.p50, 3), p95: round(s.p95, 3), p99: round(s.p99, 3), max: round(s.max, 3) };
};

export function buildReport({ c, determinism, evidence, matrix, errors, paths, cutLastLine, waive }: BuildInputs): Report {
  const run = c.run;
  const trend = c.memory.trend();
  const per: Report['per_symbol'] = {};
  for (const [symbol, f] of c.symbols) {
    per[symbol] = {
      decisions: f.decisions,
      actions: f.actions,
      latency_ms: lat(c.latencies(symbol)),
      lag_ms: { avg: f.lagCount ? round(f.lagSum / f.lagCount, 2) : 0, max: round(f.lagMax, 2) },
      staleness_windows: f.staleness,
      orders: f.orders,
      inconsistencies: determinism.symbols.find((s) => s.symbol === symbol)?.inconsistencies ?? 0,
    };
  }
  const started = Date.parse(run.started_at);
  return {
    report_version: 1,
    generated_at: new Date().toISOString(),
    trader_version: TRADER_VERSION,
    inputs: { ...paths, cut_last_line: cutLastLine },
    run: {
      run_id: run.run_id,
      started_at: run.started_at,
      ended_at: c.endedAt,
      duration_s: c.endedAt ? round((Date.parse(c.endedAt) - started) / 1000, 1) : null,
      symbols: [...c.symbols.keys()],
      flags: run.flags,
      strategy: `${run.strategy.name}@${run.strategy.version}`,
      config_digest: run.config.digest,
    },
    decision: matrix.decision,
    reasons: matrix.reasons,
    waived: waive.filter((id) => matrix.criteria.some((r) => r.id === id && r.status === 'WAIVED')),
    criteria: matrix.criteria,
    latency_ms: lat(c.latencies()),
    per_symbol: per,
    kill_switch: { detected_at: c.killSwitch.detectedAt, detection_delay_ms: c.killSwitch.delayMs, present_at_start: c.killSwitch.presentAtStart, verified: c.killSwitch.episodes.length > 0 && c.killSwitch.episodes.every((e) => e.verified), detections: c.killSwitch.episodes.length, probes: c.killSwitch.probes, orders_after_halt: c.killSwitch.ordersAfter, rejected_after_halt: c.killSwitch.rejectedAfter, resumed_at: c.killSwitch.resumedAt },
    reconnects: c.disconnects.map((d) => ({ disconnected_at: d.at, recovered_at: d.recoveredAt, how: d.how, downtime_ms: d.downtimeMs })),
    memory: { figure: 'retained_after_gc', samples: c.memorySamples, segments: trend ? trend.current.segment + 1 : 0, baseline_retained: trend?.worst.baselineRetained ?? null, last_retained: trend?.worst.latestRetained ?? null, growth: trend ? round(trend.worst.growth, 5) : null, slope_bytes_per_min: trend ? Math.round(trend.worst.slopeBytesPerMin) : null, baseline_rss: trend?.baselineRss ?? null, last_rss: trend?.latestRss ?? null, rss_growth: trend ? round(trend.rssGrowth, 5) : null, rss_slope_bytes_per_min: trend ? Math.round(trend.rssSlopeBytesPerMin) : null },
    errors,
    evidence: {
      pass: evidence.pass,
      chain: { pass: evidence.chain.pass, text: evidence.chain.text, algo: run.chain ?? null, keyed: evidence.chain.keyed, records: evidence.chain.records, head: evidence.chain.head, first_broken_line: evidence.chain.line, sealed: evidence.chain.sealed },
      log: { pass: evidence.log.pass, format: run.log_format ?? null, level: run.log_level ?? null, matched: evidence.log.matched, first_mismatch: evidence.log.mismatch },
      figures: evidence.figures,
    },
  };
}
