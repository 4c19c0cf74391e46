/**
 * `trader run --metrics-port` and `trader status`, end to end: the real CLI, real HTTP scrapes of
 * its /metrics and /healthz, a real feed-server frozen with SIGSTOP, and `trader status` run from
 * another process against the running runners.
 */
import { createServer, type Server } from 'node:net';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTrace, RUN_DIR, runCli, startCli, startFeedServerCli, tempDir, writeDrillConfig, type RunningCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';
import { parseExposition, type Sample } from '../../src/telemetry/metrics-text.js';

function runner(dir: string, cfg: string, extra: string[] = []): RunningCli {
  return startCli(['run', '--config', cfg, '--log-file', join(dir, 'run.log'), '--trace-file', join(dir, 'trace.jsonl'), '--pid-file', join(dir, 'pid'), '--kill-switch-file', join(dir, 'HALT'), '--quiet', ...extra]);
}

/** The /metrics URL the run printed, once it has. */
async function metricsUrl(run: RunningCli): Promise<string> {
  let url = '';
  await waitFor(() => {
    url = /trader run: metrics (http:\/\/\S+\/metrics), health/.exec(run.stdout())?.[1] ?? '';
    return url !== '' || run.child.exitCode !== null;
  }, 30_000);
  if (!url) throw new Error(`no metrics URL printed: ${run.stderr()}`);
  return url;
}

async function scrape(url: string): Promise<Sample[]> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return parseExposition(await res.text());
}

const sum = (samples: Sample[], name: string, labels: Record<string, string> = {}): number =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);

async function health(url: string): Promise<{ status: number; body: { status: string; reason: string; stale: string[] } }> {
  const res = await fetch(url.replace(/\/metrics$/, '/healthz'));
  return { status: res.status, body: (await res.json()) as { status: string; reason: string; stale: string[] } };
}

async function stop(...clis: RunningCli[]): Promise<void> {
  for (const c of clis) {
    c.child.kill('SIGTERM');
    expect((await c.exited).code).toBe(0);
  }
}

