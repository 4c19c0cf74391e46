/**
 * The strategy a trace (or a capture) says ran, loaded again to re-execute its decisions: the
 * built-in by name, or the module or command from the directory the run resolved it in. A file
 * that changed since the run is refused: re-executing other code proves nothing about the run.
 * Every problem is one E_INPUT line naming the file being judged.
 */
import { inputError, TraderError } from '../errors.js';
import { identityMismatch, resolveStrategy, type StrategySpec } from '../strategy/registry.js';
import type { Strategy, StrategyIdentity } from '../strategy/types.js';
import type { RunRecord } from '../trace/schema.js';

export type RecordedStrategy = RunRecord['strategy'];

/**
 * Offline, decide() is only asked for the same answer, never for speed: a loaded machine (or four
 * threads each with their own process) must not turn a slow answer into a verdict.
 */
const OFFLINE_BUDGET_MS = 2000;
const OFFLINE_HELLO_MS = 30_000;

/** Loads the recorded strategy; `file` (the trace or capture) prefixes every error line. */
export async function loadRecordedStrategy(recorded: RecordedStrategy, file: string): Promise<Strategy> {
  const kind = recorded.kind ?? 'builtin';
  const where = `${file}: the run's strategy`;
  const spec = specOf(recorded, kind, file);
  const budgetMs = Math.max(recorded.budget_ms ?? 0, OFFLINE_BUDGET_MS);
  let strategy: Strategy;
  try {
    strategy = await resolveStrategy(spec, recorded.base_dir ?? process.cwd(), { where, budgetMs, helloTimeoutMs: OFFLINE_HELLO_MS });
  } catch (e) {
    throw e instanceof TraderError ? inputError(e.message) : e;
  }
  const then: StrategyIdentity = { kind, name: recorded.name, version: recorded.version, digest: recorded.digest ?? null, source: recorded.source ?? 'builtin' };
  const mismatch = identityMismatch(then, strategy.identity);
  if (mismatch !== undefined) {
    strategy.close();
    throw inputError(`${file}: ${mismatch}; re-executing it would not check what ran`);
  }
  return strategy;
}

function specOf(recorded: RecordedStrategy, kind: StrategyIdentity['kind'], file: string): StrategySpec {
  const params = recorded.params;
  if (kind === 'builtin') return { name: recorded.name, params };
  const source = recorded.source;
  if (recorded.base_dir === undefined || source === undefined) throw inputError(`${file}: the run record's ${kind} strategy has no source or base_dir to load it from`);
  if (kind === 'module') {
    if (typeof source !== 'string') throw inputError(`${file}: the run record's module strategy has a command as its source`);
    return { module: source, params };
  }
  return { command: typeof source === 'string' ? [source] : source, params };
}
