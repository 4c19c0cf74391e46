/**
 * Is the run that wrote a trace still going? Its pid (from the run record) alive and a trader
 * process. A report on a live run's files would judge a half-written run: refused, not failed.
 */
import { readFileSync } from 'node:fs';

/** Why the run looks alive (for the message); undefined when it is not running. */
export function runStillGoing(pid: number): string | undefined {
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: alive, but another user's; a trader run under another user is still a run in progress.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    // No /proc (not Linux): a live pid is all there is to go on.
    return 'process alive';
  }
  return /trader/.test(cmdline) && /\brun\b/.test(cmdline) ? 'a trader run process is alive' : undefined;
}
