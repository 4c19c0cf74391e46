/**
 * The offline commands' trace reader: the run record checked first with the writer's schema, then
 * the rest of the file in newline-aligned byte chunks, scanned on worker threads (or inline for a
 * small trace) and merged strictly in file order, so the result is the one a single pass gives.
 * Memory stays at a few chunks in flight whatever the file size. A cut last line (a killed run) is
 * reported and tolerated; anything else that does not parse is refused with its line number.
 *
 * Tuning (environment): TRADER_WORKERS (threads; 0 scans inline; default: one per core, at most
 * 4, and none for a trace of 16 chunks or less), TRADER_CHUNK_BYTES (default 120 KiB).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { inputError } from '../errors.js';
import { ChainVerifier, type ChainResult } from '../trace/chain.js';
import { runRecordSchema, type RunRecord } from '../trace/schema.js';
import { scanChunk, type ChunkResult, type ChunkTask } from './chunk.js';
import { ChunkPool } from './pool.js';
import { loadRecordedStrategy } from './recorded-strategy.js';

export interface TraceScan {
  run: RunRecord;
  /** The last line did not parse: the writing run was killed mid-line. */
  cutLastLine: boolean;
  /** The hash chain checked over every record; null when it could not be (no chain, or a keyed chain and no key). */
  chain: ChainResult | null;
}

/** What to run on every chunk, how to fold each result in (called in file order), and what holds the folded state. */
export interface ScanJob<T> {
  task: Omit<ChunkTask, 'chain'>;
  merge: (result: ChunkResult, lineOffset: number) => void;
  state: T;
}

/**
 * Every scan verifies the chain: with `traceKey` (TRADER_TRACE_KEY) when the run record says the
 * chain is keyed; a keyed chain without the key, or a trace without a chain, is left unverified
 * (chain: null) for the caller to judge (chain-verdict.ts).
 */
export interface ScanOptions {
  traceKey: string | undefined;
}

const FIRST_LINE_MAX = 1 << 20;
/**
 * Measured at 1M decisions (BENCHMARKS.md): the same speed from 120 KiB to 1 MiB, and the lowest
 * peak RSS at 120 KiB (a chunk's text then dies young in the worker). Above Node's ~1,031,913-byte
 * threshold a decoded string is held outside the V8 heap, GC runs late and RSS grew by ~100 MB.
 */
const DEFAULT_CHUNK_BYTES = 120 * 1024;

export async function scanTrace<T>(path: string, options: ScanOptions, start: (run: RunRecord) => ScanJob<T>): Promise<TraceScan & { state: T }> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw inputError(`${path}: no such trace file`);
  const fd = openSync(path, 'r');
  try {
    const { run, raw, rawText, bodyStart } = readRunRecord(fd, path, info.size);
    const job = start(run);
    const verifiable = run.chain === 'sha256' || (run.chain === 'hmac-sha256' && options.traceKey !== undefined);
    const key = run.chain === 'hmac-sha256' ? options.traceKey : undefined;
    const verifier = verifiable && run.chain ? new ChainVerifier(run.chain, key) : undefined;
    verifier?.start(raw, rawText);
    const task: ChunkTask = { ...job.task, chain: verifier ? (key === undefined ? {} : { key }) : null };
    const chunkBytes = envInt('TRADER_CHUNK_BYTES', DEFAULT_CHUNK_BYTES, 1024);
    // Starting threads costs more than reading a small trace inline; TRADER_WORKERS overrides.
    const small = info.size - bodyStart <= 16 * chunkBytes;
    const workers = envInt('TRADER_WORKERS', small ? 0 : Math.min(availableParallelism(), 4), 0);
    // Loaded (and refused when its file changed) before any chunk is read; each worker loads its own.
    const strategy = await loadRecordedStrategy(run.strategy, path);
    const pool = workers > 0 ? new ChunkPool(task, workers) : undefined;
    const scanOne = pool ? (bytes: Uint8Array) => pool.run(bytes) : async (bytes: Uint8Array) => scanChunk(task, strategy, bytes);
    let lineOffset = 1;
    let cutLastLine = false;
    const fold = (r: ChunkResult, final: boolean): void => {
      if (r.bad) {
        const line = lineOffset + r.bad.line;
        if (r.bad.kind === 'type') throw inputError(`${path}:${line}: a record without a "type"`);
        if (!final || !r.bad.lastLine) throw inputError(`${path}:${line}: not a JSON record (the trace is corrupt in the middle, not just cut at the end)`);
        cutLastLine = true;
      }
      job.merge(r, lineOffset);
      if (r.chain) verifier?.merge(r.chain, lineOffset);
      lineOffset += r.lines;
    };
    try {
      const inFlight: Array<{ result: Promise<ChunkResult>; final: boolean }> = [];
      // Enough chunks queued that a worker never waits on the reader (2 a worker left a third of their
      // time idle with async reads); more than 4 only held results on the main heap (8: +11 MB).
      const limit = Math.max(1, 4 * workers);
      for (const chunk of byteChunks(fd, bodyStart, info.size, chunkBytes)) {
        const result = scanOne(chunk.bytes);
        result.catch(() => undefined); // awaited in order below; this only stops an early "unhandled" report
        inFlight.push({ result, final: chunk.final });
        while (inFlight.length >= limit) await foldNext(inFlight, fold);
      }
      while (inFlight.length > 0) await foldNext(inFlight, fold);
    } finally {
      await pool?.close();
      strategy.close();
    }
    return { run, cutLastLine, chain: verifier?.finish() ?? null, state: job.state };
  } finally {
    closeSync(fd);
  }
}

