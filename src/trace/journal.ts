/**
 * The runner's one output path: every event becomes a human log line (or a pino NDJSON line with
 * --log-format json) AND a trace record, so the log and the trace can never disagree — and the
 * report checks that they do not (see log-line.ts). Every trace record is numbered and hash-chained
 * (chain.ts); RUN_STOPPED carries the seal, the chain head and record count before it.
 * Writes are synchronous appends: a line is in the file when the call returns, so `tail -f` sees it
 * at once and a crash can cut at most the line being written.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import pino, { type Logger } from 'pino';
import { ChainWriter, SEAL_HEAD, SEAL_RECORDS, type ChainAlgo } from './chain.js';
import { timeOfDayFormatter } from './clock-format.js';
import { DECISION_LOG_FIELDS, LEVEL_RANK, textLogLine, type Level } from './log-line.js';
import { recordType, type DecisionRecord, type RunRecord } from './schema.js';


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
  /** TRADER_TRACE_KEY: the chain is then an HMAC that cannot be redone without it. */
  traceKey?: string;
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

  constructor(private readonly options: JournalOptions) {
    this.chain = new ChainWriter(options.traceKey);
    this.traceFd = openSync(options.tracePath, 'a');
    this.stamp = timeOfDayFormatter(options.timezone);
    this.minRank = LEVEL_RANK[options.logLevel];
    const logPath = options.logPath;
    if (logPath !== undefined && options.logFormat === 'json') {
      this.pinoLogger = pino(
        { level: options.logLevel, base: undefined, timestamp: pino.stdTimeFunctions.isoTime },
        pino.destination({ dest: logPath, sync: true, append: true, mkdir: true }),
      );
    } else if (logPath !== undefined) {
      this.logFd = openSync(logPath, 'a');
    }
  }

  run(record: RunRecordBase): void {
    const full: RunRecord = { ...record, chain: this.chain.algo, log_level: this.options.logLevel, log_format: this.options.logFormat };
    this.writeTrace(full);
  }

  /** The chain so far: RUN_STOPPED's seal, printed by `trader run` at the stop. */
  get seal(): { algo: ChainAlgo; head: string; records: number } {
    return { algo: this.chain.algo, head: this.chain.head, records: this.chain.count };
  }

  event(level: Level, event: string, text: string, fields: Fields = {}): void {
    if (this.closed) return;
    let msg = text ? `${event}: ${text}` : event;
    let all = fields;
    if (event === 'RUN_STOPPED') {
      // The seal: whoever cuts the trace's end or re-chains it must also forge this line and the terminal's copy.
      const { head, records } = this.seal;
      msg = `${msg} ${SEAL_RECORDS}=${records} ${SEAL_HEAD}=${head}`;
      all = { ...fields, [SEAL_HEAD]: head, [SEAL_RECORDS]: records };
    }
    const now = this.options.now();
    this.writeTrace({ type: recordType(event), ts: new Date(now).toISOString(), event, level, msg, ...all });
    this.writeLog(level, event, msg, now, all);
  }

  decision(record: Omit<DecisionRecord, 'type' | 'ts' | 'event'>, now: number): void {
    if (this.closed) return;
    const full: DecisionRecord = { type: 'decision', ts: new Date(now).toISOString(), event: 'DECISION_LOGGED', ...record };
    this.writeTrace(full);
    const fields: Fields = {};
    for (const k of DECISION_LOG_FIELDS) fields[k] = record[k];
    this.writeLog('info', 'DECISION_LOGGED', record.msg, now, fields);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.traceFd);
    if (this.logFd !== undefined) closeSync(this.logFd);
    this.pinoLogger?.flush();
  }

  private writeTrace(record: object): void {
    writeSync(this.traceFd, `${this.chain.line(record)}\n`);
  }

  private writeLog(level: Level, event: string, msg: string, now: number, fields: Fields): void {
    if (LEVEL_RANK[level] < this.minRank) return;
    const line = textLogLine(this.stamp(now), level, msg);
    if (this.pinoLogger) this.pinoLogger[level]({ event, ...fields }, msg);
    else if (this.logFd !== undefined) writeSync(this.logFd, `${line}\n`);
    this.options.echo?.(line);
  }
}