describe('trader run --metrics-port', () => {
  it('serves /metrics on loopback while it runs: the decisions counter moves between two scrapes and agrees with the trace', async () => {
    const dir = tempDir();
    const run = runner(dir, writeDrillConfig(dir), ['--metrics-port', '0']);
    const url = await metricsUrl(run);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    // The run directory's entry carries the URL actually bound, for `trader status`.
    const entry = JSON.parse(readFileSync(join(RUN_DIR, `${run.child.pid}.json`), 'utf8')) as { metrics_url: string };
    expect(entry.metrics_url).toBe(url);

    const res = await fetch(url);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    let first: Sample[] = [];
    await waitFor(async () => sum((first = await scrape(url)), 'trader_decisions_total') >= 2, 30_000);
    const before = sum(first, 'trader_decisions_total');
    let second: Sample[] = [];
    await waitFor(async () => sum((second = await scrape(url)), 'trader_decisions_total') > before, 30_000);
    const after = sum(second, 'trader_decisions_total');
    expect(after).toBeGreaterThan(before);
    // One scrape is consistent with itself: one latency observation per decision.
    expect(sum(second, 'trader_decision_latency_seconds_count')).toBe(after);
    expect(sum(second, 'trader_feed_up')).toBe(1);
    expect(sum(second, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(sum(second, 'trader_data_age_seconds', { symbol: 'SPY' })).toBeLessThan(5);
    expect(sum(second, 'trader_feed_lag_seconds_count', { symbol: 'QQQ' })).toBeGreaterThan(0);
    expect(sum(second, 'trader_orders_submitted_total')).toBeGreaterThan(0);
    const runId = second.find((s) => s.name === 'trader_run_info')?.labels.run_id;

    await stop(run);
    const trace = readTrace(join(dir, 'trace.jsonl'));
    expect(runId).toBe(trace[0]?.run_id);
    // Every decision the metrics counted is in the trace (the run went on deciding after the scrape).
    const decided = trace.filter((r) => r.type === 'decision');
    expect(decided.length).toBeGreaterThanOrEqual(after);
    for (const action of ['BUY', 'SELL', 'HOLD']) {
      expect(decided.filter((r) => r.action === action).length).toBeGreaterThanOrEqual(sum(second, 'trader_decisions_total', { action }));
    }
    // The endpoint goes with the run.
    await expect(fetch(url)).rejects.toThrow();
  });

  it('/healthz turns 503 naming the stale symbols when the feed freezes, and 200 once it resumes', async () => {
    const dir = tempDir();
    const feed = await startFeedServerCli(['--speed', '20']);
    // Slow pings: the frozen socket stays open, so it is the data that goes stale, not the connection.
    const run = runner(dir, writeDrillConfig(dir, 'staleness: { max_lag: 1s }\n', '  connection: { ping_interval: 30s, ping_timeout: 30s }\n'), ['--feed', 'native', '--feed-url', feed.url, '--metrics-port', '0']);
    const url = await metricsUrl(run);
    await waitFor(async () => (await health(url)).status === 200, 30_000);
    expect((await health(url)).body).toMatchObject({ status: 'ok', reason: 'ok' });

    feed.cli.child.kill('SIGSTOP');
    let frozen = await health(url);
    await waitFor(async () => (frozen = await health(url)).status === 503 && frozen.body.stale.length === 2, 30_000);
    expect(frozen.body).toMatchObject({ status: 'unhealthy', stale: ['QQQ', 'SPY'] });
    expect(frozen.body.reason).toContain('stale: QQQ,SPY');
    const during = await scrape(url);
    expect(sum(during, 'trader_symbol_stale')).toBe(2);
    expect(sum(during, 'trader_data_age_seconds', { symbol: 'SPY' })).toBeGreaterThan(1);

    feed.cli.child.kill('SIGCONT');
    await waitFor(async () => (await health(url)).status === 200, 30_000);
    const back = await scrape(url);
    expect(sum(back, 'trader_symbol_stale')).toBe(0);
    expect(sum(back, 'trader_staleness_breaches_total')).toBeGreaterThanOrEqual(2);
    await stop(run, feed.cli);
  });

  it('/healthz is 503 "feed primary not connected" while the feed cannot be reached, and the failed attempts are counted', async () => {
    // A port nothing listens on: every connection attempt is refused at once.
    const probe: Server = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const deadPort = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const dir = tempDir();
    const run = runner(dir, writeDrillConfig(dir, '', '  connection: { backoff_initial: 50ms, backoff_max: 200ms }\n'), ['--feed', 'native', '--feed-url', `ws://127.0.0.1:${deadPort}`, '--metrics-port', '0']);
    const url = await metricsUrl(run);
    let samples: Sample[] = [];
    await waitFor(async () => sum((samples = await scrape(url)), 'trader_feed_reconnect_failures_total') >= 3, 30_000);
    expect(sum(samples, 'trader_feed_up')).toBe(0);
    const h = await health(url);
    expect(h.status).toBe(503);
    expect(h.body.reason).toMatch(/^feed primary not connected; no data yet: QQQ,SPY/);
    expect((await fetch(url.replace(/\/metrics$/, '/nope'))).status).toBe(404);
    await stop(run);
  });

  it('a busy port or an address it cannot bind: one line, exit 2, nothing written', async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      for (const [flags, message] of [
        [['--metrics-port', String(port)], new RegExp(`^trader: --metrics-port ${port}: already in use on 127\\.0\\.0\\.1`)],
        // TEST-NET-3: no interface of this machine has it, so binding fails (no packet is sent).
        [['--metrics-port', '0', '--metrics-host', '203.0.113.7'], /^trader: --metrics-host 203\.0\.113\.7 --metrics-port 0: cannot listen there \(EADDRNOTAVAIL\)/],
        [['--metrics-host', '127.0.0.1'], /^trader: --metrics-host needs --metrics-port/],
        [['--metrics-port', '65536'], /--metrics-port.*expected a port number 0-65535, got "65536"/],
      ] as const) {
        const dir = tempDir();
        writeFileSync(join(dir, 'run.log'), 'the previous run\n');
        const registered = readdirSync(RUN_DIR).length;
        const r = await runCli(['run', '--config', writeDrillConfig(dir), '--log-file', join(dir, 'run.log'), '--trace-file', join(dir, 'trace.jsonl'), '--pid-file', join(dir, 'pid'), '--kill-switch-file', join(dir, 'HALT'), ...flags]);
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(message);
        expect(r.stderr).not.toMatch(/\n\s+at /);
        expect(r.stdout).toBe('');
        // The previous run's log untouched, and nothing else written: no trace, pid file, lock or registry entry.
        expect(readdirSync(dir).sort()).toEqual(['drill.yaml', 'run.log']);
        expect(readFileSync(join(dir, 'run.log'), 'utf8')).toBe('the previous run\n');
        expect(readdirSync(RUN_DIR).length).toBe(registered);
      }
    } finally {
      busy.close();
    }
  });
});

interface StatusJson {
  runners: Array<{
    pid: number;
    source: string;
    source_note: string | null;
    trading: string;
    metrics_url: string | null;
    health: { ok: boolean } | null;
    feed_connected: boolean | null;
    rss_bytes: number | null;
    symbols: Array<{ symbol: string; state: string | null; data_age_s: number | null; lag_ms: number | null; decisions: number | null; last_decision: { action: string } | null }>;
  }>;
}

