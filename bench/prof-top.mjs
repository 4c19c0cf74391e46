#!/usr/bin/env node
// Summarises a .cpuprofile (node --cpu-prof): the top frames by self time and by total time, as
// text, for BENCHMARKS.md and commit messages. The .cpuprofile itself opens in Chrome DevTools
// (Performance → Load profile) or speedscope as a flame graph. Usage: node bench/prof-top.mjs FILE [N]
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/prof-top.mjs FILE.cpuprofile [N]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const prof = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const self = new Map();
// Sample i lasted timeDeltas[i+1] µs (the delta recorded with the next sample).
for (let i = 0; i < prof.samples.length; i += 1) {
  const dt = prof.timeDeltas[i + 1] ?? 0;
  self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + dt);
}
const label = (n) => {
  const f = n.callFrame;
  const where = f.url ? `${f.url.replace(/^.*\/(dist|bench|node_modules)\//, '$1/')}:${f.lineNumber + 1}` : '';
  return `${f.functionName || '(anonymous)'} ${where}`.trim();
};
const selfBy = new Map();
const totalBy = new Map();
let all = 0;
for (const [id, us] of self) {
  all += us;
  const l = label(byId.get(id));
  selfBy.set(l, (selfBy.get(l) ?? 0) + us);
  // Total: every distinct frame label on the stack gets the sample once.
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const lab = label(byId.get(cur));
    if (seen.has(lab)) continue;
    seen.add(lab);
    totalBy.set(lab, (totalBy.get(lab) ?? 0) + us);
  }
}
const pct = (us) => `${((100 * us) / all).toFixed(1).padStart(5)} %`;
console.log(`${file}: ${(all / 1e6).toFixed(2)} s sampled, ${selfBy.size} frames`);
console.log('\nself time');
for (const [l, us] of [...selfBy].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${l}`);
console.log('\ntotal time');
for (const [l, us] of [...totalBy].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${l}`);
