#!/usr/bin/env node
// Wall time of the project's own commands (issue 13 §1f): `make smoke` (target < 10 s) and, with
// `test` in the arguments, `make test` (reported, no target). Each is run once after the build is
// up to date, so the figure is the command's, not tsc's. Usage: node bench/walltime.mjs smoke [test]
import { spawnSync } from 'node:child_process';
import { REPO, record } from './lib.mjs';

const targets = process.argv.slice(2).length ? process.argv.slice(2) : ['smoke'];
spawnSync('make', ['build'], { cwd: REPO, stdio: 'ignore' });
for (const target of targets) {
  const t0 = performance.now();
  const r = spawnSync('make', [target], { cwd: REPO, encoding: 'utf8', maxBuffer: 1 << 28 });
  const wall = (performance.now() - t0) / 1000;
  const summary = (r.stdout ?? '').split('\n').filter((l) => /^\d+ passed, \d+ failed$/.test(l)).pop() ?? null;
  const target_s = target === 'smoke' ? 10 : null;
  record('walltime', { wall_s: Number(wall.toFixed(2)), exit: r.status, tests: summary, target_s, target_met: target_s === null ? null : r.status === 0 && wall < target_s }, { command: `make ${target}`, after: 'make build (up to date)' });
}
