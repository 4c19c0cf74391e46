/**
 * The kill switch proves itself: the probe goes through the real gate and never to the broker,
 * a file present at start is told apart, and the report's row needs the runner's proof.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { ReportCollector } from '../../../src/report/collect.js';
import { judgeKillSwitch } from '../../../src/report/matrix.js';
import { proveHalt } from '../../../src/runner/halt-proof.js';
import { OrderRouter } from '../../../src/runner/order-router.js';
import { KillSwitchPoller, type KillSwitchChange } from '../../../src/safety/kill-switch.js';
import { Bus } from '../../../src/core/bus.js';
import { RunStats } from '../../../src/telemetry/run-stats.js';
import { TradingState } from '../../../src/safety/trading-state.js';
import { Journal } from '../../../src/trace/journal.js';
import type { RunRecord } from '../../../src/trace/schema.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'trader-ks-'));

function router(dir: string) {
  const config = parseConfig('t.yaml', 'symbols: [SPY, QQQ]\nmax_positions: 2\n');
  const journal = new Journal({ tracePath: join(dir, 't.jsonl'), logPath: join(dir, 'run.log'), logFormat: 'text', logLevel: 'info', timezone: 'UTC', now: () => 0 });
  const bus = new Bus();
  journal.attach(bus);
  const stats = new RunStats(bus);
  const state = new TradingState();
  let polls = 0;
  // The monitor's part: refresh (the pre-trade poll), then the snapshot.
  const safety = { beforeOrder: () => ((polls += 1), state), snapshot: state };
  const r = new OrderRouter(config, { FLAG_MULTI_SYMBOL: true, FLAG_REALTIME: true, STAGING_MODE: true }, safety, bus, () => 0);
  const counts = () => stats.totals(0).orders;
  const proofFailed = () => state.set('kill_switch_verify', 'HALTED');
  const records = (): Array<Record<string, unknown>> => readFileSync(join(dir, 't.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { r, state, journal, bus, counts, proofFailed, records, polls: () => polls, log: () => readFileSync(join(dir, 'run.log'), 'utf8') };
}

describe('the kill-switch probe', () => {
  const quote = { bid: 100, ask: 100.02 };

  it('is refused reason=TRADING_HALTED by the gate when halted, after the same pre-trade poll, and counted apart', () => {
    const t = router(tmp());
    t.state.set('kill_switch', 'HALTED');
    expect(t.r.probe('SPY', quote)).toBe('TRADING_HALTED');
    expect(t.polls()).toBe(1);
    expect(t.counts()).toEqual({ submitted: 0, filled: 0, rejected: 0, probes: 1 });
    t.journal.close();
    expect(t.records()).toEqual([expect.objectContaining({ event: 'ORDER_REJECTED', probe: true, symbol: 'SPY', reason: 'TRADING_HALTED', msg: 'ORDER_REJECTED: PROBE symbol=SPY side=BUY qty=1 reason=TRADING_HALTED' })]);
  });

  it('never reaches the broker even when the gate lets it through: an ERROR line, no order, no position', () => {
    const t = router(tmp());
    expect(t.r.probe('SPY', quote)).toBeUndefined();
    expect(t.r.broker.allPositions()).toEqual({});
    expect(t.counts()).toEqual({ submitted: 0, filled: 0, rejected: 0, probes: 1 });
    t.journal.close();
    expect(t.records().map((r) => r.event)).toEqual(['PROBE_ACCEPTED']);
    expect(t.log()).toMatch(/^\[[\d:]+\] ERROR PROBE_ACCEPTED: PROBE symbol=SPY side=BUY qty=1 passed the gate/);
    // A real order after it is not mistaken for a duplicate of the probe.
    t.r.onDecision('SPY', { action: 'BUY', confidence: 0.9 }, quote);
    expect(t.counts().submitted).toBe(1);
  });
});

describe('proving the halt', () => {
  const quote = { bid: 100, ask: 100.02 };

  it('logs KILL_SWITCH_VERIFIED when every symbol\'s probe is refused reason=TRADING_HALTED', () => {
    const t = router(tmp());
    t.state.set('kill_switch', 'HALTED');
    expect(proveHalt(['SPY', 'QQQ'], t.r, () => quote, t.proofFailed, t.bus, () => 1.25)).toBe(true);
    t.journal.close();
    expect(t.records().at(-1)).toMatchObject({ event: 'KILL_SWITCH_VERIFIED', probes: 2, results: { SPY: 'TRADING_HALTED', QQQ: 'TRADING_HALTED' }, since_detection_ms: 1.3, verified: true });
  });

  it('when the gate would trade through the halt: an ERROR, trading forced HALTED, and clearing the kill switch does not lift it', () => {
    const t = router(tmp());
    // A broken halt: the kill switch's state never reached the gate for SPY's orders.
    expect(proveHalt(['SPY'], t.r, () => quote, t.proofFailed, t.bus, () => 2)).toBe(false);
    expect(t.state.effective('SPY')).toEqual({ level: 'HALTED', source: 'kill_switch_verify' });
    t.state.set('kill_switch', 'ACTIVE');
    t.r.onDecision('SPY', { action: 'BUY', confidence: 0.9 }, quote);
    expect(t.counts()).toMatchObject({ submitted: 0, rejected: 1 });
    t.journal.close();
    expect(t.log()).toMatch(/\] ERROR KILL_SWITCH_VERIFY_FAILED: probe SPY=ACCEPTED \(expected reason=TRADING_HALTED\); trading forced HALTED DECISION_ORDERS=HALTED\n/);
    // A probe refused for another reason is no proof either.
    const u = router(tmp());
    u.state.set('memory', 'REDUCING');
    expect(proveHalt(['SPY'], u.r, () => quote, u.proofFailed, u.bus, () => 2)).toBe(false);
    u.journal.close();
    expect(u.records().at(-1)).toMatchObject({ event: 'KILL_SWITCH_VERIFY_FAILED', results: { SPY: 'TRADING_REDUCING' } });
  });
});

describe('KillSwitchPoller presentAtStart', () => {
  it('is true only when the first check finds the file', () => {
    const dir = tmp();
    const file = join(dir, 'HALT');
    writeFileSync(file, '');
    const early: KillSwitchChange[] = [];
    new KillSwitchPoller(file, (c) => early.push(c)).check();
    expect(early[0]).toMatchObject({ kind: 'appeared', presentAtStart: true });

    const late: KillSwitchChange[] = [];
    const poller = new KillSwitchPoller(join(dir, 'LATER'), (c) => late.push(c));
    poller.check();
    writeFileSync(join(dir, 'LATER'), '');
    poller.check();
    expect(late[0]).toMatchObject({ kind: 'appeared', presentAtStart: false });
  });
});

const RUN: RunRecord = {
  type: 'run', ts: '2026-01-01T14:30:00.000Z', schema_version: 1, trader_version: 't', run_id: 'r', pid: 1, started_at: '2026-01-01T14:30:00.000Z', command: 'run',
  config: { path: 'c.yaml', digest: 'd' }, strategy: { name: 'vwap_momentum', version: '1', params: {} }, bar_interval_ms: 1000, symbols: ['SPY'],
  flags: { FLAG_MULTI_SYMBOL: true, FLAG_REALTIME: true, STAGING_MODE: true }, feed: { venue: 'replay' }, timezone: 'UTC', thresholds: { max_lag_ms: 5000, max_positions: 1, kill_switch_file: 'HALT' },
};

/** The kill_switch row over records shaped as the runner writes them. */
function judge(records: Array<Record<string, unknown>>) {
  const c = new ReportCollector(RUN);
  c.merge({ symbols: [], others: records.map((r, i) => JSON.stringify({ ts: new Date(Date.parse(RUN.started_at) + i * 100).toISOString(), type: String(r.event).toLowerCase(), ...r })) });
  return { ...judgeKillSwitch(c.killSwitch), c };
}

