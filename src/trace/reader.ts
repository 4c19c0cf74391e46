/**
 * Streaming trace reader shared by validate, report and any tool that reads a trace: constant
 * memory whatever the size, the run record checked first with the writer's schema, a cut last
 * line (a killed run) reported and tolerated, anything else that does not parse refused.
 */
import { createReadStream, statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { inputError } from '../errors.js';
import { runRecordSchema, type RunRecord } from './schema.js';

export interface TraceScan {
  run: RunRecord;
  records: number;
  /** The last line did not parse: the writing run was killed mid-line. */
  cutLastLine: boolean;
}

export type TraceRecord = Record<string, unknown> & { type: string };

/**
 * Reads the run record, hands it to `start`, then calls what `start` returned for every later
 * record in file order, with the record's raw line.
 */
export async function scanTrace(path: string, start: (run: RunRecord) => (record: TraceRecord, line: number, raw: string) => void): Promise<TraceScan> {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat?.isFile()) throw inputError(`${path}: no such trace file`);
  let run: RunRecord | undefined;
  let onRecord: ((record: TraceRecord, line: number, raw: string) => void) | undefined;
  let lineNo = 0;
  let records = 0;
  let pending: string | undefined;
  let pendingNo = 0;
  const handle = (text: string, n: number, last: boolean): boolean => {
    if (text === '') return true;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      if (!run) throw inputError(`${path}: not a trader trace (line 1 is not JSON)`);
      if (last) return false;
      throw inputError(`${path}:${n}: not a JSON record (the trace is corrupt in the middle, not just cut at the end)`);
    }
    if (!run) {
      const parsed = runRecordSchema.safeParse(value);
      if (!parsed.success) throw inputError(`${path}: not a trader trace (line 1 is not a run record: ${parsed.error.issues[0]?.path.join('.') || 'type'}: ${parsed.error.issues[0]?.message ?? ''})`);
      run = parsed.data;
      onRecord = start(run);
      return true;
    }
    if (value === null || typeof value !== 'object' || typeof (value as { type?: unknown }).type !== 'string') {
      throw inputError(`${path}:${n}: a record without a "type"`);
    }
    records += 1;
    onRecord?.(value as TraceRecord, n, text);
    return true;
  };
  await forEachLine(path, (line) => {
    lineNo += 1;
    if (pending !== undefined) handle(pending, pendingNo, false);
    pending = line;
    pendingNo = lineNo;
  });
  const cutLastLine = pending !== undefined && !handle(pending, pendingNo, true);
  if (!run) throw inputError(`${path}: not a trader trace (empty file)`);
  return { run, records, cutLastLine };
}

/**
 * Calls `onLine` for each line of a file, streamed in 1 MiB chunks and split with indexOf, with no
 * await per line: several times cheaper than node:readline on large traces, and memory stays at
 * one chunk plus one line.
 */
async function forEachLine(path: string, onLine: (line: string) => void): Promise<void> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const text = rest + decoder.write(chunk as Buffer);
    let from = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
      onLine(text.charCodeAt(nl - 1) === 13 ? text.slice(from, nl - 1) : text.slice(from, nl));
      from = nl + 1;
    }
    rest = text.slice(from);
  }
  rest += decoder.end();
  if (rest !== '') onLine(rest);
}