describe('trader status against running runners', () => {
  it('shows each runner\'s state: live figures from its /metrics, or from its trace without a metrics port; text and --json', async () => {
    const withMetrics = tempDir();
    const withoutMetrics = tempDir();
    const a = runner(withMetrics, writeDrillConfig(withMetrics), ['--metrics-port', '0']);
    const b = runner(withoutMetrics, writeDrillConfig(withoutMetrics));
    const url = await metricsUrl(a);
    const decisions = (dir: string): number => readTrace(join(dir, 'trace.jsonl')).filter((r) => r.type === 'decision').length;
    await waitFor(() => decisions(withMetrics) >= 4 && decisions(withoutMetrics) >= 4, 30_000);

    const json = await runCli(['status', '--json']);
    expect(json.code).toBe(0);
    const st = JSON.parse(json.stdout) as StatusJson;
    const ra = st.runners.find((r) => r.pid === a.child.pid);
    const rb = st.runners.find((r) => r.pid === b.child.pid);
    expect(ra).toMatchObject({ source: 'metrics', source_note: null, metrics_url: url, trading: 'ACTIVE', health: { ok: true }, feed_connected: true });
    expect(ra?.rss_bytes).toBeGreaterThan(10 * 1048576);
    expect(ra?.symbols.map((s) => s.symbol).sort()).toEqual(['QQQ', 'SPY']);
    for (const s of ra?.symbols ?? []) {
      expect(s.state).toBe('ACTIVE');
      expect(s.data_age_s).toBeLessThan(5);
      expect(s.decisions).toBeGreaterThanOrEqual(1);
    }
    expect(rb).toMatchObject({ source: 'trace', metrics_url: null, trading: 'ACTIVE', health: null, feed_connected: true });
    expect(rb?.rss_bytes).toBeGreaterThan(10 * 1048576);
    expect(rb?.symbols.map((s) => s.symbol).sort()).toEqual(['QQQ', 'SPY']);
    for (const s of rb?.symbols ?? []) {
      expect(s.state).toBe('ACTIVE');
      expect(s.data_age_s).toBeLessThan(5);
      expect(s.lag_ms).not.toBeNull();
      expect(s.last_decision?.action).toMatch(/^(BUY|SELL|HOLD)$/);
      expect(s.decisions).toBeGreaterThanOrEqual(1);
    }
    // Counted over the whole trace: no more than the trace holds at this moment (the run goes on).
    const inTrace = readTrace(join(withoutMetrics, 'trace.jsonl')).filter((r) => r.type === 'decision');
    for (const s of rb?.symbols ?? []) expect(s.decisions).toBeLessThanOrEqual(inTrace.filter((r) => r.symbol === s.symbol).length);

    const text = await runCli(['status']);
    expect(text.code).toBe(0);
    const blockOf = (pid: number | undefined): string => text.stdout.split(/\n(?=pid )/).find((b) => b.startsWith(`pid ${pid} `)) ?? '';
    const blockA = blockOf(a.child.pid);
    expect(blockA).toMatch(/\n  trading ACTIVE, feed connected, rss \d+\.\d MB, up \d+s\n/);
    expect(blockA).toContain(`figures from ${url} (healthz: ok)`);
    expect(blockA).toMatch(/\n  symbol +state +data age +lag +decisions +position\n/);
    expect(blockA).toMatch(/\n  SPY +ACTIVE +\d+\.\ds +\d+ms +\d+ +/);
    const blockB = blockOf(b.child.pid);
    expect(blockB).toContain("figures from the trace's last heartbeats (no --metrics-port)");
    expect(blockB).toMatch(/\n  symbol +state +data age +lag +decisions +last decision +position\n/);
    expect(blockB).toMatch(/\n  QQQ +ACTIVE +\d+\.\ds +\d+ms +\d+ +(BUY|SELL|HOLD) \d\.\d\d \d+s ago/);

    // The kill switch shows in both at once: trading HALTED.
    writeFileSync(join(withMetrics, 'HALT'), '');
    writeFileSync(join(withoutMetrics, 'HALT'), '');
    await waitFor(async () => {
      const s = JSON.parse((await runCli(['status', '--json'])).stdout) as StatusJson;
      return [a.child.pid, b.child.pid].every((pid) => {
        const r = s.runners.find((x) => x.pid === pid);
        return r?.trading === 'HALTED' && r.symbols.every((sym) => sym.state === 'HALTED');
      });
    }, 30_000);
    await stop(a, b);
    // Gone runners are not listed.
    expect(JSON.parse((await runCli(['status', '--json'])).stdout)).toMatchObject({ runners: [] });
  });
});
