/**
 * What a forger does to a run's files, for the tamper tests: edit records, then (if they can)
 * re-chain the trace — with the run's key, or without it — and rewrite the log from the forged
 * trace exactly as the journal would. Uses the product's own formulas: the forger is assumed to
 * know the algorithm, just not the key.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { chainStep, GENESIS } from '../../src/trace/chain.js';
import { timeOfDayFormatter } from '../../src/trace/clock-format.js';
import { canonicalJson } from '../../src/util/canonical.js';

export type TraceRecords = Array<Record<string, unknown>>;

export const readRecords = (path: string): TraceRecords =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

export function writeRecords(path: string, records: TraceRecords): void {
  writeFileSync(path, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

/** Renumbers and re-chains every record (and RUN_STOPPED's seal and text), keyed or not; sets the run record's `chain` to match. */
export function rechain(records: TraceRecords, key: string | undefined, label: 'sha256' | 'hmac-sha256' = key === undefined ? 'sha256' : 'hmac-sha256'): void {
  let prev = GENESIS;
  records.forEach((r, i) => {
    delete r.rec_chain;
    if (i === 0) r.chain = label;
    if (r.event === 'RUN_STOPPED') {
      r.chain_head = prev;
      r.chain_records = i;
      r.msg = String(r.msg).replace(/chain_records=\d+ chain_head=[0-9a-f]+/, `chain_records=${i} chain_head=${prev}`);
    }
    r.rec_seq = i + 1;
    prev = chainStep(key, prev, canonicalJson(r));
    r.rec_chain = prev;
  });
}

const LEVELS = ['debug', 'info', 'warn', 'error'];

/** The text log the journal would have written for these records. */
export function renderTextLog(records: TraceRecords): string {
  const run = records[0] as { timezone: string; log_level: string };
  const stamp = timeOfDayFormatter(run.timezone);
  const min = LEVELS.indexOf(run.log_level);
  const lines: string[] = [];
  for (const r of records.slice(1)) {
    const level = typeof r.level === 'string' ? r.level : 'info';
    if (LEVELS.indexOf(level) < min) continue;
    lines.push(`[${stamp(Date.parse(String(r.ts)))}] ${level === 'info' ? '' : `${level.toUpperCase()} `}${String(r.msg)}`);
  }
  return lines.join('\n') + '\n';
}
