/**
 * `trader report --html` opened in a real browser (Debian's chromium driven by playwright-core):
 * a short real run with every event the charts mark (a frozen feed's staleness windows, a
 * dropped and re-made connection, TSLA added by SIGUSR1, the kill switch), its report written
 * with --html and loaded from file://. The page must draw every chart from its data, mark the
 * events, shade the windows, and fetch nothing. A screenshot is left in reports/html-report.png.
 * Chromium is required: CI installs it, and a missing browser fails this test.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { reportSchema, type Report } from '../../src/report/schema.js';
import { readLines, readTrace, REPO, runCli, startCli, startFeedServerCli, tempDir, waitForLine, writeDrillConfig } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let dir: string;
let html: string;
let report: Report;
let trace: Array<Record<string, unknown>>;
let browser: Browser | undefined;
let page: Page | undefined;

beforeAll(async () => {
  dir = tempDir();
  const log = join(dir, 'run.log');
  const tracePath = join(dir, 'trace.jsonl');
  // Drops every 3 s give reconnects; slow pings leave a frozen feed to the staleness watchdog (1 s).
  const feed = await startFeedServerCli(['--speed', '20', '--drop-every', '3s']);
  const config = writeDrillConfig(dir, 'staleness: { max_lag: 1s }\nmemory: { sample_interval: 500ms, warmup: 1s }\n', '  connection: { ping_interval: 30s, ping_timeout: 30s, stable_after: 100ms }\n');
  const run = startCli(['run', '--config', config, '--feed', 'native', '--feed-url', feed.url, '--log-file', log, '--trace-file', tracePath, '--pid-file', join(dir, 'pid'), '--kill-switch-file', join(dir, 'HALT'), '--quiet']);
  const seen = (pattern: RegExp): boolean => readLines(log).some((l) => pattern.test(l));
  await waitFor(() => seen(/DECISION_LOGGED: symbol=SPY /) && seen(/DECISION_LOGGED: symbol=QQQ /), 20_000);
  feed.cli.child.kill('SIGSTOP');
  await waitFor(() => seen(/STALENESS_BREACH: SPY/) && seen(/STALENESS_BREACH: QQQ/), 20_000);
  feed.cli.child.kill('SIGCONT');
  await waitFor(() => seen(/STALENESS_RECOVERED: SPY/) && seen(/STALENESS_RECOVERED: QQQ/), 20_000);
  await waitForLine(log, /RECONNECT_SUCCESS/, 20_000);
  writeFileSync(config, readFileSync(config, 'utf8').replace('symbols: [SPY, QQQ]', 'symbols: [SPY, QQQ, TSLA]'));
  run.child.kill('SIGUSR1');
  await waitForLine(log, /DECISION_LOGGED: symbol=TSLA /, 20_000);
  await waitForLine(log, /HEARTBEAT_OK: TSLA last_update=\d/, 20_000);
  writeFileSync(join(dir, 'HALT'), '');
  await waitForLine(log, /KILL_SWITCH_VERIFIED/, 20_000);
  await waitFor(() => readLines(log).slice(readLines(log).findIndex((l) => l.includes('KILL_SWITCH_VERIFIED'))).filter((l) => l.includes('DECISION_LOGGED')).length >= 3, 20_000);
  // The runner before its feed: stopped the other way round, the stop would log a disconnect no drill caused.
  run.child.kill('SIGTERM');
  expect((await run.exited).code).toBe(0);
  feed.cli.child.kill('SIGTERM');
  await feed.cli.exited;

  html = join(dir, 'report.html');
  const output = join(dir, 'report.json');
  const r = await runCli(['report', '--log', log, '--trace', tracePath, '--output', output, '--smoke', join(dir, 'no-smoke.json'), '--html', html]);
  // A frozen feed is a staleness breach: NO-GO, exit 1 (2 would be bad input).
  expect(r.code, r.stderr).toBe(1);
  report = reportSchema.parse(JSON.parse(readFileSync(output, 'utf8')));
  // NO-GO for the drill's reason only: the feed froze (staleness); the evidence and the decisions hold.
  const rows = new Map(report.criteria.map((c) => [c.id, c.status]));
  expect([rows.get('staleness'), rows.get('evidence'), rows.get('determinism')]).toEqual(['FAIL', 'PASS', 'PASS']);
  trace = readTrace(tracePath);
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

/** What the page shows of each chart, read from its uPlot instance and canvas. */
interface ChartView {
  labels: string[];
  lengths: number[];
  /** Non-null values per series (the x series first). */
  filled: number[];
  sums: number[];
  /** Opaque, saturated pixels: drawn series, not grid or text. */
  colored: number;
  /** For each marker: the share of the plot's height drawn opaque in its pixel column. */
  markerColumns: Array<{ kind: string; share: number }>;
  /** For each staleness window: the share of the plot's height tinted (translucent) in its middle column. */
  shading: Array<{ symbol: string; inside: number }>;
  /** The same share in the first column that no window covers (null: every column is in a window). */
  unshaded: number | null;
}

