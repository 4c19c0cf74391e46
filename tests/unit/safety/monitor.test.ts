/**
 * The safety monitor's state transitions: the one writer of the trading state, driven by a real
 * kill-switch file in a temp dir and a hand-moved clock (its timers never fire inside a test: each
 * test stops it before returning).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { Bus } from '../../../src/core/bus.js';
import { EV, type RunEvent } from '../../../src/core/events.js';
import { SafetyMonitor } from '../../../src/safety/monitor.js';
import { waitFor } from '../../helpers/wait.js';

const monitors: SafetyMonitor[] = [];
afterEach(() => {
  for (const m of monitors.splice(0)) m.stop();
});

function setup(opts: { allowResume?: boolean; killSwitchFile?: string; yaml?: string; leak?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'trader-monitor-'));
  const config = parseConfig('t.yaml', `symbols: [SPY, QQQ]\nmax_positions: 1\nkill_switch:\n  allow_resume: ${opts.allowResume ? 'true' : 'false'}\n${opts.yaml ?? ''}`);
  const bus = new Bus();
  const events: RunEvent[] = [];
  bus.subscribe((e) => events.push(e));
  const clock = { now: 1_000_000 };
  const halts: number[] = [];
  const killSwitchFile = opts.killSwitchFile ?? join(dir, 'FLAG_TRADING_HALTED');
  const monitor = new SafetyMonitor({ config, killSwitchFile, bus, now: () => clock.now, positions: () => ({ SPY: 1 }), symbols: () => ['SPY', 'QQQ'], onHalt: (at) => halts.push(at), ...(opts.leak ? { drillLeakBytesPerSample: opts.leak } : {}) });
  monitors.push(monitor);
  const names = (): string[] => events.map((e) => e.name);
  return { dir, file: killSwitchFile, bus, events, names, clock, halts, monitor, level: (s?: string) => monitor.snapshot.effective(s) };
}

describe('SafetyMonitor', () => {
  it('halts on the kill switch the order path finds, announces it in order, and starts the proof only after the poll returned', async () => {
    const t = setup();
    expect(t.monitor.beforeOrder().effective('SPY')).toEqual({ level: 'ACTIVE', source: 'none' });
    writeFileSync(t.file, 'ops drill');
    // The pre-trade refresh: the snapshot the gate reads is already HALTED.
    expect(t.monitor.beforeOrder().effective('SPY')).toEqual({ level: 'HALTED', source: 'kill_switch' });
    expect(t.names()).toEqual([EV.KILL_SWITCH_DETECTED, EV.TRADING_HALTED, EV.ORDERS_CANCELLED, EV.POSITIONS_HELD, EV.FEEDS_ACTIVE]);
    expect(t.events[3]).toMatchObject({ positions: { SPY: 1 } });
    expect(t.halts).toEqual([]);
    await Promise.resolve();
    expect(t.halts).toEqual([1_000_000]);
  });

  it('keeps the halt latched when the file goes and allow_resume is false; lifts it when allowed', () => {
    const latched = setup();
    writeFileSync(latched.file, '');
    latched.monitor.pollKillSwitch();
    rmSync(latched.file);
    latched.clock.now += 250;
    latched.monitor.pollKillSwitch();
    expect(latched.level().level).toBe('HALTED');
    expect(latched.names().slice(-2)).toEqual([EV.KILL_SWITCH_CLEARED, EV.TRADING_STILL_HALTED]);

    const resumable = setup({ allowResume: true });
    writeFileSync(resumable.file, '');
    resumable.monitor.pollKillSwitch();
    rmSync(resumable.file);
    resumable.clock.now += 250;
    resumable.monitor.pollKillSwitch();
    expect(resumable.level('SPY')).toEqual({ level: 'ACTIVE', source: 'none' });
    expect(resumable.names().slice(-2)).toEqual([EV.KILL_SWITCH_CLEARED, EV.TRADING_RESUMED]);
  });

  it('fails closed when the kill switch cannot be checked, announcing it once, and recovers when it can', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trader-monitor-'));
    writeFileSync(join(dir, 'not-a-dir'), '');
    const t = setup({ killSwitchFile: join(dir, 'not-a-dir', 'HALT') });
    expect(t.monitor.beforeOrder().effective('SPY')).toEqual({ level: 'HALTED', source: 'check:kill_switch' });
    t.monitor.beforeOrder();
    expect(t.names()).toEqual([EV.SAFETY_CHECK_FAILED]);
    rmSync(join(dir, 'not-a-dir'));
    expect(t.monitor.beforeOrder().effective('SPY').level).toBe('ACTIVE');
    expect(t.names()).toEqual([EV.SAFETY_CHECK_FAILED, EV.SAFETY_CHECK_RECOVERED]);
  });

  it('halts when a periodic check has stopped running, at the next order', () => {
    const t = setup();
    t.monitor.startChecks();
    expect(t.monitor.beforeOrder().effective().level).toBe('ACTIVE');
    // The timers never fired: staleness (every 250 ms) and memory are now overdue.
    t.clock.now += 60_000;
    const state = t.monitor.beforeOrder().effective();
    expect(state.level).toBe('HALTED');
    expect(state.source).toMatch(/^check:(staleness|memory)$/);
    expect(t.names().filter((n) => n === EV.SAFETY_CHECK_STALLED).length).toBe(2);
  });

  it('halts a stale symbol alone, and lifts it when its data resumes', () => {
    const t = setup();
    t.monitor.watch('SPY');
    t.monitor.watch('QQQ');
    t.monitor.onData('QQQ', t.clock.now + 5_500, t.clock.now + 5_490);
    t.clock.now += 6_000;
    t.monitor.startChecks();
    expect(t.level('SPY')).toEqual({ level: 'HALTED', source: 'staleness' });
    expect(t.level('QQQ').level).toBe('ACTIVE');
    expect(t.events.find((e) => e.name === EV.STALENESS_BREACH)).toMatchObject({ symbol: 'SPY', never: true });
    t.monitor.onData('SPY', t.clock.now, t.clock.now - 5);
    expect(t.level('SPY').level).toBe('ACTIVE');
    expect(t.names()).toContain(EV.STALENESS_RECOVERED);
  });

  it('halts a symbol the feed does not know until its data arrives, once', () => {
    const t = setup();
    t.monitor.unknownSymbol('XYZ', 'unknown symbol XYZ');
    t.monitor.unknownSymbol('XYZ', 'unknown symbol XYZ');
    expect(t.level('XYZ')).toEqual({ level: 'HALTED', source: 'feed' });
    expect(t.level('SPY').level).toBe('ACTIVE');
    expect(t.monitor.isUnknown('XYZ')).toBe(true);
    t.monitor.onData('XYZ', t.clock.now, t.clock.now);
    expect(t.level('XYZ').level).toBe('ACTIVE');
    expect(t.names()).toEqual([EV.SYMBOL_UNKNOWN, EV.SYMBOL_DATA_ARRIVED]);
  });

  it('halts everything on a write failure and on a failed kill-switch proof, which clearing the kill switch does not lift', () => {
    const t = setup({ allowResume: true });
    t.monitor.writeFailed();
    expect(t.level('SPY')).toEqual({ level: 'HALTED', source: 'write_failure' });
    const u = setup({ allowResume: true });
    writeFileSync(u.file, '');
    u.monitor.pollKillSwitch();
    u.monitor.proofFailed();
    rmSync(u.file);
    u.clock.now += 250;
    u.monitor.pollKillSwitch();
    // Cleared, but the failed proof still holds the halt: no TRADING_RESUMED, which would be a lie.
    expect(u.names()).toContain(EV.TRADING_STILL_HALTED);
    expect(u.names()).not.toContain(EV.TRADING_RESUMED);
    expect(u.level('SPY')).toEqual({ level: 'HALTED', source: 'kill_switch_verify' });
  });

  it('moves to REDUCING on memory growth past the bound when memory.on_growth is reduce (real samples, a leak drill)', async () => {
    const t = setup({ yaml: 'memory:\n  sample_interval: 20ms\n  warmup: 1ms\n  max_growth: 0.001\n  on_growth: reduce\n', leak: 4 * 1024 * 1024 });
    t.clock.now = Date.now();
    const real = setInterval(() => (t.clock.now = Date.now()), 5);
    try {
      t.monitor.startChecks();
      await waitFor(() => t.level('SPY').level === 'REDUCING', 15_000);
    } finally {
      clearInterval(real);
    }
    expect(t.level()).toEqual({ level: 'REDUCING', source: 'memory' });
    expect(t.names().filter((n) => n === EV.MEMORY_GROWTH_WARN)).toHaveLength(1);
    expect(t.events.find((e) => e.name === EV.MEMORY_GROWTH_WARN)).toMatchObject({ reducing: true, max_growth: 0.001 });
  });
});
