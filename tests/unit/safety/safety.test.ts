import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { OrderRouter } from '../../../src/runner/order-router.js';
import { checkOrder } from '../../../src/engine/risk.js';
import { KillSwitchPoller, type KillSwitchChange } from '../../../src/safety/kill-switch.js';
import { StalenessWatchdog } from '../../../src/safety/staleness.js';
import { SafetySupervisor } from '../../../src/safety/supervisor.js';
import { TradingState } from '../../../src/safety/trading-state.js';
import { SafetyMonitor } from '../../../src/safety/monitor.js';
import { Bus } from '../../../src/core/bus.js';
import { Journal } from '../../../src/trace/journal.js';
import { mulberry32 } from '../../../src/fixtures/generator.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'trader-safety-'));

describe('TradingState', () => {
  it('takes the most restrictive source, global and per symbol', () => {
    const state = new TradingState();
    expect(state.effective('SPY').level).toBe('ACTIVE');
    state.set('staleness', 'HALTED', 'SPY');
    expect(state.effective('SPY')).toEqual({ level: 'HALTED', source: 'staleness' });
    expect(state.effective('QQQ').level).toBe('ACTIVE');
    state.set('memory', 'REDUCING');
    expect(state.effective('QQQ')).toEqual({ level: 'REDUCING', source: 'memory' });
    state.set('kill_switch', 'HALTED');
    state.set('memory', 'ACTIVE');
    expect(state.effective('QQQ')).toEqual({ level: 'HALTED', source: 'kill_switch' });
    // One source clearing never re-enables what another one stopped.
    state.set('staleness', 'ACTIVE', 'SPY');
    expect(state.effective('SPY').level).toBe('HALTED');
  });
});

describe('StalenessWatchdog', () => {
  it('breaches once per episode, per symbol, and recovers on data', () => {
    const dog = new StalenessWatchdog((s) => (s === 'TSLA' ? 10_000 : 5000));
    dog.watch('SPY', 0);
    dog.watch('QQQ', 0);
    dog.watch('TSLA', 0);
    dog.onData('SPY', 1000, 990);
    dog.onData('QQQ', 1000, 990);
    dog.onData('TSLA', 1000, 990);
    dog.onData('QQQ', 5500, 5490);
    expect(dog.check(6500)).toEqual([{ kind: 'breach', symbol: 'SPY', ageMs: 5500, maxLagMs: 5000, never: false }]);
    expect(dog.check(7000)).toEqual([]);
    expect(dog.isStale('QQQ')).toBe(false);
    expect(dog.isStale('TSLA')).toBe(false);
    expect(dog.onData('SPY', 8000, 7990)).toEqual({ kind: 'recovered', symbol: 'SPY', staleForMs: 1500, ageMs: 7000 });
    expect(dog.isStale('SPY')).toBe(false);
    expect(dog.check(11_500).map((c) => c.symbol)).toEqual(['QQQ', 'TSLA']);
  });

  it('counts a symbol that never sent data from when it was watched', () => {
    const dog = new StalenessWatchdog(() => 5000);
    dog.watch('XYZ', 1000);
    expect(dog.check(6000)).toEqual([]);
    // `never`: the runner logs it as an ERROR with last_update=never, not as a lagging feed.
    expect(dog.check(6001)).toEqual([{ kind: 'breach', symbol: 'XYZ', ageMs: 5001, maxLagMs: 5000, never: true }]);
    expect(dog.snapshot()).toEqual([{ symbol: 'XYZ', lastRecvMs: undefined, lagMs: undefined, stale: true, staleSinceMs: 6001, watchedSinceMs: 1000 }]);
  });
});

