/**
 * The params schema language every strategy kind shares, kept tiny on purpose (no zod inside the
 * sandbox, nothing a Python author cannot write by hand): an object of number parameters, each
 * `{ type: 'number' | 'integer', min?, max?, default?, description? }`. Here: checking a schema a
 * strategy declared, checking params against it, and resolving the strategy's lookback.
 */
import type { LookbackSpec, ParamsCheck, ParamsSchema, ParamSpec, StrategyParams } from './types.js';

/** Bars of history a strategy may ask for; the decision inputs of every decision carry them all. */
const MAX_LOOKBACK = 10_000;

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The declared schema, or a message saying what is wrong with it. */
export function parseParamsSchema(raw: unknown): { ok: true; schema: ParamsSchema } | { ok: false; error: string } {
  if (raw === undefined) return { ok: true, schema: {} };
  if (!isRecord(raw)) return { ok: false, error: 'params schema: expected an object of parameters' };
  const schema: ParamsSchema = {};
  for (const name of Object.keys(raw).sort()) {
    const spec = raw[name];
    const where = `params schema ${name}`;
    if (!PARAM_NAME.test(name)) return { ok: false, error: `${where}: not a parameter name (letters, digits, _)` };
    if (!isRecord(spec)) return { ok: false, error: `${where}: expected { type, min?, max?, default? }` };
    const unknown = Object.keys(spec).filter((k) => !['type', 'min', 'max', 'default', 'description'].includes(k));
    if (unknown.length > 0) return { ok: false, error: `${where}: unknown field ${unknown[0]}` };
    if (spec.type !== 'number' && spec.type !== 'integer') return { ok: false, error: `${where}: type must be "number" or "integer", got ${JSON.stringify(spec.type)}` };
    const out: ParamSpec = { type: spec.type };
    for (const k of ['min', 'max', 'default'] as const) {
      const v = spec[k];
      if (v === undefined) continue;
      if (typeof v !== 'number' || !Number.isFinite(v)) return { ok: false, error: `${where}: ${k} must be a finite number` };
      out[k] = v;
    }
    if (spec.description !== undefined) {
      if (typeof spec.description !== 'string') return { ok: false, error: `${where}: description must be a string` };
      out.description = spec.description;
    }
    if (out.min !== undefined && out.max !== undefined && out.min > out.max) return { ok: false, error: `${where}: min is above max` };
    if (out.default !== undefined) {
      const bad = valueProblem(out, out.default);
      if (bad) return { ok: false, error: `${where}: default ${bad}` };
    }
    schema[name] = out;
  }
  return { ok: true, schema };
}

/** Params checked against the schema: unknown keys refused, defaults filled in, keys sorted. Errors read `params.name: message`. */
export function checkParams(schema: ParamsSchema, raw: unknown): ParamsCheck {
  const given = raw === undefined || raw === null ? {} : raw;
  if (!isRecord(given)) return { ok: false, error: 'params: expected an object of number parameters' };
  const names = Object.keys(schema);
  for (const key of Object.keys(given)) {
    if (!(key in schema)) {
      return { ok: false, error: `params.${key}: unknown parameter (expected ${names.length > 0 ? `one of ${names.join(', ')}` : 'none'})` };
    }
  }
  const params: StrategyParams = {};
  for (const name of names.sort()) {
    const spec = schema[name] as ParamSpec;
    const value = given[name] ?? spec.default;
    if (value === undefined) return { ok: false, error: `params.${name}: required (${describe(spec)})` };
    const bad = valueProblem(spec, value);
    if (bad) return { ok: false, error: `params.${name}: ${bad}` };
    params[name] = value as number;
  }
  return { ok: true, params };
}

/** Why `value` does not fit `spec`, or undefined when it does. */
function valueProblem(spec: ParamSpec, value: unknown): string | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return `expected ${describe(spec)}, got ${JSON.stringify(value)}`;
  if (spec.type === 'integer' && !Number.isInteger(value)) return `expected ${describe(spec)}, got ${value}`;
  if (spec.min !== undefined && value < spec.min) return `expected ${describe(spec)}, got ${value}`;
  if (spec.max !== undefined && value > spec.max) return `expected ${describe(spec)}, got ${value}`;
  return undefined;
}

function describe(spec: ParamSpec): string {
  const kind = spec.type === 'integer' ? 'an integer' : 'a number';
  if (spec.min !== undefined && spec.max !== undefined) return `${kind} from ${spec.min} to ${spec.max}`;
  if (spec.min !== undefined) return `${kind} ≥ ${spec.min}`;
  if (spec.max !== undefined) return `${kind} ≤ ${spec.max}`;
  return kind;
}

/** A declared lookback, checked against the schema; or a message. */
export function parseLookback(raw: unknown, schema: ParamsSchema): { ok: true; lookback: LookbackSpec } | { ok: false; error: string } {
  if (typeof raw === 'number') {
    return Number.isInteger(raw) && raw >= 1 && raw <= MAX_LOOKBACK ? { ok: true, lookback: raw } : { ok: false, error: `lookback: expected an integer from 1 to ${MAX_LOOKBACK}, got ${raw}` };
  }
  if (isRecord(raw) && typeof raw.param === 'string') {
    const plus = raw.plus ?? 0;
    if (!(raw.param in schema)) return { ok: false, error: `lookback: names parameter ${raw.param}, which the params schema does not declare` };
    if (typeof plus !== 'number' || !Number.isInteger(plus)) return { ok: false, error: 'lookback: plus must be an integer' };
    return { ok: true, lookback: { param: raw.param, plus } };
  }
  return { ok: false, error: `lookback: expected an integer or { param, plus }, got ${JSON.stringify(raw) ?? String(raw)}` };
}

/** The number of bars `spec` asks for with `params`; a message when that is not a usable count. */
export function lookbackFor(spec: LookbackSpec, params: StrategyParams): { ok: true; bars: number } | { ok: false; error: string } {
  const bars = typeof spec === 'number' ? spec : (params[spec.param] ?? Number.NaN) + spec.plus;
  if (!Number.isInteger(bars) || bars < 1 || bars > MAX_LOOKBACK) return { ok: false, error: `lookback: the params give ${bars} bars, expected an integer from 1 to ${MAX_LOOKBACK}` };
  return { ok: true, bars };
}
