/**
 * The runner's one output path: every event becomes a human log line (or a pino NDJSON line with
 * --log-format json) AND a trace record, so the log and the trace can never disagree.
 * Writes are synchronous appends: a line is in the file when the call returns, so `tail -f` sees it
 * at once and a crash can cut at most the line being written.
 */
import { closeSync, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import pino, { type Logger } from 'pino';
import type { Redact } from '../util/redact.js';
import { timeOfDayFormatter } from './clock-format.js';
import { recordType, type DecisionRecord, type RunRecord } from './schema.js';

export type Level = 'debug' | 'info' | 'warn' | 'error';
const LEVEL_RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type Fields = Record<string, string | number | boolean | null | undefined | object>;

export interface JournalOptions {
  /** The human log; undefined writes the trace alone (replay). */
  logPath?: string;
  tracePath: string;
  logFormat: 'text' | 'json';
  logLevel: Level;
  timezone: string;
  /** Also print log lines here (the operator's terminal); undefined to stay quiet. */
  echo?: (line: string) => void;
  now: () => number;
  /**
   * Called once, synchronously, when a write to the log or the trace fails (ENOSPC, EIO, a short
   * write). It runs before the failing call returns, so a decision that could not be recorded
   * is refused by the gate before its order is routed. After it, the journal makes one last
   * attempt to record the failure in both files and writes nothing more.
   */
  onWriteFailure?: (failure: WriteFailure) => void;
  /** Masks credentials (a --feed-url's) in every line written or echoed. */
  redact?: Redact;
}

export interface WriteFailure {
  file: 'log' | 'trace' | 'capture';
  path: string;
  /** The errno code (ENOSPC, EIO, …) or SHORT_WRITE. */
  code: string;
  message: string;
}

export class Journal {
  private readonly traceFd: number;
  private readonly logFd: number | undefined;
  private readonly pinoLogger: Logger | undefined;
  private readonly stamp: (ms: number) => string;
  private readonly minRank: number;
  private closed = false;
  private failure: WriteFailure | undefined;
  /** Bytes known written to each file: a short write is cut back to here, so no half line stays. */
  private readonly good = { log: 0, trace: 0 };

  constructor(private readonly options: JournalOptions) {
    this.traceFd = openSync(options.tracePath, 'a');
    this.good.trace = fstatSync(this.traceFd).size;
    this.stamp = timeOfDayFormatter(options.timezone);
    this.minRank = LEVEL_RANK[options.logLevel];
    const logPath = options.logPath;
    if (logPath !== undefined) {
      const fd = openSync(logPath, 'a');
      this.logFd = fd;
      this.good.log = fstatSync(fd).size;
      if (options.logFormat === 'json') {
        // pino formats, the journal writes: its failures are caught like the text log's.
        this.pinoLogger = pino({ level: options.logLevel, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, { write: (line: string) => void this.append('log', fd, this.mask(line)) });
      }
    }
  }

  run(record: RunRecord): void {
    this.writeTrace(record);
  }

  event(level: Level, event: string, text: string, fields: Fields = {}): void {
    if (this.closed || this.failure) return;
    const msg = text ? `${event}: ${text}` : event;
    const now = this.options.now();
    this.writeTrace({ type: recordType(event), ts: new Date(now).toISOString(), event, level, msg, ...fields });
    this.writeLog(level, event, msg, now, fields);
  }

  decision(record: Omit<DecisionRecord, 'type' | 'ts' | 'event'>, now: number): void {
    if (this.closed || this.failure) return;
    const full: DecisionRecord = { type: 'decision', ts: new Date(now).toISOString(), event: 'DECISION_LOGGED', ...record };
    this.writeTrace(full);
    this.writeLog('info', 'DECISION_LOGGED', record.msg, now, { symbol: record.symbol, action: record.action, confidence: record.confidence, latency_ms: record.latency_ms });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.traceFd);
    if (this.logFd !== undefined) closeSync(this.logFd);
  }

  private writeTrace(record: object): void {
    // Masked before anything else sees the bytes (a chain over them must cover what is written).
    this.append('trace', this.traceFd, this.mask(`${JSON.stringify(record)}\n`));
  }

  private mask(text: string): string {
    return this.options.redact ? this.options.redact(text) : text;
  }

  /** One complete line to a file, or the failure path; false when it was not written. */
  private append(file: 'log' | 'trace', fd: number, text: string): boolean {
    if (this.failure) return false;
    const buf = Buffer.from(text);
    let written: number;
    try {
      written = writeSync(fd, buf);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      this.fail(file, e.code ?? 'EIO', e.message);
      return false;
    }
    if (written < buf.length) {
      this.fail(file, 'SHORT_WRITE', `short write: ${written} of ${buf.length} bytes`);
      return false;
    }
    this.good[file] += buf.length;
    return true;
  }

  private fail(file: 'log' | 'trace', code: string, message: string): void {
    const path = (file === 'log' ? this.options.logPath : this.options.tracePath) ?? '';
    const failure: WriteFailure = { file, path, code, message: message.split('\n')[0] ?? message };
    this.failure = failure;
    this.options.onWriteFailure?.(failure);
    // Cut a partly written line back off, so every line left in the file is complete.
    const fd = file === 'log' ? this.logFd : this.traceFd;
    try {
      if (fd !== undefined) ftruncateSync(fd, this.good[file]);
    } catch {
      // nothing more can be done for this file; the last attempt below may still fail
    }
    // One last attempt to record why the run stops, in both files; its own failure is ignored.
    const now = this.options.now();
    const msg = `WRITE_FAILED: file=${file} path=${path} error=${code} detail="${failure.message}"; trading HALTED, the run stops`;
    const record = { type: recordType('WRITE_FAILED'), ts: new Date(now).toISOString(), event: 'WRITE_FAILED', level: 'error', msg, file, path, code, detail: failure.message };
    const line = `[${this.stamp(now)}] ERROR ${msg}`;
    const logLine = this.options.logFormat === 'json' ? JSON.stringify({ level: 50, time: new Date(now).toISOString(), event: 'WRITE_FAILED', file, path, code, msg }) : line;
    for (const [name, target, text] of [['trace', this.traceFd, JSON.stringify(record)], ['log', this.logFd, logLine]] as const) {
      if (target === undefined) continue;
      const buf = Buffer.from(this.mask(`${text}\n`));
      try {
        if (writeSync(target, buf) < buf.length) ftruncateSync(target, this.good[name]);
      } catch {
        // the disk is still full: the stderr line is the record
      }
    }
    // A caller that did not ask to handle failures gets the error, as from any failed write.
    if (!this.options.onWriteFailure) throw Object.assign(new Error(`${file} ${path}: ${failure.message}`), { code });
  }

  private writeLog(level: Level, event: string, msg: string, now: number, fields: Fields): void {
    if (LEVEL_RANK[level] < this.minRank) return;
    const line = `[${this.stamp(now)}] ${level === 'info' ? '' : `${level.toUpperCase()} `}${msg}`;
    if (this.pinoLogger) this.pinoLogger[level]({ event, ...fields }, msg);
    else if (this.logFd !== undefined && !this.append('log', this.logFd, this.mask(`${line}\n`))) return;
    this.options.echo?.(this.mask(line));
  }
}
