import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { inputError } from '../errors.js';

export interface LogErrors {
  count: number;
  first: string[];
}

/** Counts the lines `grep "ERROR\|EXCEPTION"` would count, keeping the first few. */
export class ErrorLines {
  private count = 0;
  private readonly first: string[] = [];

  constructor(private readonly keep = 5) {}

  add(line: string): void {
    if (!line.includes('ERROR') && !line.includes('EXCEPTION')) return;
    this.count += 1;
    if (this.first.length < this.keep) this.first.push(line.slice(0, 300));
  }

  result(): LogErrors {
    return { count: this.count, first: [...this.first] };
  }
}

/** The log must be a file: checked before any work, so a missing log fails at once. */
export function requireLogFile(path: string): void {
  if (!statSync(path, { throwIfNoEntry: false })?.isFile()) throw inputError(`${path}: no such log file`);
}

/** The error lines of a whole log, read on their own (when the log is not read for its binding). */
export async function scanLogErrors(path: string, keep = 5): Promise<LogErrors> {
  requireLogFile(path);
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  const errors = new ErrorLines(keep);
  for await (const line of lines) errors.add(line);
  return errors.result();
}
