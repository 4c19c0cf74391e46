/** The console form of the report: the matrix as a table, then the decision. */
import type { Report } from './schema.js';

const MARK: Record<string, string> = { PASS: '✅ PASS', FAIL: '❌ FAIL', NOT_EXERCISED: '⚠️  NOT_EXERCISED', WAIVED: '➖ WAIVED' };

export function renderTable(report: Report): string[] {
  const rows = report.criteria.map((r) => [r.title, r.threshold, r.observed, MARK[r.status] ?? r.status]);
  const head = ['Criterion', 'Threshold', 'Observed', 'Status'];
  const widths = head.map((h, i) => Math.min(70, Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length))));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ');
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)];
  out.push('');
  for (const [symbol, s] of Object.entries(report.per_symbol)) {
    out.push(`${symbol}: ${s.decisions} decisions (BUY ${s.actions.BUY}, SELL ${s.actions.SELL}, HOLD ${s.actions.HOLD}), latency avg ${s.latency_ms.avg} ms p95 ${s.latency_ms.p95} ms, lag avg ${s.lag_ms.avg} ms, orders ${s.orders.submitted} submitted / ${s.orders.rejected} rejected, staleness windows ${s.staleness_windows.length}`);
  }
  out.push('');
  if (report.waived.length) out.push(`Waived (operator's choice, not evidence): ${report.waived.join(', ')}`);
  out.push(report.decision === 'GO' ? 'DECISION: GO' : `DECISION: NO-GO (${report.reasons.join('; ')})`);
  return out;
}
