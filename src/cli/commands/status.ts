/**
 * `trader status [--json]`: the runners that are running, from the per-user run directory: each
 * one's files and kill switch (looked at by the runner's own safe rules), then its state in one
 * screen — trading state, feed, RSS, and per symbol the state, data age, lag, decisions and
 * position — from its /metrics when it has a metrics port, else from the tail of its trace.
 * Then any `trader ingest` running (scale-out): its feed and NATS connections, what it published
 * and how old each symbol's data is, from its trace's last heartbeat.
 */
import { liveIngests, liveRunners, runDir } from '../../runtime/registry.js';
import { ingestStatus, type IngestStatus } from '../../status/ingest.js';
import { runnerStatus, type RunnerStatus, type SymbolStatus } from '../../status/snapshot.js';

export async function status(opts: { json: boolean }): Promise<number> {
  const dir = runDir(process.env);
  const now = Date.now();
  const runners = await Promise.all(liveRunners(dir).map((r) => runnerStatus(r, now)));
  const ingests = liveIngests(dir).map((i) => ingestStatus(i, now));
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ run_dir: dir, runners, ingests })}\n`);
    return 0;
  }
  if (runners.length === 0) process.stdout.write(`no runner is running (run directory ${dir})\n`);
  for (const r of runners) process.stdout.write(render(r));
  for (const i of ingests) process.stdout.write(renderIngest(i));
  return 0;
}

function renderIngest(i: IngestStatus): string {
  const connected = (v: boolean | null): string => (v === null ? 'unknown' : v ? 'connected' : 'DISCONNECTED');
  const lines = [
    `ingest pid ${i.pid} since ${i.started_at} (cwd ${i.cwd})`,
    `  feed ${i.venue} at ${i.feed_url}: ${connected(i.feed_connected)}; NATS ${i.nats_url}: ${connected(i.nats_connected)}; stream ${i.stream}`,
    `  log ${i.log}`,
    `  trace ${i.trace}`,
    i.heartbeat_age_s === null ? '  no heartbeat yet' : `  published ${i.published ?? '-'} events, ${i.rate_per_s === null ? '-' : Math.round(i.rate_per_s)}/s at the last heartbeat (${clock(i.heartbeat_age_s)} ago), up ${clock(i.uptime_s)}`,
  ];
  if (i.source_note) lines.push(`  note: ${i.source_note}`);
  if (i.heartbeat_age_s !== null && i.symbols.length) {
    lines.push(...columns(['symbol', 'published', 'data age'], i.symbols.map((s) => [s.symbol, s.published === null ? '-' : String(s.published), s.data_age_s === null ? 'no data' : `${s.data_age_s.toFixed(1)}s`])));
  }
  return `${lines.join('\n')}\n`;
}

function render(r: RunnerStatus): string {
  const lines = [
    `pid ${r.pid} since ${r.started_at} (cwd ${r.cwd})`,
    `  kill switch ${r.kill_switch}: ${r.kill_switch_present === null ? 'cannot be checked, trading HALTED' : r.kill_switch_present ? `PRESENT, trading HALTED${r.kill_switch_note ? ` (${r.kill_switch_note})` : ''}` : 'absent'}`,
    `  log ${r.log}`,
    `  trace ${r.trace}`,
    `  pid file ${r.pid_file}${r.capture ? `\n  capture ${r.capture}` : ''}`,
    `  trading ${r.trading}, feed ${r.feed_connected === null ? 'unknown' : r.feed_connected ? 'connected' : 'DISCONNECTED'}, rss ${r.rss_bytes === null ? 'n/a' : `${(r.rss_bytes / 1048576).toFixed(1)} MB`}, up ${clock(r.uptime_s)}`,
    `  ${source(r)}`,
  ];
  if (r.source_note) lines.push(`  note: ${r.source_note}`);
  if (r.symbols.length) lines.push(...table(r.symbols, r.source === 'trace'));
  return `${lines.join('\n')}\n`;
}

function source(r: RunnerStatus): string {
  const health = r.health ? ` (healthz: ${r.health.ok ? 'ok' : `UNHEALTHY: ${r.health.reason}`})` : '';
  if (r.source === 'metrics') return `figures from ${r.metrics_url ?? ''}${health}`;
  if (r.source === 'trace') return `figures from the trace's last heartbeats${r.metrics_url ? '' : ' (no --metrics-port)'}`;
  return 'no figures';
}

/** One row per symbol, columns padded to their widest cell. */
function table(symbols: SymbolStatus[], fromTrace: boolean): string[] {
  const head = ['symbol', 'state', 'data age', 'lag', 'decisions', ...(fromTrace ? ['last decision'] : []), 'position'];
  const rows = symbols.map((s) => [
    s.symbol,
    s.state === null ? '-' : s.stale ? `${s.state} (stale)` : s.state,
    s.data_age_s === null ? 'no data' : `${s.data_age_s.toFixed(1)}s`,
    s.lag_ms === null ? '-' : `${Math.round(s.lag_ms)}ms`,
    String(s.decisions ?? '-'),
    ...(fromTrace ? [s.last_decision ? `${s.last_decision.action} ${s.last_decision.confidence.toFixed(2)} ${clock(s.last_decision.age_s)} ago` : '-'] : []),
    s.position === null ? '-' : String(s.position),
  ]);
  return columns(head, rows);
}

/** A header and rows, each column padded to its widest cell, indented under its process. */
function columns(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  return [head, ...rows].map((row) => `  ${row.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()}`);
}

function clock(seconds: number): string {
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m${String(sec).padStart(2, '0')}s` : m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}
