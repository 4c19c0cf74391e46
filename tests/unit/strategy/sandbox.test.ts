import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TraderError } from '../../../src/errors.js';
import { StrategyFailure, StrategyViolation } from '../../../src/strategy/failures.js';
import { loadModuleStrategy } from '../../../src/strategy/sandbox.js';
import type { StrategyInputs } from '../../../src/strategy/types.js';

const dir = mkdtempSync(join(tmpdir(), 'trader-sandbox-'));
let n = 0;

/** A module whose decide() runs `body`; budget wide enough for a loaded machine unless a test is about the budget. */
function strategyWith(body: string, budgetMs = 2000) {
  const file = join(dir, `s${(n += 1)}.mjs`);
  writeFileSync(
    file,
    `export const name = 'probe';\nexport const version = '1.0.0';\nexport const lookback = 2;\nexport const params = { k: { type: 'number', default: 1 } };\nexport function decide(inputs, params) {\n${body}\n}\n`,
  );
  return loadModuleStrategy(file, { budgetMs });
}

const INPUTS: StrategyInputs = {
  symbol: 'SPY',
  bars: [{ start: 0, end: 60_000, open: 1, high: 1, low: 1, close: 1, volume: 10, vwap: 1, trades: 1, quotes: 0 }],
  session_vwap: 1,
  session_volume: 10,
  quote: null,
};

function violationOf(body: string): string {
  const s = strategyWith(body);
  try {
    s.decide(INPUTS, { k: 1 });
  } catch (e) {
    if (e instanceof StrategyViolation) return e.call;
    throw e;
  }
  throw new Error('decide did not fail');
}

function failureOf(body: string, budgetMs?: number): StrategyFailure {
  const s = strategyWith(body, budgetMs);
  try {
    s.decide(INPUTS, { k: 1 });
  } catch (e) {
    if (e instanceof StrategyFailure) return e;
    throw e;
  }
  throw new Error('decide did not fail');
}

