/**
 * The strategy plug-in contract: what every kind of strategy (built-in, sandboxed JavaScript
 * module, external process) looks like to the decision path. Structural copies of the engine's
 * bar and inputs shapes live here so that src/strategy/ imports nothing from src/engine/ (the
 * engine will import this folder; the reverse would be a folder cycle).
 */

export type Action = 'BUY' | 'SELL' | 'HOLD';

/** One closed bar, as the decision inputs carry it (see src/engine/bars.ts). */
export interface StrategyBar {
  start: number;
  end: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  /** Volume-weighted price of the bar's trades; the mid-quote close when it had no trades. */
  vwap: number;
  trades: number;
  quotes: number;
}

/** Everything a strategy sees for one decision (the engine's DecisionInputs, recorded verbatim in the trace). */
export interface StrategyInputs {
  symbol: string;
  /** Closed bars, oldest first, at most `lookback` of them; the last is the bar that just closed. */
  bars: StrategyBar[];
  session_vwap: number;
  session_volume: number;
  quote: { bid: number; ask: number } | null;
}

export interface StrategyOutput {
  action: Action;
  /** Finite, in [0, 1]. */
  confidence: number;
  /** A short human explanation (at most 200 characters). */
  reason?: string;
}

/** Strategy parameters are numbers by name; normalized params have every key of the schema, sorted. */
export type StrategyParams = Record<string, number>;

/** One parameter of a params schema: a number, optionally an integer, with bounds and a default. */
export interface ParamSpec {
  type: 'number' | 'integer';
  min?: number;
  max?: number;
  /** Absent: the parameter is required. */
  default?: number;
  description?: string;
}

export type ParamsSchema = Record<string, ParamSpec>;

/**
 * How many bars a strategy wants: a fixed count, or a parameter's value plus a constant (the
 * built-in wants `lookback_bars + 1`: the bar `lookback_bars` back and the one that just closed).
 */
export type LookbackSpec = number | { param: string; plus: number };

export type StrategyKind = 'builtin' | 'module' | 'command';

/** What the run record holds so that offline tools re-execute the same strategy and refuse a changed one. */
export interface StrategyIdentity {
  kind: StrategyKind;
  name: string;
  version: string;
  /** sha256 (hex) of the module file, or of the command's script file(s); null for the built-in. */
  digest: string | null;
  /** The module path or the command as configured; 'builtin' for the built-in. */
  source: string | string[];
}

export type ParamsCheck = { ok: true; params: StrategyParams } | { ok: false; error: string };

/**
 * A loaded strategy, bound to the params it was configured with. decide() is synchronous and
 * bounded by the strategy's time budget; it throws StrategyViolation or StrategyFailure
 * (src/strategy/failures.ts) and nothing else.
 */
export interface Strategy {
  readonly identity: StrategyIdentity;
  readonly paramsSchema: ParamsSchema;
  /** The configured params, validated, defaults filled in, keys sorted. */
  readonly params: StrategyParams;
  /** How many closed bars (newest last) decide() wants in inputs.bars, for `params`. */
  readonly lookback: number;
  validateParams(raw: unknown): ParamsCheck;
  decide(inputs: StrategyInputs, params: StrategyParams): StrategyOutput;
  /** Releases the sandbox or stops the process; decide() fails after it. Idempotent. */
  close(): void;
}
