/**
 * The proof that the log is the trace's rendering: every log line, in order, equals the next trace
 * record at or above the run's log level as the journal renders it (log-render.ts, on the workers),
 * and nothing is left over on either side. The log is read synchronously, a block at a time, as the
 * trace's chunks are folded in file order, so memory stays at a block whatever the sizes. The first
 * disagreeing line is named (file:line); then the comparison stops. The same read counts the
 * runbook's ERROR/EXCEPTION lines (to the end of the log), so the log is read once.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { EV } from '../core/events.js';
import { inputError } from '../errors.js';
import { jsonLogKeyOfLine } from '../trace/log-line.js';
import type { RenderedLog } from '../trace/log-render.js';
import { ErrorLines, type LogErrors } from './log-errors.js';

/** The run id a log's first line names (its RUN_STARTED), to tell another run's log apart. */
const RUN_ID_OF_LOG = new RegExp(`${EV.RUN_STARTED}.*?run_id[=":]+([0-9a-f-]{8,})`);

const BLOCK = 256 * 1024;

/** The log's lines one by one (a final newline ends the last line; it does not start an empty one). */
class LineReader {
  private readonly fd: number;
  private readonly decoder = new StringDecoder('utf8');
  private text = '';
  private at = 0;
  private pos = 0;
  private eof = false;
  line = 0;

  constructor(path: string) {
    try {
      this.fd = openSync(path, 'r');
    } catch {
      throw inputError(`${path}: no such log file`);
    }
  }

  next(): string | undefined {
    for (;;) {
      const nl = this.text.indexOf('\n', this.at);
      if (nl >= 0 || (this.eof && this.at < this.text.length)) {
        const end = nl >= 0 ? nl : this.text.length;
        const raw = this.text.slice(this.at, end);
        this.at = end + 1;
        this.line += 1;
        return raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      }
      if (this.eof) return undefined;
      this.fill();
    }
  }

  close(): void {
    closeSync(this.fd);
  }

  private fill(): void {
    const buf = Buffer.alloc(BLOCK);
    const n = readSync(this.fd, buf, 0, BLOCK, this.pos);
    this.pos += n;
    // The decoder holds back a character cut at the block's end.
    const more = n === 0 ? this.decoder.end() : this.decoder.write(buf.subarray(0, n));
    this.text = this.text.slice(this.at) + more;
    this.at = 0;
    if (n === 0) this.eof = true;
  }
}

export interface LogBinding {
  pass: boolean;
  /** Log lines that matched their record. */
  matched: number;
  /** The first disagreement, `file:line: what`. */
  mismatch: string | null;
}

const show = (s: string): string => JSON.stringify(s.length > 160 ? `${s.slice(0, 160)}…` : s);

export class LogBinder {
  private readonly reader: LineReader;
  private readonly errorLines = new ErrorLines();
  private matched = 0;
  private mismatch: string | null = null;

  constructor(
    private readonly path: string,
    private readonly tracePath: string,
    private readonly format: 'text' | 'json',
    private readonly runId: string,
  ) {
    this.reader = new LineReader(path);
  }

  merge(log: RenderedLog, lineOffset: number): void {
    const { text, lines } = log;
    let at = 0;
    for (let k = 0; k < lines.length && this.mismatch === null; k += 1) {
      const nl = text.indexOf('\n', at);
      const part = text.slice(at, nl < 0 ? text.length : nl);
      at = nl + 1;
      const traceLine = (lines[k] as number) + lineOffset;
      const got = this.reader.next();
      if (got === undefined) {
        this.fail(this.reader.line + 1, `the log ends, but ${this.tracePath}:${traceLine} is a logged record: ${show(part)}`);
        break;
      }
      this.errorLines.add(got);
      const key = this.format === 'json' ? jsonKey(got) : got;
      if (key !== part) {
        this.fail(this.reader.line, `${this.foreign(got) ?? 'differs from the trace'}: found ${show(got)}, ${this.tracePath}:${traceLine} renders ${show(part)}`);
        break;
      }
      // A record matches once all its lines (a text msg may hold newlines) have.
      if (lines[k + 1] !== lines[k]) this.matched += 1;
    }
  }

  finish(): LogBinding {
    if (this.mismatch === null) {
      const extra = this.reader.next();
      if (extra !== undefined) {
        this.errorLines.add(extra);
        this.fail(this.reader.line, `a line the trace does not have (after its last logged record): ${show(extra)}`);
      } else if (this.matched === 0) this.fail(1, 'the log is empty');
    }
    for (let line = this.reader.next(); line !== undefined; line = this.reader.next()) this.errorLines.add(line);
    this.reader.close();
    return { pass: this.mismatch === null, matched: this.matched, mismatch: this.mismatch };
  }

  /** The log's ERROR/EXCEPTION lines, every one (after finish). */
  errors(): LogErrors {
    return this.errorLines.result();
  }

  private fail(line: number, what: string): void {
    this.mismatch = `${this.path}:${line}: ${what}`;
  }

  /** "another run's log" when the line is a RUN_STARTED of another run. */
  private foreign(got: string): string | undefined {
    const id = RUN_ID_OF_LOG.exec(got)?.[1];
    return id !== undefined && id !== this.runId ? `another run's log (its RUN_STARTED has run_id ${id}, the trace's run is ${this.runId})` : undefined;
  }
}

function jsonKey(line: string): string {
  try {
    const v: unknown = JSON.parse(line);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? jsonLogKeyOfLine(v as Record<string, unknown>) : `not a JSON object: ${line}`;
  } catch {
    return `not JSON: ${line}`;
  }
}
