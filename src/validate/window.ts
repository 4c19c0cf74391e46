import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { inputError } from '../errors.js';

const TAIL_BYTES = 256 * 1024;

/**
 * The time of the trace's last complete record, read from the file's tail so --window costs no
 * extra pass over a large trace.
 */
export function lastRecordMs(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    throw inputError(`${path}: no such trace file`);
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, TAIL_BYTES);
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, size - length);
    const lines = buf.toString('utf8').split('\n').reverse();
    for (const line of lines) {
      const match = /"ts":"([^"]+)"/.exec(line);
      if (!match) continue;
      try {
        JSON.parse(line);
      } catch {
        continue; // a cut last line, or the partial first line of the tail
      }
      const ms = Date.parse(match[1] ?? '');
      if (Number.isFinite(ms)) return ms;
    }
  } finally {
    closeSync(fd);
  }
  throw inputError(`${path}: no record with a time stamp at the end of the trace`);
}
