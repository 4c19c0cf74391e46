import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../../src/config/load.js';
import { priceLimitsFor } from '../../../src/config/schema.js';
import { TraderError } from '../../../src/errors.js';

function configProblem(yaml: string): string {
  try {
    parseConfig('config/x.yaml', yaml);
  } catch (err) {
    expect(err).toBeInstanceOf(TraderError);
    expect((err as TraderError).code).toBe('E_CONFIG');
    return (err as Error).message;
  }
  throw new Error('expected the config to be refused');
}

describe('config', () => {
  it('fills documented defaults around the three hand-edited keys', () => {
    const config = parseConfig('c.yaml', 'symbols: [SPY, QQQ]\nmax_positions: 1\nlog_level: DEBUG\n');
    expect(config.symbols).toEqual(['SPY', 'QQQ']);
    expect(config.log_level).toBe('debug');
    expect(config.staleness.max_lag).toBe(5000);
    expect(config.decision.bar_interval).toBe(60_000);
    expect(config.kill_switch).toEqual({ file: 'FLAG_TRADING_HALTED', poll_interval: 250, allow_resume: false });
    expect(config.feeds.primary.venue).toBe('replay');
    expect(config.timezone).toBe('America/New_York');
  });

  it('names the file, the field and the bad value', () => {
    expect(configProblem('symbols: [SPY, "spy!"]\n')).toBe('config/x.yaml: symbols[1]: expected an upper-case ticker such as SPY or BTC-USD, got "spy!"');
  });

  it('refuses an unknown key so a typo cannot disable a safety setting', () => {
    expect(configProblem('symbols: [SPY]\nstaleness:\n  max_lagg: 1s\n')).toBe('config/x.yaml: staleness: unknown key "max_lagg"');
    expect(configProblem('symbols: [SPY]\nsymbol: [QQQ]\n')).toContain('unknown key "symbol"');
  });

  it('checks durations, levels and time zones', () => {
    expect(configProblem('symbols: [SPY]\nstaleness:\n  max_lag: soon\n')).toMatch(/^config\/x\.yaml: staleness\.max_lag: expected a duration/);
    expect(configProblem('symbols: [SPY]\nlog_level: LOUD\n')).toMatch(/^config\/x\.yaml: log_level: expected one of debug, info, warn, error/);
    expect(configProblem('symbols: [SPY]\ntimezone: Mars/Olympus\n')).toMatch(/timezone: expected an IANA time zone/);
    expect(configProblem('symbols: []\n')).toBe('config/x.yaml: symbols: expected at least one symbol');
  });

  it('has data-quality defaults, per-symbol band and size overrides, and refuses unknown or bad data-quality keys', () => {
    const config = parseConfig('c.yaml', 'symbols: [SPY, TSLA]\ndata_quality:\n  per_symbol: { TSLA: { price_band_pct: 20 } }\n');
    expect(config.data_quality).toEqual({ max_clock_skew: 60_000, max_seq_jump: 10_000, price_band_pct: 10, max_size: 10_000_000, reanchor_after: 10, per_symbol: { TSLA: { price_band_pct: 20 } } });
    expect(priceLimitsFor(config, 'TSLA')).toEqual({ price_band_pct: 20, max_size: 10_000_000 });
    expect(priceLimitsFor(config, 'SPY')).toEqual({ price_band_pct: 10, max_size: 10_000_000 });
    expect(configProblem('symbols: [SPY]\ndata_quality:\n  price_band: 5\n')).toBe('config/x.yaml: data_quality: unknown key "price_band"');
    expect(configProblem('symbols: [SPY]\ndata_quality:\n  per_symbol: { SPY: { max_sizee: 5 } }\n')).toBe('config/x.yaml: data_quality.per_symbol.SPY: unknown key "max_sizee"');
    expect(configProblem('symbols: [SPY]\ndata_quality:\n  max_clock_skew: later\n')).toMatch(/^config\/x\.yaml: data_quality\.max_clock_skew: expected a duration/);
    expect(configProblem('symbols: [SPY]\ndata_quality:\n  price_band_pct: 0\n')).toMatch(/^config\/x\.yaml: data_quality\.price_band_pct: /);
  });

  it('refuses YAML that does not parse or is not a mapping', () => {
    expect(configProblem('symbols: [SPY\n')).toMatch(/^config\/x\.yaml: invalid YAML: /);
    expect(configProblem('- SPY\n')).toBe('config/x.yaml: expected a YAML mapping of settings at the top level');
  });

  it('reports a missing file by path', () => {
    expect(() => loadConfig('/nonexistent/trader.yaml')).toThrow('/nonexistent/trader.yaml: cannot read config: no such file');
  });

  it('loads the shipped configs and digests their bytes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trader-config-'));
    const path = join(dir, 'c.yaml');
    writeFileSync(path, 'symbols: [SPY]\n');
    const a = loadConfig(path);
    writeFileSync(path, 'symbols: [SPY]  \n');
    expect(loadConfig(path).digest).not.toBe(a.digest);
    for (const shipped of ['config/staging_multi.yaml', 'config/live_canary.yaml', 'config/smoke.yaml']) {
      expect(() => loadConfig(shipped)).not.toThrow();
    }
    expect(loadConfig('config/staging_multi.yaml').config).toMatchObject({ symbols: ['SPY', 'QQQ'], max_positions: 1, log_level: 'debug' });
  });
});

describe('config: decision.strategy', () => {
  const strategyOf = (yaml: string) => parseConfig('c.yaml', `symbols: [SPY]\ndecision:\n  strategy: ${yaml}\n`).decision.strategy;

  it('defaults to the built-in vwap_momentum, so configs from before plug-ins keep working', () => {
    expect(parseConfig('c.yaml', 'symbols: [SPY]\n').decision.strategy).toEqual({ name: 'vwap_momentum', params: {} });
    expect(strategyOf('{ params: { lookback_bars: 2 } }')).toEqual({ name: 'vwap_momentum', params: { lookback_bars: 2 } });
  });

  it('takes a module or a command, without naming the built-in too, with budget and start_timeout as durations', () => {
    expect(strategyOf('{ module: ./strategies/opening_range.mjs, params: { range_bars: 5 }, budget: 20ms }')).toEqual({ module: './strategies/opening_range.mjs', params: { range_bars: 5 }, budget: 20 });
    expect(strategyOf('{ command: [python3, strategies/momentum.py], start_timeout: 2s }')).toEqual({ command: ['python3', 'strategies/momentum.py'], params: {}, start_timeout: 2000 });
  });

  it('refuses two kinds at once, an empty command, a param that is not a number and an unknown key, naming the path', () => {
    expect(configProblem('symbols: [SPY]\ndecision:\n  strategy: { name: vwap_momentum, module: a.mjs }\n')).toMatch(/decision\.strategy: expected one of name, module or command, got name and module/);
    expect(configProblem('symbols: [SPY]\ndecision:\n  strategy: { command: [] }\n')).toMatch(/decision\.strategy\.command: expected the command/);
    expect(configProblem('symbols: [SPY]\ndecision:\n  strategy: { module: a.mjs, params: { n: ten } }\n')).toMatch(/decision\.strategy\.params\.n/);
    expect(configProblem('symbols: [SPY]\ndecision:\n  strategy: { module: a.mjs, timeout: 1s }\n')).toMatch(/decision\.strategy: unknown key "timeout"/);
    expect(configProblem('symbols: [SPY]\ndecision:\n  strategy: { module: a.mjs, budget: 5 minutes }\n')).toMatch(/decision\.strategy\.budget: expected a duration/);
  });
});