const detected = (delay: number | null, presentAtStart = false) => ({ event: 'KILL_SWITCH_DETECTED', detection_delay_ms: delay, present_at_start: presentAtStart });
const probe = { event: 'ORDER_REJECTED', symbol: 'SPY', reason: 'TRADING_HALTED', probe: true };
const verified = { event: 'KILL_SWITCH_VERIFIED', since_detection_ms: 2.5, verified: true };

describe('the kill_switch row', () => {
  it('passes a detection within the bound verified by its probe, with no order after', () => {
    const { status, observed, c } = judge([{ event: 'ORDER_SUBMITTED', symbol: 'SPY' }, detected(212), probe, verified, { event: 'ORDER_REJECTED', symbol: 'SPY', reason: 'TRADING_HALTED' }]);
    expect(status).toBe('PASS');
    expect(observed).toBe('detected after 212 ms; verified by probe (refused TRADING_HALTED 3 ms after detection); 0 orders after, 1 rejected');
    // The probe is not one of the strategy's orders.
    expect(c.symbols.get('SPY')?.orders).toEqual({ submitted: 1, filled: 0, rejected: 1 });
    expect(c.killSwitch.probes).toBe(1);
  });

  it('fails a detection nobody verified: no order attempted proves nothing', () => {
    const { status, observed } = judge([detected(212)]);
    expect(status).toBe('FAIL');
    expect(observed).toMatch(/no probe verification; .* not verified \(no KILL_SWITCH_VERIFIED after the detection\)/);
  });

  it('fails a verification that came before the detection, a failed probe, a late detection, an order after', () => {
    expect(judge([verified, detected(212)]).status).toBe('FAIL');
    expect(judge([detected(212), { event: 'PROBE_ACCEPTED', symbol: 'SPY', probe: true }, { event: 'KILL_SWITCH_VERIFY_FAILED' }]).observed).toMatch(/probe passed the gate \(KILL_SWITCH_VERIFY_FAILED\)/);
    expect(judge([detected(10_000), probe, verified]).observed).toMatch(/1 detection not within 10 s/);
    expect(judge([detected(null), probe, verified]).status).toBe('FAIL');
    const late = judge([detected(212), probe, verified, { event: 'ORDER_SUBMITTED', symbol: 'SPY' }, { event: 'ORDER_FILLED', symbol: 'SPY' }]);
    expect(late.status).toBe('FAIL');
    expect(late.observed).toMatch(/2 ORDER_SUBMITTED\/ORDER_FILLED while halted/);
  });

  it('needs every detection verified; orders after a TRADING_RESUMED are not after the halt', () => {
    expect(judge([detected(100), probe, verified, { event: 'TRADING_RESUMED' }, { event: 'ORDER_SUBMITTED', symbol: 'SPY' }, detected(150)]).observed).toMatch(/not verified \(no KILL_SWITCH_VERIFIED after 1 of 2 detections\)/);
    expect(judge([detected(100), probe, verified, { event: 'TRADING_RESUMED' }, { event: 'ORDER_SUBMITTED', symbol: 'SPY' }, detected(150), probe, verified]).status).toBe('PASS');
  });

  it('reports a file present at start as HALTED from the first instant, with no delay, and passes it when verified', () => {
    const { status, observed } = judge([detected(null, true), probe, verified]);
    expect(status).toBe('PASS');
    expect(observed).toMatch(/^present at start, HALTED from the first instant; verified by probe/);
    expect(observed).not.toMatch(/detected after/);
  });

  it('is not exercised when the file never appeared', () => {
    expect(judge([{ event: 'ORDER_SUBMITTED', symbol: 'SPY' }]).status).toBe('NOT_EXERCISED');
  });
});