function inspect(id: string): Promise<ChartView> {
  if (!page) throw new Error('no page');
  return page.evaluate((chartId) => {
    interface Plot {
      data: Array<ArrayLike<number | null>>;
      series: Array<{ label?: string }>;
      ctx: CanvasRenderingContext2D;
      bbox: { left: number; top: number; width: number; height: number };
      valToPos: (v: number, scale: string, canvas: boolean) => number;
    }
    const w = window as unknown as { traderCharts: Record<string, Plot> };
    const u = w.traderCharts[chartId];
    if (!u) throw new Error(`no chart ${chartId}`);
    const data = JSON.parse(document.getElementById('trader-chart-data')?.textContent ?? '{}') as { markers: Array<{ t: number; kind: string }>; staleness: Array<{ symbol: string; from: number; to: number | null }>; end: number };
    const { left, top, width, height } = u.bbox;
    const img = u.ctx.getImageData(left, top, width, height).data;
    let colored = 0;
    for (let i = 0; i < img.length; i += 4) {
      const r = img[i] as number, g = img[i + 1] as number, b = img[i + 2] as number, a = img[i + 3] as number;
      if (a > 200 && Math.max(r, g, b) - Math.min(r, g, b) > 60) colored += 1;
    }
    /** The best of the pixel columns around x (a line lands on the nearest whole pixel). */
    const column = (x: number, test: (a: number) => boolean): number => {
      let best = 0;
      for (let c = Math.floor(x) - 1; c <= Math.floor(x) + 1; c += 1) {
        const col = u.ctx.getImageData(c, top, 1, height).data;
        let n = 0;
        for (let i = 3; i < col.length; i += 4) if (test(col[i] as number)) n += 1;
        best = Math.max(best, n / height);
      }
      return best;
    };
    const tinted = (a: number): boolean => a > 20 && a < 120;
    /** A column 4 px or more from every window (a window's fill is at least 2 px wide). */
    const unshaded = (): number | null => {
      const spans = data.staleness.map((s) => [u.valToPos(s.from / 1000, 'x', true), u.valToPos((s.to ?? data.end) / 1000, 'x', true)] as const);
      for (let x = left + 2; x < left + width - 2; x += 1) if (spans.every(([a, b]) => x < a - 4 || x > Math.max(b, a + 2) + 4)) return column(x, tinted);
      return null;
    };
    const time = chartId !== 'chart-histogram';
    return {
      labels: u.series.map((s) => s.label ?? ''),
      lengths: u.data.map((d) => d.length),
      filled: u.data.map((d) => Array.from(d).filter((v) => v !== null && v !== undefined).length),
      sums: u.data.map((d) => Array.from(d).reduce<number>((s, v) => s + (v ?? 0), 0)),
      colored,
      markerColumns: time ? data.markers.map((m) => ({ kind: m.kind, share: column(u.valToPos(m.t / 1000, 'x', true), (a) => a > 200) })) : [],
      shading: chartId === 'chart-lag' ? data.staleness.map((s) => ({ symbol: s.symbol, inside: column(u.valToPos((s.from + (s.to ?? data.end)) / 2000, 'x', true), tinted) })) : [],
      unshaded: chartId === 'chart-lag' ? unshaded() : null,
    };
  }, id);
}

const requests: string[] = [];
const problems: string[] = [];