async function foldNext(inFlight: Array<{ result: Promise<ChunkResult>; final: boolean }>, fold: (r: ChunkResult, final: boolean) => void): Promise<void> {
  const head = inFlight.shift();
  if (head) fold(await head.result, head.final);
}

/** A trace's run record (line 1) alone, checked as the scan checks it; an inputError naming why not. */
export function readTraceRunRecord(path: string): RunRecord {
  const fd = openSync(path, 'r');
  try {
    return readRunRecord(fd, path, fstatSync(fd).size).run;
  } finally {
    closeSync(fd);
  }
}

function readRunRecord(fd: number, path: string, size: number): { run: RunRecord; raw: Record<string, unknown>; rawText: string; bodyStart: number } {
  if (size === 0) throw inputError(`${path}: not a trader trace (empty file)`);
  const head = Buffer.alloc(Math.min(size, FIRST_LINE_MAX));
  readSync(fd, head, 0, head.length, 0);
  const nl = head.indexOf(10);
  if (nl < 0 && size > head.length) throw inputError(`${path}: not a trader trace (line 1 is not a run record)`);
  const text = head.toString('utf8', 0, nl < 0 ? head.length : nl).replace(/\r$/, '');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw inputError(`${path}: not a trader trace (line 1 is not JSON)`);
  }
  const parsed = runRecordSchema.safeParse(value);
  if (!parsed.success) throw inputError(`${path}: not a trader trace (line 1 is not a run record: ${parsed.error.issues[0]?.path.join('.') || 'type'}: ${parsed.error.issues[0]?.message ?? ''})`);
  // The chain is over the record as written (the schema's parse drops fields it does not know).
  return { run: parsed.data, raw: value as Record<string, unknown>, rawText: text, bodyStart: nl < 0 ? size : nl + 1 };
}

/**
 * The file from `start` to `size` in chunks of about `chunkBytes` that end at a newline (a line
 * longer than a chunk grows it); the last chunk, marked final, runs to the end of the file.
 * Reads are synchronous: a chunk is a few tens of microseconds from the page cache, less than an
 * async read's trip through the thread pool, and the workers are queued well ahead.
 */
function* byteChunks(fd: number, start: number, size: number, chunkBytes: number): Generator<{ bytes: Uint8Array; final: boolean }> {
  let pos = start;
  let carry = new Uint8Array(0);
  while (pos < size || carry.length > 0) {
    const buf = new Uint8Array(Math.max(chunkBytes, carry.length * 2));
    buf.set(carry);
    const bytesRead = readSync(fd, buf, carry.length, Math.min(buf.length - carry.length, size - pos), pos);
    pos += bytesRead;
    const filled = carry.length + bytesRead;
    if (pos >= size || bytesRead === 0) {
      if (filled > 0) yield { bytes: buf.subarray(0, filled), final: true };
      return;
    }
    const nl = buf.lastIndexOf(10, filled - 1);
    if (nl < 0) {
      carry = buf.slice(0, filled);
      continue;
    }
    carry = buf.slice(nl + 1, filled);
    yield { bytes: buf.subarray(0, nl + 1), final: false };
  }
}

function envInt(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw inputError(`${name}=${raw}: expected an integer >= ${min}`);
  return n;
}
