/**
 * `trader status [--json]`: the runners that are running, from the per-user run directory, with
 * what is at each one's kill-switch path (looked at by the runner's own safe rules).
 */
import { liveRunners, runDir } from '../../runtime/registry.js';
import { probePath } from '../../safety/kill-switch.js';

export function status(opts: { json: boolean }): number {
  const dir = runDir(process.env);
  const runners = liveRunners(dir).map((r) => {
    let ks: { present: boolean; content: string } | undefined;
    try {
      ks = probePath(r.kill_switch);
    } catch {
      ks = undefined; // the path cannot be checked: the runner itself halts on that (SAFETY_CHECK_FAILED)
    }
    return { ...r, kill_switch_present: ks?.present ?? null, kill_switch_note: ks?.present ? ks.content.trim() || null : null, trading: ks === undefined || ks.present ? 'HALTED' : 'unknown' };
  });
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ run_dir: dir, runners })}\n`);
    return 0;
  }
  if (runners.length === 0) {
    process.stdout.write(`no runner is running (run directory ${dir})\n`);
    return 0;
  }
  for (const r of runners) {
    process.stdout.write(
      [
        `pid ${r.pid} since ${r.started_at} (cwd ${r.cwd})`,
        `  kill switch ${r.kill_switch}: ${r.kill_switch_present === null ? 'cannot be checked, trading HALTED' : r.kill_switch_present ? `PRESENT, trading HALTED${r.kill_switch_note ? ` (${r.kill_switch_note})` : ''}` : 'absent'}`,
        `  log ${r.log}`,
        `  trace ${r.trace}`,
        `  pid file ${r.pid_file}${r.capture ? `\n  capture ${r.capture}` : ''}`,
      ].join('\n') + '\n',
    );
  }
  return 0;
}
