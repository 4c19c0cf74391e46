/**
 * The report page's own script (plain browser JavaScript, run after uPlot's): it reads the chart
 * data embedded as JSON and draws the charts with uPlot on one time range, in market time, with
 * the run's markers on every time chart and the staleness windows shaded on the lag chart.
 * The charts are left on `window.traderCharts` for the browser test and for a look from the console.
 */
export const PAGE_SCRIPT = String.raw`(() => {
  'use strict';
  const data = JSON.parse(document.getElementById('trader-chart-data').textContent);
  const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777'];
  const MARK = { kill_switch: '#111827', resumed: '#15803d', disconnect: '#c2410c', reconnect: '#0e7490', failover: '#7e22ce', symbol_added: '#6b7280' };
  const colorOf = (name) => COLORS[Math.max(0, data.symbols.indexOf(name)) % COLORS.length];
  const alpha = (hex, a) => hex + Math.round(a * 255).toString(16).padStart(2, '0');
  const range = [data.start / 1000, data.end / 1000];
  const width = 920;
  const charts = {};
  window.traderCharts = charts;

  const timeAxis = { label: 'market time (' + data.timezone + ')', labelSize: 20 };
  const yAxis = (label) => ({ label, size: 70, labelSize: 20 });
  const px = (v) => Math.round(v * devicePixelRatio);

  /** Vertical lines with labels for the run's events, and (lag chart) the staleness windows shaded under the lines. */
  function overlays(shade) {
    return {
      hooks: {
        drawAxes: [(u) => {
          if (!shade) return;
          const ctx = u.ctx;
          const top = u.bbox.top, height = u.bbox.height;
          ctx.save();
          for (const w of data.staleness) {
            const x0 = u.valToPos(Math.max(w.from / 1000, range[0]), 'x', true);
            const x1 = u.valToPos(Math.min((w.to ?? data.end) / 1000, range[1]), 'x', true);
            ctx.fillStyle = alpha(colorOf(w.symbol), 0.18);
            ctx.fillRect(x0, top, Math.max(x1 - x0, px(2)), height);
            ctx.fillStyle = colorOf(w.symbol);
            ctx.font = px(10) + 'px system-ui, sans-serif';
            // One label row per symbol: windows of several symbols often start together.
            ctx.fillText('stale ' + w.symbol, x0 + px(2), top + height - px(4 + 12 * Math.max(0, data.symbols.indexOf(w.symbol))));
          }
          ctx.restore();
        }],
        draw: [(u) => {
          const ctx = u.ctx;
          const top = u.bbox.top, height = u.bbox.height;
          ctx.save();
          ctx.font = px(10) + 'px system-ui, sans-serif';
          data.markers.forEach((m, i) => {
            const t = m.t / 1000;
            if (t < range[0] || t > range[1]) return;
            const lw = px(1);
            // An odd width centred on a pixel's middle is one crisp column, not two half-tinted ones.
            const x = Math.round(u.valToPos(t, 'x', true)) + (lw % 2) / 2;
            ctx.strokeStyle = MARK[m.kind];
            ctx.fillStyle = MARK[m.kind];
            ctx.lineWidth = lw;
            ctx.setLineDash([px(4), px(3)]);
            ctx.beginPath();
            ctx.moveTo(x, top);
            ctx.lineTo(x, top + height);
            ctx.stroke();
            // Three label rows, so markers close in time do not print over each other.
            ctx.fillText(m.label, x + px(3), top + px(12 + 12 * (i % 3)));
          });
          ctx.restore();
        }],
      },
    };
  }

  /** A time chart: per line its mean, and for a banded line its min and max with the band between them shaded. */
  function timeChart(id, chart, unit, shade) {
    const el = document.getElementById(id);
    if (!chart.x.length) {
      el.textContent = 'No data in this trace.';
      return;
    }
    const series = [{ label: 'time' }];
    const columns = [chart.x];
    const bands = [];
    for (const line of chart.lines) {
      const color = line.min ? colorOf(line.name) : COLORS[(series.length - 1) % COLORS.length];
      // A banded line's legend entry shows its mean and, in brackets, its bucket's min–max (the series after it).
      const value = line.min
        ? (u, v, si, i) => (v == null ? '–' : v + ' ' + unit + ' (' + u.data[si + 2][i] + '–' + u.data[si + 1][i] + ')')
        : (u, v) => (v == null ? '–' : v + ' ' + unit);
      series.push({ label: line.name + (line.min ? ' mean' : ''), stroke: color, width: 1.5, spanGaps: true, value });
      columns.push(line.avg);
      if (line.min) {
        // The band's edges: drawn, but left out of the legend (their values show in the mean's entry).
        series.push({ label: line.name + ' max', class: 'band-edge', stroke: alpha(color, 0.45), width: 0.75, spanGaps: true });
        columns.push(line.max);
        series.push({ label: line.name + ' min', class: 'band-edge', stroke: alpha(color, 0.45), width: 0.75, spanGaps: true });
        columns.push(line.min);
        bands.push({ series: [columns.length - 2, columns.length - 1], fill: alpha(color, 0.12) });
      }
    }
    charts[id] = new uPlot({
      width,
      height: 300,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), data.timezone),
      scales: { x: { time: true, range: () => range } },
      axes: [timeAxis, yAxis(unit)],
      series,
      bands,
      cursor: { sync: { key: 'trader-time' } },
      plugins: [overlays(shade)],
    }, columns, el);
  }

  function histogram(id, h) {
    const el = document.getElementById(id);
    if (!h.lower.length) {
      el.textContent = 'No decisions in this trace.';
      return;
    }
    // Bins are equal steps on a log scale: each bar stands at its bin's geometric centre.
    const x = h.lower.map((lo, i) => (lo > 0 ? Math.sqrt(lo * h.upper[i]) : h.upper[i] / Math.pow(2, 1 / 16)));
    const series = [{ label: 'latency', value: (u, v, si, i) => (i == null ? '–' : h.lower[i] + '–' + h.upper[i] + ' ms') }];
    for (const c of h.counts) {
      const color = colorOf(c.name);
      series.push({ label: c.name, stroke: color, fill: alpha(color, 0.3), width: 1, paths: uPlot.paths.bars({ size: [1, 100], align: 0 }), points: { show: false } });
    }
    charts[id] = new uPlot({
      width,
      height: 260,
      scales: { x: { time: false, distr: 3, log: 2 } },
      axes: [{ label: 'decision latency (ms, log scale)', labelSize: 20 }, yAxis('decisions')],
      series,
    }, [x, ...h.counts.map((c) => c.values)], el);
  }

  timeChart('chart-latency', data.latency, 'ms', false);
  histogram('chart-histogram', data.histogram);
  timeChart('chart-lag', data.lag, 'ms', true);
  timeChart('chart-memory', data.memory, 'MiB', false);
})();
`;
