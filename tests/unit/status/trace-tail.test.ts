/** What `trader status` reads from a trace without a metrics port: a real file in a temp dir. */
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTraceTail } from '../../../src/status/trace-tail.js';

const T0 = Date.parse('2026-11-25T14:30:00.000Z');
const at = (ms: number): string => new Date(T0 + ms).toISOString();
/** A record as the journal writes it: `type` and `event` (the event name; decisions are type "decision"). */
const line = (r: Record<string, unknown>): string => `${JSON.stringify(r.type === 'run' || r.type === 'decision' ? r : { ...r, event: String(r.type).toUpperCase() })}\n`;

function trace(records: Array<Record<string, unknown>>, tail = ''): string {
  const path = join(mkdtempSync(join(tmpdir(), 'trader-tail-')), 'trace.jsonl');
  writeFileSync(path, records.map(line).join('') + tail);
  return path;
}

const run = { type: 'run', ts: at(0), run_id: 'r-9', symbols: ['SPY', 'QQQ', 'TSLA'] };
const decision = (symbol: string, ms: number, action = 'BUY'): Record<string, unknown> => ({ action, confidence: 0.7, event: 'DECISION_LOGGED', inputs: { bars: [], symbol }, latency_ms: 4.5, symbol, ts: at(ms), type: 'decision' });

describe('readTraceTail', () => {
  it('folds the last heartbeat, breach, decision and fill per symbol, and counts every decision', () => {
    const path = trace(
      [
        run,
        { type: 'feed_connected', ts: at(100) },
        decision('SPY', 1000),
        decision('SPY', 2000, 'SELL'),
        decision('QQQ', 2000, 'HOLD'),
        { type: 'order_filled', ts: at(2001), symbol: 'SPY', position: -1 },
        { type: 'heartbeat_ok', ts: at(3000), symbol: 'SPY', last_update_ms: 200, lag_ms: 3, state: 'ACTIVE' },
        { type: 'heartbeat_ok', ts: at(3000), symbol: 'QQQ', last_update_ms: 100, lag_ms: 2, state: 'ACTIVE' },
        { type: 'heartbeat_no_data', ts: at(3000), symbol: 'TSLA', state: 'ACTIVE' },
        { type: 'staleness_breach', ts: at(9000), symbol: 'QQQ', age_ms: 6100, max_lag_ms: 5000 },
        { type: 'memory_sample', ts: at(9500), rss: 90_000_000 },
        { type: 'websocket_disconnect', ts: at(9600) },
      ],
      '{"type":"decision","symbol":"SPY"', // a cut last line: neither folded nor counted
    );
    const t = readTraceTail(path);
    expect(t).toMatchObject({ runId: 'r-9', partial: false, counted: true, feedConnected: false, rss: { bytes: 90_000_000 }, stopped: false });
    expect([...t.symbols.keys()]).toEqual(['SPY', 'QQQ', 'TSLA']);
    expect(t.symbols.get('SPY')).toMatchObject({ state: 'ACTIVE', dataAtMs: T0 + 2800, lagMs: 3, stale: false, decisions: 2, position: -1, lastDecision: { action: 'SELL', atMs: T0 + 2000 } });
    expect(t.symbols.get('QQQ')).toMatchObject({ state: 'HALTED', stale: true, dataAtMs: T0 + 2900, decisions: 1 });
    expect(t.symbols.get('TSLA')).toMatchObject({ state: 'ACTIVE', dataAtMs: null, decisions: 0, lastDecision: null });
  });

  it('reads only the tail of a large trace, yet counts its decisions from the start', () => {
    const path = trace([run, decision('SPY', 1)]);
    const filler = line({ type: 'heartbeat_ok', ts: at(2), symbol: 'SPY', last_update_ms: 1, lag_ms: 1, state: 'ACTIVE', pad: 'x'.repeat(1000) });
    appendFileSync(path, filler.repeat(1200));
    appendFileSync(path, line(decision('SPY', 5000, 'HOLD')) + line({ type: 'kill_switch_detected', ts: at(5001) }) + line({ type: 'symbol_removed', ts: at(5002), symbol: 'TSLA' }));
    const t = readTraceTail(path);
    expect(t.partial).toBe(true);
    expect(t.killSwitchHalted).toBe(true);
    // The run record (the head) still names the symbols; the removed one is gone.
    expect([...t.symbols.keys()]).toEqual(['SPY', 'QQQ']);
    expect(t.symbols.get('SPY')).toMatchObject({ decisions: 2, lastDecision: { action: 'HOLD' } });
  });
});
