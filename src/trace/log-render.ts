/**
 * The log a trace should have produced, record by record (run on the offline workers): each record
 * at or above the run's log level, rendered with log-line.ts exactly as the journal wrote it — the
 * text line with its stamp in the run's time zone, or for --log-format json the level, event and
 * fields a pino line must carry.
 */
import { timeOfDayFormatter } from './clock-format.js';
import { isLevel, jsonLogKeyOfRecord, LEVEL_RANK, PINO_LEVEL, textLogLine, type Level } from './log-line.js';
import type { TraceRecord } from './schema.js';

export interface LogTask {
  level: Level;
  format: 'text' | 'json';
  timezone: string;
}

/**
 * A chunk's expected log lines (text lines, or json log keys) joined by newlines, and each line's
 * trace line: one string crosses threads as one copy, where an array of a thousand strings cost a
 * tenth of a worker's time in postMessage. A text record whose msg holds newlines is several log
 * lines with the same trace line (a json key has its newlines escaped).
 */
export interface RenderedLog {
  text: string;
  lines: Uint32Array;
}

/** The level a record was logged at: its own, decisions being info; undefined for a record never logged. */
function recordLevel(r: TraceRecord): Level | undefined {
  if (isLevel(r.level)) return r.level;
  return r.type === 'decision' ? 'info' : undefined;
}

/**
 * One formatter per time zone and thread: the report renders a log per 120 KiB chunk, and an
 * Intl.DateTimeFormat per chunk held ~70 MB of ICU memory outside the V8 heap at 1M decisions.
 */
const stamps = new Map<string, (ms: number) => string>();
function stampFor(timezone: string): (ms: number) => string {
  let stamp = stamps.get(timezone);
  if (stamp === undefined) {
    stamp = timeOfDayFormatter(timezone);
    stamps.set(timezone, stamp);
  }
  return stamp;
}

export class LogRenderer {
  private readonly keys: string[] = [];
  private readonly lines: number[] = [];
  private readonly stamp: (ms: number) => string;
  private readonly minRank: number;

  constructor(private readonly task: LogTask) {
    this.stamp = stampFor(task.timezone);
    this.minRank = LEVEL_RANK[task.level];
  }

  add(r: TraceRecord, line: number): void {
    const level = recordLevel(r);
    if (level === undefined || LEVEL_RANK[level] < this.minRank) return;
    const msg = typeof r.msg === 'string' ? r.msg : '';
    let key: string;
    if (this.task.format === 'json') key = jsonLogKeyOfRecord(r, PINO_LEVEL[level]);
    else {
      const ms = typeof r.ts === 'string' ? Date.parse(r.ts) : Number.NaN;
      key = textLogLine(Number.isFinite(ms) ? this.stamp(ms) : '??:??:??', level, msg);
    }
    this.keys.push(key);
    this.lines.push(line);
    for (let at = key.indexOf('\n'); at >= 0; at = key.indexOf('\n', at + 1)) this.lines.push(line);
  }

  finish(): RenderedLog {
    return { text: this.keys.join('\n'), lines: Uint32Array.from(this.lines) };
  }
}
