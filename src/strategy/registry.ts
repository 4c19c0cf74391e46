/**
 * The one place a configured strategy becomes a Strategy: the built-ins by name, a JavaScript
 * module in a sandbox, or an external process. Every problem is a TraderError E_CONFIG of one
 * line, raised before the runner rotates or writes anything.
 */
import { resolve } from 'node:path';
import { configError, TraderError } from '../errors.js';
import { startExternalStrategy, type ExternalOptions } from './external.js';
import { checkParams, lookbackFor } from './params.js';
import { loadModuleStrategy } from './sandbox.js';
import type { LookbackSpec, ParamsSchema, Strategy, StrategyIdentity, StrategyInputs, StrategyOutput, StrategyParams } from './types.js';
import { builtinVwapMomentum, VWAP_MOMENTUM } from './vwap-momentum.js';

/** `decision.strategy` as the config gives it: exactly one of name, module or command, and params. */
export type StrategySpec = ({ name: string } | { module: string } | { command: readonly string[] }) & { params?: unknown };

export interface ResolveOptions {
  /** Prefix of every error line, e.g. `config/staging_multi.yaml: decision.strategy`. */
  where?: string;
  /** decide()'s time budget, ms (defaults: 5 for a module, 50 for a command). */
  budgetMs?: number;
  helloTimeoutMs?: number;
  onStderr?: ExternalOptions['onStderr'];
  onExit?: ExternalOptions['onExit'];
}

const BUILTINS: ReadonlyMap<string, { paramsSchema: ParamsSchema; make: (params: StrategyParams) => Strategy }> = new Map([[VWAP_MOMENTUM.name, { paramsSchema: VWAP_MOMENTUM.paramsSchema, make: builtinVwapMomentum }]]);

/** Loads the strategy `spec` names (paths relative to `baseDir`) and binds it to its checked params. */
export async function resolveStrategy(spec: StrategySpec, baseDir: string, options: ResolveOptions = {}): Promise<Strategy> {
  const where = options.where ?? 'decision.strategy';
  const kinds = (['name', 'module', 'command'] as const).filter((k) => k in spec);
  if (kinds.length !== 1) throw configError(`${where}: expected exactly one of name, module or command, got ${kinds.length === 0 ? 'none' : kinds.join(' and ')}`);

  if ('name' in spec) {
    const builtin = BUILTINS.get(spec.name);
    if (!builtin) throw configError(`${where}.name: unknown strategy ${JSON.stringify(spec.name)} (built-in: ${[...BUILTINS.keys()].join(', ')}; or give module: or command:)`);
    return builtin.make(boundParams(builtin.paramsSchema, spec.params, where, `built-in ${spec.name}`));
  }

  const prefixed = <T>(load: () => T): T => {
    try {
      return load();
    } catch (e) {
      throw e instanceof TraderError ? configError(`${where}: ${e.message}`) : e;
    }
  };

  if ('module' in spec) {
    const m = prefixed(() => loadModuleStrategy(resolve(baseDir, spec.module), options.budgetMs === undefined ? {} : { budgetMs: options.budgetMs }));
    try {
      const params = boundParams(m.paramsSchema, spec.params, where, `strategy module ${spec.module}`);
      return bind({ kind: 'module', name: m.name, version: m.version, digest: m.digest, source: spec.module }, m, params, where);
    } catch (e) {
      m.close();
      throw e;
    }
  }

  const command = spec.command;
  const external = await startExternalStrategy(command, {
    cwd: baseDir,
    ...(options.budgetMs === undefined ? {} : { budgetMs: options.budgetMs }),
    ...(options.helloTimeoutMs === undefined ? {} : { helloTimeoutMs: options.helloTimeoutMs }),
    ...(options.onStderr ? { onStderr: options.onStderr } : {}),
    ...(options.onExit ? { onExit: options.onExit } : {}),
  }).catch((e: unknown) => {
    throw e instanceof TraderError ? configError(`${where}: ${e.message}`) : e;
  });
  try {
    const params = boundParams(external.paramsSchema, spec.params, where, `strategy command ${command.join(' ')}`);
    return bind({ kind: 'command', name: external.name, version: external.version, digest: external.digest, source: [...command] }, external, params, where);
  } catch (e) {
    external.close();
    throw e;
  }
}

/**
 * Why a strategy loaded now is not the one a run recorded (offline tools refuse to re-execute
 * it), or undefined when it is the same: same kind, name, version and file digest.
 */
export function identityMismatch(recorded: StrategyIdentity, loaded: StrategyIdentity): string | undefined {
  const shown = (i: StrategyIdentity): string => (Array.isArray(i.source) ? i.source.join(' ') : String(i.source));
  if (recorded.kind !== loaded.kind || recorded.name !== loaded.name || recorded.version !== loaded.version) {
    return `the run used strategy ${recorded.name}@${recorded.version} (${recorded.kind}), ${shown(loaded)} is now ${loaded.name}@${loaded.version} (${loaded.kind})`;
  }
  if (recorded.digest !== loaded.digest) {
    return `${shown(loaded)} changed since the run (sha256 ${short(recorded.digest)} then, ${short(loaded.digest)} now)`;
  }
  return undefined;
}

const short = (digest: string | null): string => (digest === null ? 'none' : digest.slice(0, 12));

interface Loaded {
  paramsSchema: ParamsSchema;
  lookback: LookbackSpec;
  decide(inputs: StrategyInputs, params: StrategyParams): StrategyOutput;
  close(): void;
}

function bind(identity: StrategyIdentity, loaded: Loaded, params: StrategyParams, where: string): Strategy {
  const bars = lookbackFor(loaded.lookback, params);
  if (!bars.ok) throw configError(`${where}.params: ${bars.error}`);
  return {
    identity,
    paramsSchema: loaded.paramsSchema,
    params,
    lookback: bars.bars,
    validateParams: (raw) => checkParams(loaded.paramsSchema, raw),
    decide: (inputs, p) => loaded.decide(inputs, p),
    close: () => loaded.close(),
  };
}

function boundParams(schema: ParamsSchema, raw: unknown, where: string, what: string): StrategyParams {
  const checked = checkParams(schema, raw);
  if (!checked.ok) throw configError(`${where}.${checked.error} (${what})`);
  return checked.params;
}
