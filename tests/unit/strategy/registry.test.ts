import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TraderError } from '../../../src/errors.js';
import { checkParams, parseParamsSchema } from '../../../src/strategy/params.js';
import { identityMismatch, resolveStrategy, type StrategySpec } from '../../../src/strategy/registry.js';
import { REPO } from '../../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'trader-registry-'));

async function configError(spec: StrategySpec, baseDir = REPO): Promise<string> {
  try {
    (await resolveStrategy(spec, baseDir, { where: 'cfg.yaml: decision.strategy' })).close();
  } catch (e) {
    if (e instanceof TraderError && e.code === 'E_CONFIG') {
      expect(e.message).not.toContain('\n');
      return e.message;
    }
    throw e;
  }
  throw new Error('resolved');
}

describe('strategy registry', () => {
  it('resolves the built-in vwap_momentum with the config defaults', async () => {
    const s = await resolveStrategy({ name: 'vwap_momentum' }, REPO);
    expect(s.identity).toEqual({ kind: 'builtin', name: 'vwap_momentum', version: '1.0.0', digest: null, source: 'builtin' });
    expect(s.params).toEqual({ lookback_bars: 3, momentum_bps: 2, vwap_band_bps: 1 });
    expect(s.lookback).toBe(4);
    expect((await resolveStrategy({ name: 'vwap_momentum', params: { lookback_bars: 2 } }, REPO)).lookback).toBe(3);
  });

  it('resolves a module relative to the base directory, with its identity and digest', async () => {
    const s = await resolveStrategy({ module: 'strategies/opening_range.mjs', params: { range_bars: 3 } }, REPO);
    expect(s.identity).toMatchObject({ kind: 'module', name: 'opening_range', version: '1.0.0', source: 'strategies/opening_range.mjs' });
    expect(s.identity.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(s.params).toEqual({ breakout_bps: 0, range_bars: 3, session_bars: 400, session_gap_minutes: 60 });
    expect(s.lookback).toBe(400);
    expect(s.validateParams({ range_bars: 0 })).toEqual({ ok: false, error: 'params.range_bars: expected an integer from 1 to 120, got 0' });
    s.close();
  });

  it.each<[string, StrategySpec, RegExp]>([
    ['an unknown built-in', { name: 'vwap_reversion' }, /^cfg\.yaml: decision\.strategy\.name: unknown strategy "vwap_reversion" \(built-in: vwap_momentum;/],
    ['both a module and a command', { module: 'a.mjs', command: ['python3', 'a.py'] } as unknown as StrategySpec, /^cfg\.yaml: decision\.strategy: expected exactly one of name, module or command, got module and command$/],
    ['a missing module', { module: 'strategies/nope.mjs' }, /^cfg\.yaml: decision\.strategy: strategy module .*strategies\/nope\.mjs: not found$/],
    ['an unknown parameter', { module: 'strategies/opening_range.mjs', params: { range: 3 } }, /^cfg\.yaml: decision\.strategy\.params\.range: unknown parameter \(expected one of breakout_bps, range_bars, session_bars, session_gap_minutes\) \(strategy module strategies\/opening_range\.mjs\)$/],
    ['a parameter out of bounds', { module: 'strategies/vwap_momentum.mjs', params: { lookback_bars: 0 } }, /^cfg\.yaml: decision\.strategy\.params\.lookback_bars: expected an integer from 1 to 100, got 0 \(strategy module strategies\/vwap_momentum\.mjs\)$/],
    ['a built-in parameter of the wrong type', { name: 'vwap_momentum', params: { momentum_bps: '2' } }, /^cfg\.yaml: decision\.strategy\.params\.momentum_bps: expected a number ≥ 0, got "2" \(built-in vwap_momentum\)$/],
    ['a command that is not found', { command: ['no-such-strategy-binary'] }, /^cfg\.yaml: decision\.strategy: strategy command no-such-strategy-binary: not found$/],
    ['a command whose params fail its schema', { command: ['python3', 'strategies/momentum.py'], params: { momentum_bps: -1 } }, /^cfg\.yaml: decision\.strategy\.params\.momentum_bps: expected a number ≥ 0, got -1 \(strategy command python3 strategies\/momentum\.py\)$/],
  ])('refuses %s with one line', async (_what, spec, message) => {
    expect(await configError(spec)).toMatch(message);
  });

  it('refuses a module that throws at load or has no decide, naming the file', async () => {
    writeFileSync(join(dir, 'throws.mjs'), "export const name = 'x';\nexport const version = '1';\nexport const lookback = 1;\nthrow new Error('no model file');\n");
    writeFileSync(join(dir, 'nodecide.mjs'), "export const name = 'x';\nexport const version = '1';\nexport const lookback = 1;\n");
    expect(await configError({ module: 'throws.mjs' }, dir)).toMatch(/strategy module .*throws\.mjs: throws at load: Error: no model file$/);
    expect(await configError({ module: 'nodecide.mjs' }, dir)).toMatch(/strategy module .*nodecide\.mjs: exports no decide function$/);
  });

  it('tells a changed strategy from the recorded one', () => {
    const recorded = { kind: 'module' as const, name: 'opening_range', version: '1.0.0', digest: 'a'.repeat(64), source: 'strategies/opening_range.mjs' };
    expect(identityMismatch(recorded, { ...recorded })).toBeUndefined();
    expect(identityMismatch(recorded, { ...recorded, digest: 'b'.repeat(64) })).toBe('strategies/opening_range.mjs changed since the run (sha256 aaaaaaaaaaaa then, bbbbbbbbbbbb now)');
    expect(identityMismatch(recorded, { ...recorded, version: '1.1.0' })).toMatch(/the run used strategy opening_range@1\.0\.0 \(module\), strategies\/opening_range\.mjs is now opening_range@1\.1\.0/);
  });
});

describe('params schema', () => {
  it('fills defaults, sorts keys and refuses what does not fit', () => {
    const parsed = parseParamsSchema({ b: { type: 'integer', min: 1, default: 2 }, a: { type: 'number', max: 1 } });
    if (!parsed.ok) throw new Error(parsed.error);
    expect(Object.keys(parsed.schema)).toEqual(['a', 'b']);
    expect(checkParams(parsed.schema, { a: 0.5 })).toEqual({ ok: true, params: { a: 0.5, b: 2 } });
    expect(checkParams(parsed.schema, {})).toEqual({ ok: false, error: 'params.a: required (a number ≤ 1)' });
    expect(checkParams(parsed.schema, { a: 0.5, b: 1.5 })).toEqual({ ok: false, error: 'params.b: expected an integer ≥ 1, got 1.5' });
    expect(checkParams(parsed.schema, [1])).toEqual({ ok: false, error: 'params: expected an object of number parameters' });
  });

  it('refuses a schema a strategy cannot mean', () => {
    expect(parseParamsSchema({ k: { type: 'number', default: -1, min: 0 } })).toEqual({ ok: false, error: 'params schema k: default expected a number ≥ 0, got -1' });
    expect(parseParamsSchema({ k: { type: 'number', step: 1 } })).toEqual({ ok: false, error: 'params schema k: unknown field step' });
    expect(parseParamsSchema({ 'bad-name': { type: 'number' } })).toEqual({ ok: false, error: 'params schema bad-name: not a parameter name (letters, digits, _)' });
  });
});
