/**
 * The runner's one output path: every event becomes a human log line (or a pino NDJSON line with
 * --log-format json) AND a trace record, so the log and the trace can never disagree — and the
 * report checks that they do not (see log-line.ts). Every trace record is numbered and hash-chained
 * (chain.ts); RUN_STOPPED carries the seal, the chain head and record count before it.
 * Writes are synchronous appends: a line is in the file when the call returns, so `tail -f` sees it
 * at once and a crash can cut at most the line being written. A write that fails (ENOSPC, EIO, a
 * short write) is cut back off and reported synchronously (onWriteFailure), so the run halts
 * before the order of a decision that could not be recorded is routed.
 */
import { closeSync, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import pino, { type Logger } from 'pino';
import type { Redact } from '../util/redact.js';
import { ChainWriter, SEAL_HEAD, SEAL_RECORDS, type ChainAlgo } from './chain.js';
import { timeOfDayFormatter } from './clock-format.js';
import { decisionRecordText } from './decision-line.js';
import { DECISION_LOG_FIELDS, LEVEL_RANK, textLogLine, type Level } from './log-line.js';
import { recordType, type RunRecord } from './schema.js';
import type { Bus } from '../core/bus.js';
import { describe, EV, type DecisionLine, type EventName, type Fields, type RunEvent } from '../core/events.js';

export interface JournalOptions {
  /** The human log; undefined writes the trace alone (replay). */
  logPath?: string;
  tracePath: string;
  logFormat: 'text' | 'json';
  logLevel: Level;
  timezone: string;
  /** Also print log lines here (the operator's terminal, which picks what it shows by event and level); undefined to stay quiet. */
  echo?: (line: string, event: EventName, level: Level) => void;
  now: () => number;
  /** TRADER_TRACE_KEY: the chain is then an HMAC that cannot be redone without it. */
  traceKey?: string;
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

/** What the journal adds to the run record: how to verify the chain and re-render the log. */
export type RunRecordBase = Omit<RunRecord, 'chain' | 'log_level' | 'log_format'>;

export class Journal {
  private readonly traceFd: number;
  private readonly logFd: number | undefined;
  private readonly pinoLogger: Logger | undefined;
  private readonly stamp: (ms: number) => string;
  private readonly minRank: number;
  private closed = false;
  private readonly chain: ChainWriter;
  /** The chain before the record being written, to go on from if that write fails. */
  private chainBefore: { head: string; count: number } | undefined;
  private failure: WriteFailure | undefined;
  /** Bytes known written to each file: a short write is cut back to here, so no half line stays. */
  private readonly good = { log: 0, trace: 0 };

  constructor(private readonly options: JournalOptions) {
    this.chain = new ChainWriter(options.traceKey);
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

  run(record: RunRecordBase): void {
    const full: RunRecord = { ...record, chain: this.chain.algo, log_level: this.options.logLevel, log_format: this.options.logFormat };
    this.writeTrace(this.masked(full));
  }

  /** The chain so far: RUN_STOPPED's seal, printed by `trader run` at the stop. */
  get seal(): { algo: ChainAlgo; head: string; records: number } {
    return { algo: this.chain.algo, head: this.chain.head, records: this.chain.count };
  }

  /** Writes every event the bus carries; subscribe before anything emits. */
  attach(bus: Bus): () => void {
    return bus.subscribe((event) => this.write(event));
  }

  /** One event: its log line and its trace record (the vocabulary, core/events.ts, renders both). */
  write(event: RunEvent): void {
    if (event.name === EV.DECISION_LOGGED) {
      this.decision(event.record, event.now, event.inputsText);
      return;
    }
    const { level, text, fields } = describe(event);
    this.line(level, event.name, text, fields);
  }

  private line(level: Level, event: EventName, text: string, fields: Fields): void {
    if (this.closed || this.failure) return;
    let msg = text ? `${event}: ${text}` : event;
    let all = fields;
    if (event === EV.RUN_STOPPED) {
      // The seal: whoever cuts the trace's end or re-chains it must also forge this line and the terminal's copy.
      const { head, records } = this.seal;
      msg = `${msg} ${SEAL_RECORDS}=${records} ${SEAL_HEAD}=${head}`;
      all = { ...fields, [SEAL_HEAD]: head, [SEAL_RECORDS]: records };
    }
    const now = this.options.now();
    // Masked before it is chained and rendered: the trace, its chain and the log line all carry the masked text.
    const record = this.masked({ type: recordType(event), ts: new Date(now).toISOString(), event, level, msg, ...all });
    this.writeTrace(record);
    const { type: _type, ts: _ts, event: _event, level: _level, msg: maskedMsg, ...maskedFields } = record;
    this.writeLog(level, event, maskedMsg, now, maskedFields);
  }

  /** `inputsText`: the inputs' canonical text when the engine has it (the decision's line is then written without re-serializing them). */
  private decision(record: DecisionLine, now: number, inputsText?: string): void {
    if (this.closed || this.failure) return;
    // Decisions hold a symbol, numbers, digests and the strategy's reason: nothing a feed URL's credentials can be in
    // (a strategy never sees the URL; its reason is not redacted, which would break its output digest).
    const ts = new Date(now).toISOString();
    const text = inputsText === undefined ? undefined : decisionRecordText(record, ts, this.chain.count + 1, inputsText);
    if (text === undefined) this.writeTrace({ type: 'decision', ts, event: EV.DECISION_LOGGED, ...record });
    else this.writeTraceText(text);
    const fields: Fields = {};
    for (const k of DECISION_LOG_FIELDS) fields[k] = record[k];
    this.writeLog('info', EV.DECISION_LOGGED, record.msg, now, fields);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.traceFd);
    if (this.logFd !== undefined) closeSync(this.logFd);
  }

  private writeTrace(record: object): void {
    this.chainBefore = { head: this.chain.head, count: this.chain.count };
    this.append('trace', this.traceFd, `${this.chain.line(record)}\n`);
  }

  /** A record given as its canonical text, rec_seq included (see ChainWriter.lineOfText). */
  private writeTraceText(canonical: string): void {
    this.chainBefore = { head: this.chain.head, count: this.chain.count };
    this.append('trace', this.traceFd, `${this.chain.lineOfText(canonical)}\n`);
  }

  /** The record with credentials masked in every string; the same object when there is nothing to mask. */
  private masked<T extends object>(record: T): T {
    if (!this.options.redact) return record;
    const text = JSON.stringify(record);
    const masked = this.mask(text);
    return masked === text ? record : (JSON.parse(masked) as T);
  }

  private mask(text: string): string {
    return this.options.redact ? this.options.redact(text) : text;
  }

  /** One complete line to a file, or the failure path; false when it was not written. */
  private append(file: 'log' | 'trace', fd: number, text: string): boolean {
    if (this.failure) return false;
    // The string goes to the kernel as it is (no Buffer copy of every line); its UTF-8 length
    // tells a short write, exactly as the copy's length did.
    const bytes = Buffer.byteLength(text);
    let written: number;
    try {
      written = writeSync(fd, text);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      this.fail(file, e.code ?? 'EIO', e.message);
      return false;
    }
    if (written < bytes) {
      this.fail(file, 'SHORT_WRITE', `short write: ${written} of ${bytes} bytes`);
      return false;
    }
    this.good[file] += bytes;
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
    const written = describe({ name: EV.WRITE_FAILED, file, path, code, detail: failure.message });
    const msg = `${EV.WRITE_FAILED}: ${written.text}`;
    const record = { type: recordType(EV.WRITE_FAILED), ts: new Date(now).toISOString(), event: EV.WRITE_FAILED, level: written.level, msg, ...written.fields };
    // The record that failed is not in the file: the chain goes on from the last one that is.
    if (file === 'trace' && this.chainBefore) {
      this.chain.head = this.chainBefore.head;
      this.chain.count = this.chainBefore.count;
    }
    const line = `[${this.stamp(now)}] ERROR ${msg}`;
    const logLine = this.options.logFormat === 'json' ? JSON.stringify({ level: 50, time: new Date(now).toISOString(), event: EV.WRITE_FAILED, file, path, code, msg }) : line;
    for (const [name, target, text] of [['trace', this.traceFd, this.chain.line(record)], ['log', this.logFd, logLine]] as const) {
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

  private writeLog(level: Level, event: EventName, msg: string, now: number, fields: Fields): void {
    if (LEVEL_RANK[level] < this.minRank) return;
    const line = textLogLine(this.stamp(now), level, msg);
    if (this.pinoLogger) this.pinoLogger[level]({ event, ...fields }, msg);
    else if (this.logFd !== undefined && !this.append('log', this.logFd, `${line}\n`)) return;
    this.options.echo?.(line, event, level);
  }
}
