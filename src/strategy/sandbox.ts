/**
 * A JavaScript strategy module, run in a `node:vm` context with no clock, no randomness, no
 * timers, no I/O and no way out (see sandbox-bootstrap.ts for what is trapped and why).
 *
 * The export convention. vm.SourceTextModule needs --experimental-vm-modules, so the module is
 * not linked as ESM: its text is turned into a function body. Top-level `export` keywords are
 * dropped from `export const|let|var|function|class NAME` and `export { a, b as c }` is read,
 * and the function returns the exported bindings. `import` statements, `export default`,
 * `export * from`, and the words `async`, `await` and `import(` are refused at load: a strategy
 * is one synchronous, self-contained file (a promise that rejects unobserved inside the context
 * would surface in the host as an unhandled rejection). The same file stays a valid ES module,
 * so an author can import it from Node to unit-test it.
 *
 * Every call crosses as JSON text: the inputs are parsed inside the context (the strategy never
 * holds a host object) and the output is serialized inside it, under the time budget.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as vm from 'node:vm';
import { configError } from '../errors.js';
import { StrategyFailure, StrategyViolation } from './failures.js';
import { checkOutput } from './output.js';
import { parseLookback, parseParamsSchema } from './params.js';
import { SANDBOX_BOOTSTRAP } from './sandbox-bootstrap.js';
import type { LookbackSpec, ParamsSchema, StrategyInputs, StrategyOutput, StrategyParams } from './types.js';

/** Per-call budget of decide(), in ms: generous for arithmetic on a few hundred bars, short enough to halt a runaway at once. */
const DEFAULT_MODULE_BUDGET_MS = 5;
/** Budget of evaluating the module's top level. */
const LOAD_BUDGET_MS = 1000;

export const STRATEGY_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export interface ModuleStrategy {
  name: string;
  version: string;
  lookback: LookbackSpec;
  paramsSchema: ParamsSchema;
  /** sha256 (hex) of the file's bytes, as `sha256sum` prints it. */
  digest: string;
  decide(inputs: StrategyInputs, params: StrategyParams): StrategyOutput;
  close(): void;
}

/** Loads `file` into a fresh sandbox. Any problem is one E_CONFIG line naming the file. */
export function loadModuleStrategy(file: string, options: { budgetMs?: number } = {}): ModuleStrategy {
  const budgetMs = options.budgetMs ?? DEFAULT_MODULE_BUDGET_MS;
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw configError(`strategy module ${file}: ${code === 'ENOENT' ? 'not found' : `cannot be read (${code ?? String(e)})`}`);
  }
  const fail = (what: string) => configError(`strategy module ${file}: ${what}`);
  const body = toFunctionBody(bytes.toString('utf8'));
  if (!body.ok) throw fail(body.error);

  const context = vm.createContext(Object.create(null) as object, {
    name: `strategy ${file}`,
    codeGeneration: { strings: false, wasm: false },
    // Promises made inside run inside, under the budget, not on the host's queue.
    microtaskMode: 'afterEvaluate',
  });
  new vm.Script(SANDBOX_BOOTSTRAP, { filename: 'trader:sandbox-bootstrap' }).runInContext(context);

  let script: vm.Script;
  try {
    script = new vm.Script(`__trader.load(function () { 'use strict'; ${body.text}\n;return { ${body.exports.map(([exported, local]) => `${JSON.stringify(exported)}: ${local}`).join(', ')} }; })`, { filename: file });
  } catch (e) {
    throw fail(`does not compile: ${e instanceof Error ? e.message : String(e)}`);
  }
  let answer: string;
  try {
    answer = runBounded(script, context, LOAD_BUDGET_MS, 'its top level');
  } catch (e) {
    // A runaway top level is a bad module, refused like any other, not a failed decision.
    throw fail(e instanceof Error ? e.message : String(e));
  }
  const loaded = parseAnswer(answer, (f) => fail(`throws at load: ${f.message}`), (v) => fail(`calls ${v.call} at load, which a strategy may not use`));
  const d = (loaded as { ok: Record<string, unknown> }).ok;
  if (d.decide !== 'function') throw fail('exports no decide function');
  if (typeof d.name !== 'string' || !STRATEGY_NAME.test(d.name)) throw fail(`exports no usable name (a string of letters, digits, _ . -), got ${JSON.stringify(d.name) ?? 'nothing'}`);
  if (typeof d.version !== 'string' || d.version.length === 0 || d.version.length > 64) throw fail(`exports no usable version (a non-empty string), got ${JSON.stringify(d.version) ?? 'nothing'}`);
  const schema = parseParamsSchema(d.params);
  if (!schema.ok) throw fail(`exports a bad params schema: ${schema.error}`);
  const lookback = parseLookback(d.lookback, schema.schema);
  if (!lookback.ok) throw fail(`exports a bad ${lookback.error}`);

  let closed = false;
  return {
    name: d.name,
    version: d.version,
    lookback: lookback.lookback,
    paramsSchema: schema.schema,
    digest: createHash('sha256').update(bytes).digest('hex'),
    decide(inputs, params) {
      if (closed) throw new StrategyFailure('gone', `strategy ${file} is closed`);
      const call = new vm.Script(`__trader.call(${JSON.stringify(JSON.stringify(inputs))}, ${JSON.stringify(JSON.stringify(params))})`, { filename: `trader:call ${file}` });
      const answer = parseAnswer(
        runBounded(call, context, budgetMs, 'decide'),
        (f) => new StrategyFailure('threw', `decide threw ${f.message}`),
        (v) => v,
      ) as { returned: boolean; value: unknown };
      if (!answer.returned) throw new StrategyFailure('bad_output', 'bad output: decide returned nothing');
      return checkOutput(answer.value);
    },
    close() {
      closed = true;
    },
  };
}

