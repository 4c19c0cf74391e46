/**
 * One chunk of a trace (whole lines, as bytes), read and checked on its own: the per-record work
 * of validate and report (JSON.parse, re-execution, digests, the hash chain's links, the log lines
 * the records render to, per-symbol sums) that can run on any core. What needs earlier records is
 * left to the ordered merge (see scan.ts).
 */
import { isAscii } from 'node:buffer';
import { parseCanonicalLine, type CanonicalLine } from './canonical-line.js';
import { FigureChunk, type ChunkFigures } from '../report/chunk-figures.js';
import { ChainChunkVerifier, type ChainChunk } from '../trace/chain.js';
import { LogRenderer, type LogTask, type RenderedLog } from '../trace/log-render.js';
import type { Strategy } from '../strategy/types.js';
import type { RunRecord, TraceRecord } from '../trace/schema.js';
import { ChunkChecker, type CheckerOptions, type ChunkDeterminism } from '../validate/determinism.js';

export interface ChunkTask {
  run: RunRecord;
  checker: CheckerOptions;
  /** Gather the report's figures too. */
  figures: boolean;
  /** Verify the hash chain's links (with this key, if the chain is keyed); null: the chain is not checked. */
  chain: { key?: string } | null;
  /** Render the records as the run's log shows them, for the report's log binding; null: not wanted. */
  log: LogTask | null;
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
  chain: ChainChunk | null;
  log: RenderedLog | null;
  bad: BadLine | null;
}

/** `strategy`: the run's, loaded on this thread (recorded-strategy.ts), which re-executes the decisions. */
export function scanChunk(task: ChunkTask, strategy: Strategy, bytes: Uint8Array): ChunkResult {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Traces are nearly always ASCII, where the ascii decoder gives the same text several times faster.
  const text = buffer.toString(isAscii(buffer) ? 'ascii' : 'utf8');
  let backslash = text.indexOf('\\');
  const checker = new ChunkChecker(strategy, task.checker);
  const figures = task.figures ? new FigureChunk() : undefined;
  const chain = task.chain ? new ChainChunkVerifier(task.chain.key) : undefined;
  const log = task.log ? new LogRenderer(task.log) : undefined;
  let lines = 0;
  let bad: BadLine | null = null;
  let from = 0;
  while (from < text.length) {
    let nl = text.indexOf('\n', from);
    if (nl < 0) nl = text.length;
    lines += 1;
    const end = text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    const start = from;
    from = nl + 1;
    if (end === start) continue;
    const raw = text.slice(start, end);
    // A line with a backslash has escapes, which the canonical reader leaves to JSON.parse.
    while (backslash >= 0 && backslash < start) backslash = text.indexOf('\\', start);
    const canonical: CanonicalLine | undefined = backslash < 0 || backslash >= end ? parseCanonicalLine(text, start, end) : undefined;
    let value: unknown = canonical?.record;
    if (canonical === undefined) {
      try {
        value = JSON.parse(raw);
      } catch {
        bad = { line: lines, kind: 'json', lastLine: text.slice(from).trim() === '' };
        break;
      }
    }
    if (value === null || typeof value !== 'object' || typeof (value as { type?: unknown }).type !== 'string') {
      bad = { line: lines, kind: 'type', lastLine: false };
      break;
    }
    const record = value as TraceRecord;
    checker.add(record, lines, canonical?.inputs ?? undefined);
    figures?.add(record, raw);
    chain?.add(record, lines, raw, canonical?.hashed ?? undefined);
    log?.add(record, lines);
  }
  return { lines, determinism: checker.finish(), figures: figures?.finish() ?? null, chain: chain?.finish() ?? null, log: log?.finish() ?? null, bad };
}

/** The buffers a result can hand over to another thread instead of copying. */
export function transferables(r: ChunkResult): ArrayBuffer[] {
  const { hi, lo, out, line, symbol } = r.determinism.pairs;
  const arrays = [hi, lo, out, line, symbol, ...(r.figures?.symbols.flatMap((s) => [s.latencies, s.at, s.lagAt, s.lags]) ?? []), ...(r.log ? [r.log.lines] : [])];
  return arrays.map((a) => a.buffer as ArrayBuffer);
}
