/**
 * One chunk of a trace (whole lines, as bytes), read and checked on its own: the per-record work
 * of validate and report (JSON.parse, re-execution, digests, per-symbol sums) that can run on any
 * core. What needs earlier records is left to the ordered merge (see scan.ts).
 */
import { isAscii } from 'node:buffer';
import { FigureChunk, type ChunkFigures } from '../report/chunk-figures.js';
import type { RunRecord, TraceRecord } from '../trace/schema.js';
import { ChunkChecker, inputsBounds, type CheckerOptions, type ChunkDeterminism } from '../validate/determinism.js';

export interface ChunkTask {
  run: RunRecord;
  checker: CheckerOptions;
  /** Gather the report's figures too. */
  figures: boolean;
}

/** The first line that is not a record; reading stopped there. */
export interface BadLine {
  line: number;
  kind: 'json' | 'type';
  /** Nothing but blank lines follows it in the chunk. */
  lastLine: boolean;
}

export interface ChunkResult {
  /** Lines in the chunk, blank ones included: the next chunk's line numbers start after them. */
  lines: number;
  determinism: ChunkDeterminism;
  figures: ChunkFigures | null;
  bad: BadLine | null;
}

export function scanChunk(task: ChunkTask, bytes: Uint8Array): ChunkResult {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Traces are nearly always ASCII, where the ascii decoder gives the same text several times faster.
  const text = buffer.toString(isAscii(buffer) ? 'ascii' : 'utf8');
  const checker = new ChunkChecker(task.run, task.checker);
  const figures = task.figures ? new FigureChunk() : undefined;
  let lines = 0;
  let bad: BadLine | null = null;
  let from = 0;
  while (from < text.length) {
    let nl = text.indexOf('\n', from);
    if (nl < 0) nl = text.length;
    lines += 1;
    const raw = text.charCodeAt(nl - 1) === 13 ? text.slice(from, nl - 1) : text.slice(from, nl);
    from = nl + 1;
    if (raw === '') continue;
    let value: unknown;
    const light = task.checker.digestsOnly && raw.startsWith(DECISION_START) ? parseAroundInputs(raw) : undefined;
    try {
      value = light?.record ?? JSON.parse(raw);
    } catch {
      bad = { line: lines, kind: 'json', lastLine: text.slice(from).trim() === '' };
      break;
    }
    if (value === null || typeof value !== 'object' || typeof (value as { type?: unknown }).type !== 'string') {
      bad = { line: lines, kind: 'type', lastLine: false };
      break;
    }
    checker.add(value as TraceRecord, lines, raw, light?.inputsText);
    figures?.add(value as TraceRecord, raw);
  }
  return { lines, determinism: checker.finish(), figures: figures?.finish() ?? null, bad };
}

const DECISION_START = '{"type":"decision",';

/**
 * A decision line parsed with its inputs (most of its numbers) left as text, when only digests are
 * checked: the inputs are cut out between `"inputs":` and `,"inputs_digest":` and the rest must
 * parse with the placeholder landing on the top-level `inputs` key. A key inside a string cannot
 * match (its quotes are escaped), so anything unexpected fails that test and is parsed whole.
 */
function parseAroundInputs(raw: string): { record: TraceRecord; inputsText: string } | undefined {
  const at = inputsBounds(raw);
  if (at === undefined) return undefined;
  const [start, end] = at;
  try {
    const record = JSON.parse(`${raw.slice(0, start)}0${raw.slice(end)}`) as TraceRecord;
    return record.inputs === 0 ? { record, inputsText: raw.slice(start, end) } : undefined;
  } catch {
    return undefined;
  }
}

/** The buffers a result can hand over to another thread instead of copying. */
export function transferables(r: ChunkResult): ArrayBuffer[] {
  const { hi, lo, out, line, symbol } = r.determinism.pairs;
  const arrays = [hi, lo, out, line, symbol, ...(r.figures?.symbols.flatMap((s) => [s.latencies, s.at]) ?? [])];
  return arrays.map((a) => a.buffer as ArrayBuffer);
}