describe('SafetySupervisor', () => {
  it('judges a check that throws as failed on every round (announced once), and recovered when it passes again', () => {
    const log: string[] = [];
    let now = 0;
    const sup = new SafetySupervisor(() => now, { failed: (n, e, first) => log.push(`failed ${n} ${e} first=${first}`), recovered: (n) => log.push(`recovered ${n}`), stale: (n) => log.push(`stale ${n}`) });
    sup.register('kill_switch', 250);
    sup.run('kill_switch', () => {
      throw new Error('EACCES');
    });
    sup.run('kill_switch', () => {
      throw new Error('EACCES');
    });
    expect(log).toEqual(['failed kill_switch EACCES first=true', 'failed kill_switch EACCES first=false']);
    now = 100;
    sup.run('kill_switch', () => undefined);
    expect(log.at(-1)).toBe('recovered kill_switch');
  });

  it('judges a check that stopped running as stale', () => {
    let now = 0;
    const stale: string[] = [];
    const sup = new SafetySupervisor(() => now, { failed: () => undefined, recovered: () => undefined, stale: (n, _since, first) => stale.push(`${n} first=${first}`) });
    sup.register('kill_switch', 250);
    now = 900;
    expect(sup.ensureFresh()).toEqual([]);
    now = 1200;
    expect(sup.ensureFresh()).toEqual(['kill_switch']);
    sup.ensureFresh();
    expect(stale).toEqual(['kill_switch first=true', 'kill_switch first=false']);
  });
});

describe('KillSwitchPoller', () => {
  it('reports appearance with its detection delay, and removal', () => {
    const dir = tmp();
    const file = join(dir, 'FLAG_TRADING_HALTED');
    const changes: KillSwitchChange[] = [];
    let now = 1_000_000;
    const poller = new KillSwitchPoller(file, (c) => changes.push(c), () => now);
    poller.check();
    expect(changes).toEqual([]);
    writeFileSync(file, 'halted_by=ops reason="drill"');
    utimesSync(file, 999.8, 999.8);
    poller.check();
    poller.check();
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ kind: 'appeared', detectedMs: 1_000_000, content: 'halted_by=ops reason="drill"', presentAtStart: false });
    const appeared = changes[0] as Extract<KillSwitchChange, { kind: 'appeared' }>;
    expect(appeared.fileMtimeMs).toBeCloseTo(999_800, 0);
    expect(appeared.delayMs).toBeCloseTo(200, 0);
    rmSync(file);
    now += 250;
    poller.check();
    expect(changes[1]).toEqual({ kind: 'removed', detectedMs: 1_000_250 });
  });

  it('throws when the file cannot be checked, so the caller fails closed', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'not-a-dir'), '');
    const poller = new KillSwitchPoller(join(dir, 'not-a-dir', 'HALT'), () => undefined);
    expect(() => poller.check()).toThrow(/ENOTDIR/);
  });
});

