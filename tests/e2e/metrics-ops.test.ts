/**
 * The files in ops/ and docs/metrics.md against the real thing: promtool (Debian's prometheus
 * package, installed here and by .ci/run) checks and unit-tests the alert rules, and every metric
 * the rules and the Grafana dashboard name must be one a real `trader run --metrics-port` exports;
 * docs/metrics.md must document exactly the trader_ metrics it exports.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { REPO, startCli, tempDir, writeDrillConfig } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

const RULES = join(REPO, 'ops/prometheus/trader-alerts.yml');
const RULE_TESTS = join(REPO, 'ops/prometheus/trader-alerts.test.yml');
const DASHBOARD = join(REPO, 'ops/grafana/trader-dashboard.json');
const DOC = join(REPO, 'docs/metrics.md');

/** Spawns promtool for real; a missing promtool fails the test (it is a declared dependency of CI). */
function promtool(...args: string[]): { code: number | null; out: string } {
  const r = spawnSync('promtool', args, { encoding: 'utf8' });
  if (r.error) throw new Error(`promtool could not be run (${r.error.message}): install Debian's prometheus package (.ci/run does)`);
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

/** The metric names a PromQL expression reads: identifiers that are not functions, keywords, labels or Grafana variables. */
function metricNames(expr: string): string[] {
  const e = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\$\{?\w+\}?/g, '');
  const names: string[] = [];
  // Not inside a number or a duration (`5m`, `1e3`).
  for (const m of e.matchAll(/(?<![\w.:])[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    if (e.slice((m.index ?? 0) + m[0].length).trimStart().startsWith('(')) continue;
    if (KEYWORDS.has(m[0].toLowerCase())) continue;
    names.push(m[0]);
  }
  return names;
}

function ruleExprs(): Array<{ where: string; expr: string }> {
  const doc = parseYaml(readFileSync(RULES, 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> };
  return doc.groups.flatMap((g) => g.rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })));
}

interface Panel {
  id: number;
  title: string;
  type: string;
  targets?: Array<{ expr: string }>;
}

function dashboardExprs(): Array<{ where: string; expr: string }> {
  const dash = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[]; templating: { list: Array<{ name: string; definition?: string }> } };
  const panels = dash.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr })));
  const variables = dash.templating.list.filter((v) => v.definition).map((v) => ({ where: `variable $${v.name}`, expr: /label_values\((\w+)/.exec(v.definition ?? '')?.[1] ?? '' }));
  return [...panels, ...variables];
}

/**
 * The names a real run's /metrics exports: every `# TYPE` line (present before the first sample
 * of a labelled metric), histograms with their _bucket, _sum and _count series.
 */
async function exportedNames(): Promise<Map<string, string>> {
  const dir = tempDir();
  const run = startCli(['run', '--config', writeDrillConfig(dir), '--log-file', join(dir, 'run.log'), '--trace-file', join(dir, 'trace.jsonl'), '--pid-file', join(dir, 'pid'), '--kill-switch-file', join(dir, 'HALT'), '--quiet', '--metrics-port', '0', '--duration', '60s']);
  let url = '';
  await waitFor(() => (url = /metrics (http:\/\/\S+\/metrics),/.exec(run.stdout())?.[1] ?? '') !== '' || run.child.exitCode !== null, 30_000);
  let text = '';
  await waitFor(async () => (text = await (await fetch(url)).text()).includes('trader_decisions_total{'), 30_000);
  run.child.kill('SIGTERM');
  expect((await run.exited).code).toBe(0);
  const types = new Map<string, string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name = '', type = ''] = m;
    types.set(name, type);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) types.set(`${name}${suffix}`, 'histogram series');
  }
  return types;
}

describe('ops/prometheus alert rules', () => {
  it('pass promtool check rules', () => {
    const r = promtool('check', 'rules', RULES);
    expect(r.out).toMatch(/SUCCESS: 6 rules found/);
    expect(r.code).toBe(0);
  });

  it('pass their promtool unit tests (each abort condition fires, and stays quiet below its threshold)', () => {
    const r = promtool('test', 'rules', RULE_TESTS);
    expect(r.out).toMatch(/SUCCESS/);
    expect(r.code).toBe(0);
  });

  it('name the runbook\'s five abort conditions', () => {
    const alerts = ruleExprs().map((r) => r.where);
    expect(alerts).toEqual(expect.arrayContaining(['alert TraderStalenessBreach', 'alert TraderKillSwitchTriggered', 'alert TraderFeedDisconnected', 'alert TraderDecisionLatencyHigh', 'alert TraderMemoryGrowth']));
  });
});

describe('metric names in the rules, the dashboard and docs/metrics.md', () => {
  it('reference only metrics a real run exports, and the doc lists exactly the trader_ metrics it exports', async () => {
    const exported = await exportedNames();
    expect(exported.get('trader_decisions_total')).toBe('counter');
    expect(exported.has('process_resident_memory_bytes')).toBe(true);

    const exprs = [...ruleExprs(), ...dashboardExprs()];
    expect(exprs.length).toBeGreaterThan(20);
    const unknown: string[] = [];
    for (const { where, expr } of exprs) {
      const names = metricNames(expr);
      // An expression that names no metric would make this check vacuous.
      expect(names, `${where}: ${expr}`).not.toEqual([]);
      for (const n of names) if (!exported.has(n)) unknown.push(`${where}: ${n}`);
    }
    expect(unknown).toEqual([]);

    const documented = [...readFileSync(DOC, 'utf8').matchAll(/^\| `(trader_\w+)` \| (\w+) \|/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
    const ours = [...exported].filter(([n, t]) => n.startsWith('trader_') && t !== 'histogram series').map(([n, t]) => `${n} ${t}`).sort();
    expect(documented).toEqual(ours);
  });

  it('the name extraction finds the metrics of an expression and nothing else', () => {
    expect(metricNames('sum by (le, symbol) (rate(trader_feed_lag_seconds_bucket{instance=~"$instance", symbol="a b"}[1m])) > 0.5 or time() - trader_run_start_time_seconds offset 5m')).toEqual(['trader_feed_lag_seconds_bucket', 'trader_run_start_time_seconds']);
  });
});

describe('ops/grafana dashboard', () => {
  it('is a dashboard Grafana can import: unique panel ids, a Prometheus data-source variable, a query on every panel', () => {
    const dash = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { uid: string; panels: Panel[]; templating: { list: Array<{ name: string; type: string; query: unknown }> } };
    expect(dash.uid).toBe('trader-run');
    const ids = dash.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(dash.templating.list).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' })]));
    for (const p of dash.panels.filter((x) => x.type !== 'row')) expect(p.targets?.length, p.title).toBeGreaterThan(0);
  });
});
