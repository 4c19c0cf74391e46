/** A self-contained HTML page of the report: the matrix and inline SVG charts, no external assets. */
import type { Report } from './schema.js';

const esc = (s: string): string => s.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch] ?? ch);
const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];

function chart(title: string, series: Array<{ name: string; points: Array<[number, number]> }>, unit: string): string {
  const all = series.flatMap((s) => s.points);
  if (!all.length) return `<h3>${esc(title)}</h3><p>No data.</p>`;
  const W = 860, H = 240, P = 40;
  const xs = all.map((p) => p[0]), ys = all.map((p) => p[1]);
  const x0 = Math.min(...xs), x1 = Math.max(...xs, x0 + 1), y1 = Math.max(...ys, 1e-9);
  const sx = (x: number): number => P + ((x - x0) / (x1 - x0)) * (W - 2 * P);
  const sy = (y: number): number => H - P - (y / y1) * (H - 2 * P);
  const lines = series.map((s, i) => `<polyline fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="1.5" points="${s.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ')}"/>`).join('');
  const legend = series.map((s, i) => `<tspan fill="${COLORS[i % COLORS.length]}">■ ${esc(s.name)} </tspan>`).join('');
  return `<h3>${esc(title)}</h3><svg width="${W}" height="${H}" role="img" aria-label="${esc(title)}"><rect x="0" y="0" width="${W}" height="${H}" fill="#fafafa"/><line x1="${P}" y1="${H - P}" x2="${W - P}" y2="${H - P}" stroke="#999"/><line x1="${P}" y1="${P}" x2="${P}" y2="${H - P}" stroke="#999"/><text x="${P}" y="${P - 8}" font-size="12">max ${y1.toFixed(2)} ${esc(unit)}</text><text x="${W - P}" y="${H - 10}" font-size="12" text-anchor="end">${legend}</text>${lines}</svg>`;
}

export function renderHtml(report: Report, latency: Map<string, Array<[number, number]>>, memory: Array<[number, number]>): string {
  const rows = report.criteria.map((r) => `<tr class="${r.status}"><td>${esc(r.title)}</td><td>${esc(r.threshold)}</td><td>${esc(r.observed)}</td><td>${r.status}</td></tr>`).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>trader report ${esc(report.decision)}</title><style>
body{font-family:system-ui,sans-serif;margin:2em;max-width:960px}table{border-collapse:collapse;width:100%}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left}
.PASS td:last-child{color:#16a34a}.FAIL td:last-child{color:#dc2626}.NOT_EXERCISED td:last-child{color:#ca8a04}h1 span{padding:0 .4em;color:#fff;background:${report.decision === 'GO' ? '#16a34a' : '#dc2626'}}
</style></head><body><h1>Market-open validation: <span>${esc(report.decision)}</span></h1>
<p>Run ${esc(report.run.run_id)} · started ${esc(report.run.started_at)} · ${esc(report.run.symbols.join(', '))} · ${esc(report.run.strategy)}</p>
${report.reasons.length ? `<p>Reasons: ${esc(report.reasons.join('; '))}</p>` : ''}
<table><tr><th>Criterion</th><th>Threshold</th><th>Observed</th><th>Status</th></tr>${rows}</table>
${chart('Feed → decision latency per symbol', [...latency].map(([name, points]) => ({ name, points })), 'ms')}
${chart('Resident memory', [{ name: 'RSS MiB', points: memory.map(([t, b]) => [t, b / 1048576] as [number, number]) }], 'MiB')}
</body></html>
`;
}
