/**
 * Whether the process that wrote a lock or a registry entry is still running. A pid alone is not
 * enough: pid files outlive reboots and pids are reused, so a live pid whose process started
 * after the entry was written (Linux /proc start time) is someone else. Where /proc cannot tell,
 * the signal probe decides.
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc start times: USER_HZ, 100 on every Linux ABI. */
const USER_HZ = 100;
/** The entry is written after its process starts; the slack covers a slow start and a clock step. */
const START_SLACK_MS = 60_000;

export function isRunningOwner(pid: number, startedAt: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else; it may well be the owner.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const started = processStartMs(pid);
  const recorded = Date.parse(startedAt);
  if (started === undefined || Number.isNaN(recorded)) return true;
  return started <= recorded + START_SLACK_MS;
}

function processStartMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]); // field 22, starttime
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    if (!Number.isFinite(ticks) || !Number.isFinite(btime)) return undefined;
    return btime * 1000 + (ticks / USER_HZ) * 1000;
  } catch {
    return undefined;
  }
}
