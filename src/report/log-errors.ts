import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { inputError } from '../errors.js';

/** Counts the log lines `grep "ERROR\|EXCEPTION"` would count, keeping the first few. */
export async function scanLogErrors(path: string, keep = 5): Promise<{ count: number; first: string[] }> {
  if (!statSync(path, { throwIfNoEntry: false })?.isFile()) throw inputError(`${path}: no such log file`);
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let count = 0;
  const first: string[] = [];
  for await (const line of lines) {
    if (!line.includes('ERROR') && !line.includes('EXCEPTION')) continue;
    count += 1;
    if (first.length < keep) first.push(line.slice(0, 300));
  }
  return { count, first };
}
