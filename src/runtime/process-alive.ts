/**
 * Whether a pid recorded in a lock or a registry entry is still a running trader. A pid file
 * outlives a reboot, and pids are reused: a live process that is not a trader (its command
 * line, where /proc shows it, names no trader) does not hold a lock.
 */
import { readFileSync } from 'node:fs';

export function isRunningTrader(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else; it may well be a runner.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return true; // no /proc (or not readable): trust the signal probe
  }
  return cmdline === '' || cmdline.includes('trader');
}