/** Runs `script` in the context under a budget; the strategy's answer as text, or a StrategyFailure. */
function runBounded(script: vm.Script, context: vm.Context, budgetMs: number, what: string): string {
  try {
    return String(script.runInContext(context, { timeout: budgetMs, breakOnSigint: false }));
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      throw new StrategyFailure('timeout', `${what} ran past its time budget of ${budgetMs} ms`);
    }
    // Only the host's own machinery throws out of the bootstrap's catch (e.g. a stack overflow
    // inside it): still the strategy's doing.
    throw new StrategyFailure('threw', `${what} failed: ${e instanceof Error ? e.message : 'unknown error'}`);
  }
}

/** The bootstrap's JSON answer; a violation or a throw becomes the error the caller builds. */
function parseAnswer(text: string, onThrow: (f: StrategyFailure) => Error, onViolation: (v: StrategyViolation) => Error): Record<string, unknown> {
  const answer = JSON.parse(text) as Record<string, unknown>;
  if (typeof answer.violation === 'string') throw onViolation(new StrategyViolation(answer.violation));
  if (typeof answer.threw === 'string') throw onThrow(new StrategyFailure('threw', answer.threw));
  return answer;
}

type Body = { ok: true; text: string; exports: Array<[string, string]> } | { ok: false; error: string };

const IDENT = '[A-Za-z_$][\\w$]*';
const DECLARATION = new RegExp(`^([ \\t]*)export[ \\t]+((?:function\\*?|class|const|let|var)[ \\t]+)(${IDENT})`, 'gm');
const EXPORT_LIST = /^[ \t]*export[ \t]*\{([^}]*)\}[ \t]*;?/gm;

/** The module's text as a function body plus its exports as [exported name, local binding]. */
function toFunctionBody(source: string): Body {
  const lineOf = (index: number): number => source.slice(0, index).split('\n').length;
  const forbidden = /\b(async|await)\b|\bimport\s*\(|^[ \t]*import\b/m.exec(source);
  if (forbidden) {
    const word = forbidden[1] ?? (forbidden[0].includes('(') ? 'import()' : 'import');
    return { ok: false, error: `line ${lineOf(forbidden.index)}: "${word}" is not allowed (a strategy is one synchronous, self-contained file; the words async, await and import may not appear, not even in comments)` };
  }
  const exports: Array<[string, string]> = [];
  let text = source.replace(DECLARATION, (_m, indent: string, keyword: string, name: string) => {
    exports.push([name, name]);
    return `${indent}${keyword}${name}`;
  });
  let listError: string | undefined;
  text = text.replace(EXPORT_LIST, (m, list: string) => {
    for (const item of list.split(',').map((s) => s.trim()).filter(Boolean)) {
      const parts = item.split(/\s+as\s+/);
      const local = parts[0] ?? '';
      const exported = parts[1] ?? local;
      if (!new RegExp(`^${IDENT}$`).test(local) || !new RegExp(`^${IDENT}$`).test(exported)) listError = `export { ${item} } is not a supported export`;
      exports.push([exported, local]);
    }
    return ' '.repeat(m.length);
  });
  if (listError) return { ok: false, error: listError };
  const other = /^[ \t]*export\b.*$/m.exec(text);
  if (other) return { ok: false, error: `line ${lineOf(other.index)}: unsupported export form "${other[0].trim().slice(0, 40)}" (use export const|function NAME or export { a, b })` };
  return { ok: true, text, exports };
}
