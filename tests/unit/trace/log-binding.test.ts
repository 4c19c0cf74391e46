/**
 * The log bound to the trace: records rendered as the journal renders them (real Journal output in
 * a temp dir), compared line by line with a log file, the first disagreement named file:line.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LogBinder } from '../../../src/report/log-binding.js';
import { Journal } from '../../../src/trace/journal.js';
import { EV } from '../../../src/core/events.js';
import { LogRenderer } from '../../../src/trace/log-render.js';
import type { TraceRecord } from '../../../src/trace/schema.js';
import { tempDir } from '../../helpers/cli.js';

/** A journal's real files: three events and a decision, a debug line below the log level. */
function journalFiles(format: 'text' | 'json'): { dir: string; log: string; records: TraceRecord[] } {
  const dir = tempDir('trader-bind-');
  const log = join(dir, 'run.log');
  const trace = join(dir, 'trace.jsonl');
  let now = Date.UTC(2025, 7, 25, 13, 30, 0, 500);
  const journal = new Journal({ logPath: log, tracePath: trace, logFormat: format, logLevel: 'info', timezone: 'America/New_York', now: () => now });
  journal.write({ name: EV.RUN_STARTED, run_id: '11111111-2222-3333-4444-555555555555', pid: 1, symbols: ['SPY'], flags: { FLAG_MULTI_SYMBOL: true, FLAG_REALTIME: true, STAGING_MODE: true }, kill_switch: '/tmp/HALT', feed: 'replay', fallback: undefined, strategy: 'vwap_momentum@1', bar_interval: '1m' });
  now += 1000;
  journal.write({ name: EV.MEMORY_SAMPLE, rss: 1, heap_used: 1, external: 1, retained: 2, after_gc: false, trend: null });
  journal.write({ name: EV.SEQUENCE_GAP, symbol: 'SPY', total: 1, suppressed: 0, detail: { expected: 2, received: 4, missing: 2 } });
  journal.write({ name: EV.DECISION_LOGGED, record: { msg: 'DECISION_LOGGED: symbol=SPY confidence=0.65 latency=12ms action=BUY', symbol: 'SPY', action: 'BUY', confidence: 0.65, latency_ms: 12, processing_us: 1, bar_start: 0, bar_end: 1, trigger_seq: 1, trigger_ts: now - 12, inputs: { bars: [], quote: null, session_volume: 0, session_vwap: 0, symbol: 'SPY' }, inputs_digest: 'x', output_digest: 'y' }, now });
  now += 1000;
  journal.write({ name: EV.FEED_PARSE_ERROR, issue: { kind: 'bad_json', detail: 'x' }, total: 1, suppressed: 0, by_kind: { bad_json: 1 } });
  journal.close();
  const records = readFileSync(trace, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TraceRecord);
  return { dir, log, records };
}

function bind(log: string, records: TraceRecord[], format: 'text' | 'json') {
  const renderer = new LogRenderer({ level: 'info', format, timezone: 'America/New_York' });
  records.forEach((r, i) => renderer.add(r, i + 1));
  const binder = new LogBinder(log, 'trace.jsonl', format, '11111111-2222-3333-4444-555555555555');
  binder.merge(renderer.finish(), 0);
  return binder.finish();
}

describe('log ↔ trace binding', () => {
  for (const format of ['text', 'json'] as const) {
    it(`a ${format} log the journal wrote is its trace's rendering, line for line`, () => {
      const { log, records } = journalFiles(format);
      expect(bind(log, records, format)).toEqual({ pass: true, matched: 4, mismatch: null });
    });

    it(`the same read of a ${format} log counts its ERROR/EXCEPTION lines as grep does, to the end even past a mismatch`, () => {
      const { dir, log, records } = journalFiles(format);
      const errorLine = readFileSync(log, 'utf8').split('\n').find((l) => l.includes('FEED_PARSE_ERROR')) as string;
      const renderer = new LogRenderer({ level: 'info', format, timezone: 'America/New_York' });
      records.forEach((r, i) => renderer.add(r, i + 1));
      const binder = new LogBinder(log, 'trace.jsonl', format, '11111111-2222-3333-4444-555555555555');
      binder.merge(renderer.finish(), 0);
      expect(binder.finish().pass).toBe(true);
      expect(binder.errors()).toEqual({ count: 1, first: [errorLine] });
      // Bound to another trace (the first line differs), the log is still read to its end for the count.
      const other = join(dir, 'other.log');
      writeFileSync(other, `first line\n${readFileSync(log, 'utf8')}EXCEPTION at the end\n`);
      const misbound = new LogBinder(other, 'trace.jsonl', format, '11111111-2222-3333-4444-555555555555');
      const again = new LogRenderer({ level: 'info', format, timezone: 'America/New_York' });
      records.forEach((r, i) => again.add(r, i + 1));
      misbound.merge(again.finish(), 0);
      expect(misbound.finish().pass).toBe(false);
      expect(misbound.errors()).toEqual({ count: 2, first: [errorLine, 'EXCEPTION at the end'] });
    });

    it(`a ${format} log edited, cut or extended is named at its first disagreeing line`, () => {
      const { dir, log, records } = journalFiles(format);
      const lines = readFileSync(log, 'utf8').split('\n').slice(0, -1);
      const write = (name: string, ls: string[]): string => {
        const path = join(dir, name);
        writeFileSync(path, ls.length ? `${ls.join('\n')}\n` : '');
        return path;
      };
      const edited = write('edited.log', lines.map((l, i) => (i === 2 ? l.replace('0.65', '0.99') : l)));
      expect(bind(edited, records, format).mismatch).toMatch(new RegExp(`^${edited}:3: differs from the trace: found .*, trace.jsonl:\\d+ renders`));
      const cut = write('cut.log', lines.slice(0, 2));
      expect(bind(cut, records, format).mismatch).toMatch(new RegExp(`^${cut}:3: the log ends, but trace.jsonl:\\d+ is a logged record`));
      const extra = write('extra.log', [...lines, lines[1] as string]);
      expect(bind(extra, records, format).mismatch).toMatch(new RegExp(`^${extra}:5: a line the trace does not have`));
      const empty = write('empty.log', []);
      expect(bind(empty, records, format).mismatch).toMatch(new RegExp(`^${empty}:1: the log ends`));
      const foreign = write('foreign.log', lines.map((l, i) => (i === 0 ? l.replace('11111111-2222', '99999999-2222') : l)));
      expect(bind(foreign, records, format).mismatch).toMatch(/foreign\.log:1: another run's log \(its RUN_STARTED has run_id 99999999-2222/);
    });
  }
});
