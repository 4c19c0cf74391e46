#!/usr/bin/env node
// Top frames (self time) per thread of every .cpuprofile in a directory (node --cpu-prof --cpu-prof-dir=D
// writes one per thread), as text for bench/results/: node bench/profile-summary.mjs D [topN].
import { readFileSync, readdirSync } from 'node:fs';
import { join, basename } from 'node:path';
const [dir, topN = '15'] = process.argv.slice(2);
const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort();
for (const f of files) {
  const p = JSON.parse(readFileSync(join(dir, f), 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map(); let total = 0, idle = 0;
  p.samples.forEach((id, i) => { const d = p.timeDeltas[i] ?? 0; const cf = byId.get(id).callFrame; const key = `${cf.functionName || '(anonymous)'}${cf.url ? ` ${basename(cf.url)}:${cf.lineNumber + 1}` : ''}`; total += d; if (key === '(idle)') idle += d; self.set(key, (self.get(key) ?? 0) + d); });
  const thread = f.split('.').slice(-3, -2)[0] === '0' ? 'main thread' : `worker ${f.split('.').slice(-3, -2)[0]}`;
  console.log(`-- ${thread}: ${(total / 1e6).toFixed(2)} s sampled, ${(100 * (total - idle) / total).toFixed(0)} % busy`);
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(topN))) console.log(`${(v / 1e3).toFixed(0).padStart(6)} ms ${(100 * v / total).toFixed(1).padStart(5)} %  ${k}`);
}
