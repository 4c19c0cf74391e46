/**
 * The runner's configuration: YAML, validated once at load. `symbols`, `max_positions` and
 * `log_level` stay top-level because the runbook edits them by hand; the rest is grouped.
 * Every object is strict: an unknown key is an error naming it, so a typo cannot silently
 * disable a safety setting.
 */
import { z } from 'zod';
import { SYMBOL_PATTERN } from '../core/market.js';
import { DURATION_HELP, parseDuration } from '../util/duration.js';

const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = typeof value === 'number' ? value : parseDuration(value);
  if (ms === undefined || !(ms > 0)) {
    ctx.addIssue({ code: 'custom', message: `expected a duration, ${DURATION_HELP}, got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return ms;
});

export const symbol = z.string().refine((s) => SYMBOL_PATTERN.test(s), {
  error: (issue) => `expected an upper-case ticker such as SPY or BTC-USD, got ${JSON.stringify(issue.input)}`,
});

export const VENUES = ['replay', 'synthetic', 'native', 'alpaca', 'polygon', 'binance'] as const;
export type Venue = (typeof VENUES)[number];

const feedEndpoint = z.strictObject({
  venue: z.enum(VENUES),
  url: z.string().regex(/^wss?:\/\//, 'expected a ws:// or wss:// URL').optional(),
  /** A live venue's feed or cluster (Alpaca: iex, sip, delayed_sip, test); the registry checks it per venue. */
  feed: z.string().regex(/^[a-z_]+$/, 'expected a feed name such as iex or sip').optional(),
  /** Alpaca's wire format: json (default) or msgpack. */
  format: z.enum(['json', 'msgpack']).optional(),
});

const priceLimits = {
  /** A trade or quote further than this percentage from the symbol's reference price is an `outlier` (LULD-style). */
  price_band_pct: z.number().positive().max(100),
  /** A trade or quote size above this is an `outlier`. */
  max_size: z.number().positive(),
};

/**
 * What the strategy registry (src/strategy/registry.ts) resolves: a built-in by name (the default,
 * so configs from before plug-ins keep working), a JavaScript module, or a command. Params are
 * numbers by name here; whether they fit is the strategy's own params schema, checked by the
 * registry. `budget` bounds one decide() call, `start_timeout` a command's hello.
 */
const strategySpec = z
  .strictObject({
    name: z.string().min(1).optional(),
    module: z.string().min(1, 'expected a module path').optional(),
    command: z.array(z.string().min(1)).min(1, 'expected the command and its arguments, e.g. [python3, strategies/momentum.py]').optional(),
    params: z.record(z.string(), z.number()).default({}),
    budget: duration.optional(),
    start_timeout: duration.optional(),
  })
  .transform((s, ctx) => {
    const given = (['name', 'module', 'command'] as const).filter((k) => s[k] !== undefined);
    if (given.length > 1) {
      ctx.addIssue({ code: 'custom', message: `expected one of name, module or command, got ${given.join(' and ')}` });
      return z.NEVER;
    }
    const limits = { ...(s.budget === undefined ? {} : { budget: s.budget }), ...(s.start_timeout === undefined ? {} : { start_timeout: s.start_timeout }) };
    // The built-in is named only when nothing else is given: a module or a command is never also "vwap_momentum".
    const which: { name: string } | { module: string } | { command: string[] } = s.module !== undefined ? { module: s.module } : s.command !== undefined ? { command: s.command } : { name: s.name ?? 'vwap_momentum' };
    return { ...which, params: s.params, ...limits };
  })
  .prefault({});

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

export const configSchema = z.strictObject({
  symbols: z.array(symbol).min(1, 'expected at least one symbol'),
  max_positions: z.number().int().min(0).default(1),
  log_level: z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')} (any case)` }))
    .default('info'),
  timezone: z
    .string()
    .refine(isTimeZone, { error: (issue) => `expected an IANA time zone such as America/New_York, got ${JSON.stringify(issue.input)}` })
    .default('America/New_York'),
  feeds: z
    .strictObject({
      primary: feedEndpoint.default({ venue: 'replay' }),
      fallback: feedEndpoint.optional(),
      replay: z
        .strictObject({
          speed: z.number().positive().max(1000).default(1),
          fixtures: z.string().default('fixtures/data'),
          loop: z.boolean().default(true),
        })
        .prefault({}),
      synthetic: z
        .strictObject({
          rate: z.number().positive().max(100_000).default(50),
          seed: z.number().int().default(1),
        })
        .prefault({}),
      connection: z
        .strictObject({
          ping_interval: duration.default(5000),
          ping_timeout: duration.default(5000),
          handshake_timeout: duration.default(5000),
          /** A connection that lived this long counts as stable: its drop is retried at once. */
          stable_after: duration.default(10_000),
          backoff_initial: duration.default(250),
          backoff_max: duration.default(30_000),
          backoff_factor: z.number().min(1).max(10).default(2),
          backoff_jitter: z.number().min(0).max(1).default(0.2),
        })
        .prefault({}),
      failover: z
        .strictObject({
          /** Switch to feeds.fallback once the primary has been down this long… */
          after: duration.default(10_000),
          /** …or has failed this many reconnect attempts in a row, whichever comes first. */
          attempts: z.number().int().min(1).default(5),
          /** Return to the primary once it has been connected for failback_after. */
          failback: z.boolean().default(true),
          failback_after: duration.default(30_000),
        })
        .prefault({}),
    })
    .prefault({}),
  decision: z
    .strictObject({
      bar_interval: duration.default(60_000),
      strategy: strategySpec,
    })
    .prefault({}),
  staleness: z
    .strictObject({
      max_lag: duration.default(5000),
      heartbeat_interval: duration.default(1000),
      /** Per-symbol overrides of max_lag, e.g. a thinly traded symbol: `per_symbol: { TSLA: 10s }`. */
      per_symbol: z.record(symbol, duration).default({}),
    })
    .prefault({}),
  /** What the runner refuses to feed its strategy (README "Data quality"); per_symbol overrides the band and size. */
  data_quality: z
    .strictObject({
      /** An event whose exchange time is further than this from its receipt time is `bad_value`. */
      max_clock_skew: duration.default(60_000),
      /** A sequence number further than this from the last one is a suspect until the next event confirms it. */
      max_seq_jump: z.number().int().min(1).default(10_000),
      price_band_pct: priceLimits.price_band_pct.default(10),
      max_size: priceLimits.max_size.default(10_000_000),
      /** This many consecutive events agreeing on a price outside the band move the reference there. */
      reanchor_after: z.number().int().min(2).max(1000).default(10),
      per_symbol: z.record(symbol, z.strictObject({ price_band_pct: priceLimits.price_band_pct.optional(), max_size: priceLimits.max_size.optional() })).default({}),
    })
    .prefault({}),
  kill_switch: z
    .strictObject({
      file: z.string().min(1).default('FLAG_TRADING_HALTED'),
      poll_interval: duration.default(250),
      allow_resume: z.boolean().default(false),
    })
    .prefault({}),
  memory: z
    .strictObject({
      sample_interval: duration.default(10_000),
      max_growth: z.number().positive().default(0.05),
      /** Samples taken before this are warm-up (JIT, buffers) and not a baseline. */
      warmup: duration.default(60_000),
      /** What growth past max_growth does besides MEMORY_GROWTH_WARN: `reduce` moves trading to REDUCING. */
      on_growth: z.enum(['warn', 'reduce']).default('warn'),
    })
    .prefault({}),
  risk: z
    .strictObject({
      order_qty: z.number().positive().default(1),
      /** No single order above this quantity. */
      max_order_qty: z.number().positive().default(1000),
      /** No position whose notional (|qty| × price) would exceed this, per symbol. */
      max_notional: z.number().positive().default(1_000_000),
      /** The same symbol, side and quantity again within this window is a duplicate and refused. */
      duplicate_window: duration.default(1000),
    })
    .prefault({}),
});

export type Config = z.output<typeof configSchema>;

/** The staleness budget of one symbol: its override, else the global max_lag. */
export const maxLagFor = (config: Config, symbol: string): number => config.staleness.per_symbol[symbol] ?? config.staleness.max_lag;
/** The outlier limits of one symbol: its overrides, else the data_quality defaults. */
export function priceLimitsFor(config: Config, symbol: string): { price_band_pct: number; max_size: number } {
  const dq = config.data_quality;
  const own = dq.per_symbol[symbol];
  return { price_band_pct: own?.price_band_pct ?? dq.price_band_pct, max_size: own?.max_size ?? dq.max_size };
}
export type StrategyConfig = Config['decision']['strategy'];

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
