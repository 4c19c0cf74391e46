import { randomUUID } from 'node:crypto';
import type { Config } from '../config/schema.js';
import type { Flags } from '../config/flags.js';
import type { Strategy } from '../strategy/types.js';
import type { RunRecordBase } from '../trace/journal.js';
import { TRACE_SCHEMA_VERSION } from '../trace/schema.js';
import { TRADER_VERSION } from '../version.js';

export interface RunDescription {
  command: RunRecordBase['command'];
  config: Config;
  configPath: string;
  configDigest: string;
  symbols: string[];
  flags: Flags;
  venue: string;
  url: string;
  killSwitchFile: string;
  startMs: number;
  strategy: Strategy;
  /** The absolute directory the strategy's module or command was resolved from. */
  strategyBaseDir: string;
  /** `--shard i/N`: the run record's shard field (null when unsharded). */
  shard?: RunRecordBase['shard'];
}

/** The trace's first record: everything needed to re-execute and judge the run offline. */
export function buildRunRecord(run: RunDescription): RunRecordBase {
  const { config } = run;
  const started = new Date(run.startMs).toISOString();
  return {
    type: 'run',
    ts: started,
    schema_version: TRACE_SCHEMA_VERSION,
    trader_version: TRADER_VERSION,
    run_id: randomUUID(),
    pid: process.pid,
    started_at: started,
    command: run.command,
    config: { path: run.configPath, digest: run.configDigest },
    strategy: strategyRecord(run.strategy, run.strategyBaseDir, run.config.decision.strategy.budget),
    bar_interval_ms: config.decision.bar_interval,
    symbols: run.symbols,
    flags: run.flags,
    feed: { venue: run.venue, url: run.url },
    timezone: config.timezone,
    thresholds: { max_lag_ms: config.staleness.max_lag, max_positions: config.max_positions, kill_switch_file: run.killSwitchFile },
    shard: run.shard ?? null,
  };
}

/**
 * The strategy as offline tools need it to re-execute the same code and refuse a changed file
 * (the run record's, and a --record capture's header, from which `trader replay` loads it).
 */
export function strategyRecord(strategy: Strategy, baseDir: string, budgetMs: number | undefined): RunRecordBase['strategy'] {
  const { identity, params } = strategy;
  return {
    kind: identity.kind,
    name: identity.name,
    version: identity.version,
    params: { ...params },
    digest: identity.digest,
    source: Array.isArray(identity.source) ? [...identity.source] : identity.source,
    base_dir: baseDir,
    budget_ms: budgetMs ?? null,
  };
}