it('loads from file:// with no network request, draws every chart from its data, and leaves a screenshot', async () => {
  expect(existsSync(CHROMIUM), `${CHROMIUM} is required (apt-get install chromium; .ci/run installs it)`).toBe(true);
  // launch() gives the browser a fresh temporary profile (user-data-dir) of its own.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  context.on('request', (req) => requests.push(req.url()));
  page = await context.newPage();
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
  });
  const url = pathToFileURL(html).href;
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => Object.keys((window as unknown as { traderCharts?: object }).traderCharts ?? {}).length === 4);
  await page.screenshot({ path: join(REPO, 'reports', 'html-report.png'), fullPage: true });

  // Nothing fetched but the file itself; no script error, no CSP violation.
  expect(requests).toEqual([url]);
  expect(problems).toEqual([]);

  const decisions = (s: string): number => trace.filter((r) => r.event === 'DECISION_LOGGED' && r.symbol === s).length;
  const lagged = (s: string): number => trace.filter((r) => (r.event === 'HEARTBEAT_OK' || r.event === 'HEARTBEAT_DEGRADED') && r.symbol === s && typeof r.lag_ms === 'number').length;
  const samples = trace.filter((r) => r.event === 'MEMORY_SAMPLE').length;
  for (const s of ['SPY', 'QQQ', 'TSLA']) expect(decisions(s)).toBeGreaterThan(0);

  // The histogram holds every decision, per symbol, as the report counts them.
  const hist = await inspect('chart-histogram');
  for (const s of ['SPY', 'QQQ', 'TSLA']) {
    expect(hist.sums[hist.labels.indexOf(s)]).toBe(decisions(s));
    expect(report.per_symbol[s]?.decisions).toBe(decisions(s));
  }
  expect(hist.colored).toBeGreaterThan(100);

  const data = JSON.parse(/<script type="application\/json" id="trader-chart-data">(.*?)<\/script>/s.exec(readFileSync(html, 'utf8'))?.[1] ?? '{}') as {
    latency: { x: number[]; lines: Array<{ name: string; count: number }> };
    lag: { x: number[]; lines: Array<{ name: string; count: number }> };
    memory: { x: number[]; lines: Array<{ name: string; count: number }> };
    markers: Array<{ kind: string }>;
  };
  const count = (lines: Array<{ name: string; count: number }>, name: string): number | undefined => lines.find((l) => l.name === name)?.count;
  for (const [id, chart, expected] of [
    ['chart-latency', data.latency, { SPY: decisions('SPY'), QQQ: decisions('QQQ'), TSLA: decisions('TSLA') }],
    ['chart-lag', data.lag, { SPY: lagged('SPY'), QQQ: lagged('QQQ'), TSLA: lagged('TSLA') }],
    ['chart-memory', data.memory, { RSS: samples, 'heap used': samples }],
  ] as const) {
    const view = await inspect(id);
    // One x per bucket, every series as long; each line's buckets hold exactly its records.
    expect(view.lengths.every((n) => n === chart.x.length)).toBe(true);
    expect(chart.x.length).toBeGreaterThan(10);
    for (const [name, n] of Object.entries(expected)) {
      expect(n, `${id} ${name}`).toBeGreaterThan(0);
      expect(count(chart.lines, name), `${id} ${name}`).toBe(n);
      const label = id === 'chart-memory' ? name : `${name} mean`;
      expect(view.filled[view.labels.indexOf(label)], `${id} ${label}`).toBeGreaterThan(0);
    }
    expect(view.colored, id).toBeGreaterThan(200);
    // Every marker is a line down the plot (dashed: over a third of its height) on every time chart.
    for (const kind of ['kill_switch', 'disconnect', 'reconnect', 'symbol_added']) expect(view.markerColumns.some((m) => m.kind === kind), `${id} ${kind}`).toBe(true);
    for (const m of view.markerColumns) expect(m.share, `${id} ${m.kind}`).toBeGreaterThan(0.35);
    if (id === 'chart-lag') {
      // The frozen feed's windows (a loaded machine may add others, TSLA's say): each tinted, and only they.
      expect(view.shading.map((s) => s.symbol)).toEqual(expect.arrayContaining(['SPY', 'QQQ']));
      for (const s of view.shading) expect(s.inside, `${s.symbol} window`).toBeGreaterThan(0.5);
      expect(view.unshaded).not.toBeNull();
      expect(view.unshaded).toBeLessThan(0.1);
    }
  }
  expect(report.per_symbol.SPY?.staleness_windows.length).toBeGreaterThan(0);
}, 60_000);