describe('orders after a halt (property over random interleavings)', () => {
  it('accepts zero orders after the kill switch is detected, in 300 random runs', () => {
    const config = parseConfig('t.yaml', 'symbols: [SPY, QQQ, TSLA]\nmax_positions: 2\n');
    const symbols = ['SPY', 'QQQ', 'TSLA'];
    let totalAfter = 0;
    let exercised = 0;
    let ordersBefore = 0;
    let rejectedAfter = 0;
    for (let seed = 1; seed <= 300; seed += 1) {
      const rnd = mulberry32(seed);
      const dir = tmp();
      const killFile = join(dir, 'HALT');
      let now = 0;
      const journal = new Journal({ tracePath: join(dir, 't.jsonl'), logFormat: 'text', logLevel: 'info', timezone: 'UTC', now: () => now });
      const bus = new Bus();
      journal.attach(bus);
      // allow_resume false (the default): the halt latches, removing the file does not clear it.
      const monitor: SafetyMonitor = new SafetyMonitor({ config, killSwitchFile: killFile, bus, now: () => now, positions: () => router.broker.allPositions(), symbols: () => symbols, onHalt: () => undefined });
      const router: OrderRouter = new OrderRouter(config, { FLAG_MULTI_SYMBOL: true, FLAG_REALTIME: true, STAGING_MODE: true }, monitor, bus, () => now);
      let halted = false;
      for (let step = 0; step < 200; step += 1) {
        now += Math.floor(rnd() * 300);
        const r = rnd();
        if (r < 0.05 && !halted) {
          writeFileSync(killFile, '');
          halted = true;
        } else if (r < 0.08 && halted) {
          rmSync(killFile, { force: true });
        } else if (r < 0.2) {
          monitor.pollKillSwitch(); // the periodic poll
        } else {
          const symbol = symbols[Math.floor(rnd() * symbols.length)] ?? 'SPY';
          const action = rnd() < 0.45 ? 'BUY' : rnd() < 0.9 ? 'SELL' : 'HOLD';
          const mid = 100 + rnd();
          router.onDecision(symbol, { action, confidence: 0.7 }, rnd() < 0.95 ? { bid: mid - 0.01, ask: mid + 0.01 } : null);
        }
      }
      journal.close();
      const events = readFileSync(join(dir, 't.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { event: string }).event);
      rmSync(dir, { recursive: true, force: true });
      const haltAt = events.indexOf('KILL_SWITCH_DETECTED');
      if (haltAt < 0) continue;
      exercised += 1;
      const after = events.slice(haltAt);
      totalAfter += after.filter((e) => e === 'ORDER_SUBMITTED' || e === 'ORDER_FILLED').length;
      if (events.slice(0, haltAt).includes('ORDER_SUBMITTED')) ordersBefore += 1;
      if (after.includes('ORDER_REJECTED')) rejectedAfter += 1;
    }
    // The property is only meaningful if runs traded before the halt and tried to after it.
    expect(ordersBefore).toBeGreaterThan(100);
    expect(rejectedAfter).toBeGreaterThan(100);
    expect(exercised).toBeGreaterThan(150);
    expect(totalAfter).toBe(0);
  });
});

describe('risk gate', () => {
  const limits = { maxPositions: 1, maxOrderQty: 10, maxNotional: 5000, paperOnly: true };
  const book = (positions: Record<string, number>, isPaper = true) => ({
    position: (s: string) => positions[s] ?? 0,
    openPositions: () => Object.values(positions).filter((q) => q !== 0).length,
    isPaper,
  });
  const ok = { price: 100, duplicateOfRecent: false };
  const buy = (qty: number, symbol = 'SPY') => ({ symbol, side: 'BUY' as const, qty });

  it('names the first rule an order breaks', () => {
    const state = new TradingState();
    expect(checkOrder(buy(1), ok, limits, state, book({}))).toBeUndefined();
    expect(checkOrder(buy(11), ok, limits, state, book({}))).toBe('MAX_ORDER_QTY');
    expect(checkOrder(buy(10), { ...ok, price: 600 }, limits, state, book({}))).toBe('MAX_NOTIONAL');
    expect(checkOrder(buy(1, 'QQQ'), ok, limits, state, book({ SPY: 1 }))).toBe('MAX_POSITIONS');
    expect(checkOrder(buy(1), { ...ok, duplicateOfRecent: true }, limits, state, book({}))).toBe('DUPLICATE_ORDER');
    expect(checkOrder(buy(1), ok, limits, state, book({}, false))).toBe('NOT_PAPER');
    state.set('memory', 'REDUCING');
    expect(checkOrder(buy(1), ok, limits, state, book({}))).toBe('TRADING_REDUCING');
    // REDUCING still lets a position shrink.
    expect(checkOrder({ symbol: 'SPY', side: 'SELL', qty: 1 }, ok, limits, state, book({ SPY: 2 }))).toBeUndefined();
    state.set('kill_switch', 'HALTED');
    expect(checkOrder({ symbol: 'SPY', side: 'SELL', qty: 1 }, ok, limits, state, book({ SPY: 2 }))).toBe('TRADING_HALTED');
  });
});
