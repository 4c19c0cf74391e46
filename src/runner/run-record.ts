import { randomUUID } from 'node:crypto';
import type { Config } from '../config/schema.js';
import type { Flags } from '../config/flags.js';
import { STRATEGY } from '../engine/strategy.js';
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
    strategy: { name: STRATEGY.name, version: STRATEGY.version, params: { ...config.decision.strategy.params } },
    bar_interval_ms: config.decision.bar_interval,
    symbols: run.symbols,
    flags: run.flags,
    feed: { venue: run.venue, url: run.url },
    timezone: config.timezone,
    thresholds: { max_lag_ms: config.staleness.max_lag, max_positions: config.max_positions, kill_switch_file: run.killSwitchFile },
  };
}
