/**
 * The report as one self-contained HTML file: the Go/No-Go matrix, the per-symbol figures and
 * uPlot charts (decision latency over time and its histogram, feed lag with staleness windows
 * shaded, memory), on one time axis in the run's market time, with the run's events marked.
 * uPlot's script and stylesheet are read from its package and inlined, and the page's policy
 * allows nothing to be fetched: the file opens offline, from an attachment or an archive, alike.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { MARKERS_PER_KIND, type ChartData } from './chart-series.js';
import { PAGE_SCRIPT } from './html-script.js';
import type { Report } from './schema.js';

const esc = (s: string): string => s.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch] ?? ch);

/** Inside <script>, only "</script" can end the element early: "<\/" means the same to JavaScript. */
const scriptText = (js: string): string => js.replace(/<\/(script)/gi, '<\\/$1');

let uplot: { js: string; css: string } | undefined;
function uplotAssets(): { js: string; css: string } {
  if (!uplot) {
    const require = createRequire(import.meta.url);
    uplot = {
      js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
      css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    };
  }
  return uplot;
}

/** The zone the charts and times are shown in: the run's, or UTC (said on the page) when the trace names none that exists. */
function marketZone(timezone: string): { zone: string; note: string } {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return { zone: timezone, note: '' };
  } catch {
    return { zone: 'UTC', note: ` (the trace's time zone ${JSON.stringify(timezone)} is unknown: shown in UTC)` };
  }
}

export function renderHtml(report: Report, charts: ChartData, timezone: string): string {
  const { zone, note } = marketZone(timezone);
  const when = new Intl.DateTimeFormat('en-US', { timeZone: zone, dateStyle: 'medium', timeStyle: 'medium' });
  // A time the trace states but that is not one is shown as written (the matrix judges the trace, not this page).
  const at = (iso: string | null): string => (iso === null ? '—' : Number.isFinite(Date.parse(iso)) ? when.format(new Date(iso)) : iso);
  const first = [Date.parse(report.run.started_at), charts.startMs].find((t) => Number.isFinite(t)) ?? 0;
  const stopped = report.run.ended_at ? Date.parse(report.run.ended_at) : Number.NaN;
  const end = Math.max(Number.isFinite(stopped) ? stopped : charts.lastMs, first + 1000);
  const symbols = report.run.symbols;
  const staleness = Object.entries(report.per_symbol)
    .flatMap(([symbol, s]) => s.staleness_windows.map((w) => ({ symbol, from: Date.parse(w.from), to: w.to === null ? Number.NaN : Date.parse(w.to) })))
    .filter((w) => Number.isFinite(w.from))
    .map((w) => ({ ...w, to: Number.isFinite(w.to) ? w.to : null }));
  const data = { timezone: zone, start: first, end, symbols, staleness, ...charts };
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  const { js, css } = uplotAssets();
  const rows = report.criteria.map((r) => `<tr class="${r.status}"><td>${esc(r.title)}</td><td>${esc(r.threshold)}</td><td>${esc(r.observed)}</td><td>${r.status}</td></tr>`).join('');
  const perSymbol = Object.entries(report.per_symbol)
    .map(([s, f]) => {
      const l = f.latency_ms;
      return `<tr><td>${esc(s)}</td><td>${f.decisions}</td><td>${f.actions.BUY} / ${f.actions.SELL} / ${f.actions.HOLD}</td><td>${l.avg}</td><td>${l.p50}</td><td>${l.p95}</td><td>${l.p99}</td><td>${l.max}</td><td>${f.lag_ms.avg}</td><td>${f.lag_ms.max}</td><td>${f.staleness_windows.length}</td><td>${f.orders.submitted} / ${f.orders.filled} / ${f.orders.rejected}</td><td>${f.inconsistencies}</td></tr>`;
    })
    .join('');
  const bucket = (ms: number): string => (ms >= 1000 ? `${+(ms / 1000).toFixed(1)} s` : `${ms} ms`);
  const left = charts.markersLeftOut ? ` ${charts.markersLeftOut} more events of kinds already marked ${MARKERS_PER_KIND} times are not drawn.` : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'">
<title>trader report ${esc(report.decision)} · ${esc(report.run.run_id)}</title>
<style>${css}</style>
<style>
body{font-family:system-ui,sans-serif;margin:2em;max-width:980px;color:#111}table{border-collapse:collapse;width:100%;margin-bottom:1em}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f5f5f5}.PASS td:last-child{color:#16a34a}.FAIL td:last-child{color:#dc2626}.NOT_EXERCISED td:last-child{color:#ca8a04}.WAIVED td:last-child{color:#6b7280}
h1 span{padding:0 .4em;color:#fff;background:${report.decision === 'GO' ? '#16a34a' : '#dc2626'}}.chart{margin:.5em 0 1.5em}.u-legend .band-edge{display:none}.note{color:#555;font-size:.9em}
</style></head><body><h1>Market-open validation: <span>${esc(report.decision)}</span></h1>
<p>Run ${esc(report.run.run_id)} · ${esc(symbols.join(', '))} · ${esc(report.run.strategy)}<br>
Started ${esc(at(report.run.started_at))} · ended ${esc(at(report.run.ended_at))}${report.run.duration_s === null ? '' : ` · ${report.run.duration_s} s`} · market time ${esc(zone)}${esc(note)}</p>
${report.reasons.length ? `<p>Reasons: ${esc(report.reasons.join('; '))}</p>` : ''}
<h2>Go / No-Go</h2>
<table><tr><th>Criterion</th><th>Threshold</th><th>Observed</th><th>Status</th></tr>${rows}</table>
<h2>Per symbol</h2>
<table><tr><th>Symbol</th><th>Decisions</th><th>BUY / SELL / HOLD</th><th>Latency avg ms</th><th>p50</th><th>p95</th><th>p99</th><th>max</th><th>Lag avg ms</th><th>Lag max ms</th><th>Staleness windows</th><th>Orders submitted / filled / rejected</th><th>Inconsistencies</th></tr>${perSymbol}</table>
<h2>Charts</h2>
<p class="note">Time in ${esc(zone)}. Dashed lines mark kill-switch detections, disconnects, reconnects, failovers and symbols added.${esc(left)} A line is the mean of its bucket, the shaded band around it the bucket's minimum to maximum.</p>
<h3>Feed → decision latency</h3><p class="note">Buckets of ${bucket(charts.latency.bucketMs)}.</p><div class="chart" id="chart-latency"></div>
<h3>Decision latency distribution</h3><p class="note">Every decision, in bins of an eighth of a doubling.</p><div class="chart" id="chart-histogram"></div>
<h3>Feed lag per symbol (heartbeats), staleness windows shaded</h3><p class="note">Buckets of ${bucket(charts.lag.bucketMs)}.</p><div class="chart" id="chart-lag"></div>
<h3>Memory: RSS and heap</h3><p class="note">Buckets of ${bucket(charts.memory.bucketMs)}.</p><div class="chart" id="chart-memory"></div>
<script type="application/json" id="trader-chart-data">${json}</script>
<script>${scriptText(js)}</script>
<script>${scriptText(PAGE_SCRIPT)}</script>
</body></html>
`;
}