describe('sandboxed module strategy', () => {
  it('loads the exports and decides on a copy of the inputs', () => {
    const s = strategyWith(`inputs.bars.length = 0; return { action: 'BUY', confidence: params.k / 2, reason: 'close ' + ${'inputs.symbol'} };`);
    expect(s).toMatchObject({ name: 'probe', version: '1.0.0', lookback: 2, paramsSchema: { k: { type: 'number', default: 1 } } });
    expect(s.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(s.decide(INPUTS, { k: 1 })).toEqual({ action: 'BUY', confidence: 0.5, reason: 'close SPY' });
    // The strategy emptied its copy, not the host's.
    expect(INPUTS.bars).toHaveLength(1);
  });

  it.each([
    ['Date.now', 'return { action: "HOLD", confidence: Date.now() > 0 ? 1 : 0 };'],
    ['new Date()', 'new Date(); return { action: "HOLD", confidence: 1 };'],
    ['Date()', 'Date(); return { action: "HOLD", confidence: 1 };'],
    ['Date.prototype.getHours', 'new Date(inputs.bars[0].start).getHours(); return { action: "HOLD", confidence: 1 };'],
    ['Math.random', 'return { action: "HOLD", confidence: Math.random() };'],
    ['performance', 'performance.now(); return { action: "HOLD", confidence: 1 };'],
    ['setTimeout', 'setTimeout(() => 0, 1); return { action: "HOLD", confidence: 1 };'],
    ['queueMicrotask', 'queueMicrotask(() => 0); return { action: "HOLD", confidence: 1 };'],
    ['SharedArrayBuffer', 'new SharedArrayBuffer(8); return { action: "HOLD", confidence: 1 };'],
    ['Atomics', 'Atomics.load; return { action: "HOLD", confidence: 1 };'],
    ['WebAssembly', 'WebAssembly.Module; return { action: "HOLD", confidence: 1 };'],
    ['process', 'process.exit(1); return { action: "HOLD", confidence: 1 };'],
    ['require', 'require("node:fs"); return { action: "HOLD", confidence: 1 };'],
    ['eval', 'eval("1"); return { action: "HOLD", confidence: 1 };'],
    ['eval/Function (code generation from strings)', 'return Function("return this")();'],
    // The classic way out of node:vm: the host's Function through a host object. There is none to reach.
    ['eval/Function (code generation from strings)', 'return globalThis.constructor.constructor("return process")();'],
  ])('a call to %s is a StrategyViolation naming it', (call, body) => {
    expect(violationOf(body)).toBe(call);
  });

  it('catches a forbidden call even when the strategy swallows the throw', () => {
    expect(violationOf('let t = 0; try { t = Date.now(); } catch (e) { t = 1; } return { action: "HOLD", confidence: t > 0 ? 1 : 0 };')).toBe('Date.now');
  });

  it('allows new Date(epochMs) with the UTC getters: a pure function of the bar time', () => {
    const s = strategyWith('return { action: "HOLD", confidence: new Date(inputs.bars[0].end).getUTCMinutes() / 100 };');
    expect(s.decide(INPUTS, { k: 1 })).toEqual({ action: 'HOLD', confidence: 0.01 });
  });

  it('cannot undo a trap: the intrinsics are frozen', () => {
    const s = strategyWith('try { Math.random = () => 0.5; } catch (e) {} return { action: "HOLD", confidence: Math.random() };');
    expect(() => s.decide(INPUTS, { k: 1 })).toThrow(StrategyViolation);
  });

  it('stops an infinite loop at the time budget', () => {
    const f = failureOf('for (;;) {}', 20);
    expect(f.kind).toBe('timeout');
    expect(f.message).toContain('20 ms');
  });

  it('turns a throw into a StrategyFailure with its message', () => {
    const f = failureOf('throw new RangeError("no bars");');
    expect(f.kind).toBe('threw');
    expect(f.message).toContain('RangeError: no bars');
  });

  it('survives a stack overflow and a thrown getter', () => {
    expect(failureOf('const f = () => f(); return f();').kind).toBe('threw');
    expect(failureOf('throw { get message() { throw new Error("nope"); } };').kind).toBe('threw');
  });

  it.each([
    ['nothing', 'return;'],
    ['a wrong action', 'return { action: "SHORT", confidence: 0.5 };'],
    ['a confidence above 1', 'return { action: "BUY", confidence: 1.5 };'],
    ['a NaN confidence', 'return { action: "BUY", confidence: NaN };'],
    ['an extra field', 'return { action: "BUY", confidence: 0.5, size: 100 };'],
    ['a long reason', 'return { action: "BUY", confidence: 0.5, reason: "x".repeat(500) };'],
  ])('refuses %s as output (bad_output)', (_what, body) => {
    expect(failureOf(body).kind).toBe('bad_output');
  });

  it('keeps deciding after a failure (the host halts the symbol, not the sandbox)', () => {
    const s = strategyWith('if (inputs.symbol === "QQQ") throw new Error("x"); return { action: "HOLD", confidence: 1 };');
    expect(() => s.decide({ ...INPUTS, symbol: 'QQQ' }, { k: 1 })).toThrow(StrategyFailure);
    expect(s.decide(INPUTS, { k: 1 })).toEqual({ action: 'HOLD', confidence: 1 });
  });
});

describe('loading a module', () => {
  const load = (text: string): TraderError => {
    const file = join(dir, `l${(n += 1)}.mjs`);
    writeFileSync(file, text);
    try {
      loadModuleStrategy(file);
    } catch (e) {
      if (e instanceof TraderError) return e;
      throw e;
    }
    throw new Error('loaded');
  };
  const head = "export const name = 'x';\nexport const version = '1';\nexport const lookback = 1;\n";

  it.each([
    ['an import statement', `import fs from 'node:fs';\n${head}export function decide() {}`, /line 1: "import" is not allowed/],
    ['a dynamic import', `${head}export function decide() { return import('node:fs'); }`, /line 4: "import\(\)" is not allowed/],
    ['an async decide', `${head}export async function decide() {}`, /"async" is not allowed/],
    ['no decide', head, /exports no decide function/],
    ['a throw at load', `${head}throw new Error('bad module');\nexport function decide() {}`, /throws at load: .*bad module/],
    ['a clock read at load', `${head}const t = Date.now();\nexport function decide() {}`, /calls Date\.now at load/],
    ['a top level that never ends', `${head}for (;;) {}\nexport function decide() {}`, /its top level ran past its time budget of 1000 ms$/],
    ['a syntax error', `${head}export function decide( {`, /does not compile/],
    ['a default export', `${head}export default function decide() {}`, /unsupported export form "export default/],
    ['a bad params schema', `${head}export const params = { k: { type: 'string' } };\nexport function decide() {}`, /params schema k: type must be/],
    ['a lookback naming no param', "export const name = 'x';\nexport const version = '1';\nexport const lookback = { param: 'n', plus: 1 };\nexport function decide() {}", /lookback: names parameter n/],
    ['no name', "export const version = '1';\nexport const lookback = 1;\nexport function decide() {}", /exports no usable name/],
  ])('refuses %s with one E_CONFIG line naming the file', (_what, text, message) => {
    const e = load(text);
    expect(e.code).toBe('E_CONFIG');
    expect(e.message).toMatch(/^strategy module \/.*\.mjs: /);
    expect(e.message).toMatch(message);
    expect(e.message).not.toContain('\n');
  });

  it('refuses a missing file', () => {
    expect(() => loadModuleStrategy(join(dir, 'nope.mjs'))).toThrow(/strategy module .*nope\.mjs: not found/);
  });

  it('reads export lists with renames', () => {
    const file = join(dir, 'list.mjs');
    writeFileSync(file, "const n = 'listed';\nconst v = '2.0.0';\nfunction d() { return { action: 'SELL', confidence: 1 }; }\nexport { n as name, v as version, d as decide };\nexport const lookback = 1;\n");
    const s = loadModuleStrategy(file, { budgetMs: 2000 });
    expect([s.name, s.version]).toEqual(['listed', '2.0.0']);
    expect(s.decide(INPUTS, {})).toEqual({ action: 'SELL', confidence: 1 });
  });
});

describe('the host side of the sandbox', () => {
  it('cannot be re-entered to swap decide or to clear a recorded violation', () => {
    const swap = strategyWith('try { __trader.load(() => ({ decide: () => ({ action: "SELL", confidence: 1 }) })); } catch (e) {} return { action: "HOLD", confidence: 1 };');
    expect(swap.decide(INPUTS, { k: 1 })).toEqual({ action: 'HOLD', confidence: 1 });
    expect(swap.decide(INPUTS, { k: 1 })).toEqual({ action: 'HOLD', confidence: 1 });
    expect(violationOf('try { Date.now(); } catch (e) {} try { __trader.call("{}", "{}"); } catch (e) {} return { action: "HOLD", confidence: 1 };')).toBe('Date.now');
  });

  it('cannot be rebound by the strategy', () => {
    const s = strategyWith('try { globalThis.__trader = null; } catch (e) {} try { globalThis.Date = function () { return 0; }; } catch (e) {} return { action: "HOLD", confidence: 1 };');
    expect(s.decide(INPUTS, { k: 1 })).toEqual({ action: 'HOLD', confidence: 1 });
    expect(s.decide(INPUTS, { k: 1 })).toEqual({ action: 'HOLD', confidence: 1 });
  });
});
