/**
 * The runner's one output path: every event becomes a human log line (or a pino NDJSON line with
 * --log-format json) AND a trace record, so the log and the trace can never disagree.
 * Writes are synchronous appends: a line is in the file when the call returns, so `tail -f` sees it
 * at once and a crash can cut at most the line being written.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import pino, { type Logger } from 'pino';
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
}

export class Journal {
  private readonly traceFd: number;
  private readonly logFd: number | undefined;
  private readonly pinoLogger: Logger | undefined;
  private readonly stamp: (ms: number) => string;
  private readonly minRank: number;
  private closed = false;

  constructor(private readonly options: JournalOptions) {
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

  run(record: RunRecord): void {
    this.writeTrace(record);
  }

  event(level: Level, event: string, text: string, fields: Fields = {}): void {
    if (this.closed) return;
    const msg = text ? `${event}: ${text}` : event;
    const now = this.options.now();
    this.writeTrace({ type: recordType(event), ts: new Date(now).toISOString(), event, level, msg, ...fields });
    this.writeLog(level, event, msg, now, fields);
  }

  decision(record: Omit<DecisionRecord, 'type' | 'ts' | 'event'>, now: number): void {
    if (this.closed) return;
    const full: DecisionRecord = { type: 'decision', ts: new Date(now).toISOString(), event: 'DECISION_LOGGED', ...record };
    this.writeTrace(full);
    this.writeLog('info', 'DECISION_LOGGED', record.msg, now, { symbol: record.symbol, action: record.action, confidence: record.confidence, latency_ms: record.latency_ms });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.traceFd);
    if (this.logFd !== undefined) closeSync(this.logFd);
    this.pinoLogger?.flush();
  }

  private writeTrace(record: object): void {
    writeSync(this.traceFd, `${JSON.stringify(record)}\n`);
  }

  private writeLog(level: Level, event: string, msg: string, now: number, fields: Fields): void {
    if (LEVEL_RANK[level] < this.minRank) return;
    const line = `[${this.stamp(now)}] ${level === 'info' ? '' : `${level.toUpperCase()} `}${msg}`;
    if (this.pinoLogger) this.pinoLogger[level]({ event, ...fields }, msg);
    else if (this.logFd !== undefined) writeSync(this.logFd, `${line}\n`);
    this.options.echo?.(line);
  }
}
