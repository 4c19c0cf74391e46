/**
 * The determinism check, as an accumulator fed one trace record at a time (validate and report
 * both stream the trace once through it). For each decision it:
 *  - re-executes the recorded strategy on the recorded inputs and compares action and confidence;
 *  - recomputes inputs_digest and output_digest from the record;
 *  - checks that equal inputs never gave different outputs anywhere in the trace;
 *  - checks independence: the inputs hold only the decision's own symbol, and consecutive
 *    decisions of a symbol chain (each one's earlier bars are the previous one's later bars, and
 *    the session volume never shrinks), so each symbol's decisions follow from its own data alone.
 */
import type { StrategyParams } from '../config/schema.js';
import { decide, STRATEGY } from '../engine/strategy.js';
import { inputError } from '../errors.js';
import type { TraceRecord } from '../trace/reader.js';
import { decisionRecordSchema, type DecisionRecord, type RunRecord } from '../trace/schema.js';
import { canonicalJson, digest, sha256Hex } from '../util/canonical.js';
import type { Bar } from '../engine/bars.js';
import { DigestTable } from './digest-table.js';

export interface Problem {
  line: number;
  symbol: string;
  what: string;
}

export interface SymbolResult {
  symbol: string;
  decisions: number;
  inconsistencies: number;
}

export interface DeterminismResult {
  symbols: SymbolResult[];
  independence: { pass: boolean; violations: number };
  problems: Problem[];
  pass: boolean;
}

const MAX_PROBLEMS_KEPT = 20;

export interface CheckerOptions {
  symbols?: string[];
  /** Only decisions at or after this time (ISO `ts`) count; for --window. */
  fromMs?: number;
}

export class DeterminismChecker {
  private readonly params: StrategyParams;
  private readonly perSymbol = new Map<string, SymbolResult>();
  private readonly outputsByInputs = new DigestTable();
  private readonly chain = new Map<string, { bars: Bar[]; volume: number }>();
  private readonly problems: Problem[] = [];
  private independenceViolations = 0;
  private readonly runSymbols: string[];

  constructor(run: RunRecord, private readonly options: CheckerOptions = {}) {
    if (run.strategy.name !== STRATEGY.name || run.strategy.version !== STRATEGY.version) {
      throw inputError(`the trace was written by strategy ${run.strategy.name}@${run.strategy.version}; this trader re-executes ${STRATEGY.name}@${STRATEGY.version} only`);
    }
    this.params = run.strategy.params as StrategyParams;
    this.runSymbols = run.symbols;
    for (const s of options.symbols ?? []) this.result(s);
  }

  /** `raw`, the record's line as written, lets the inputs digest be checked without re-serializing. */
  add(record: TraceRecord, line: number, raw?: string): void {
    if (record.type === 'decision_skipped' && typeof record.symbol === 'string') {
      // A skipped decision still moved the symbol's bar history on; the chain restarts.
      this.chain.delete(record.symbol);
      return;
    }
    if (record.type !== 'decision') return;
    const symbol = String(record.symbol);
    if (this.options.symbols && !this.options.symbols.includes(symbol)) return;
    if (this.options.fromMs !== undefined && Date.parse(String(record.ts)) < this.options.fromMs) {
      this.chain.delete(symbol);
      return;
    }
    const result = this.result(symbol);
    result.decisions += 1;
    // Hand-checked fast path for the common case; the schema only explains what is wrong.
    if (!looksLikeDecision(record)) {
      const parsed = decisionRecordSchema.safeParse(record);
      const issue = parsed.success ? undefined : parsed.error.issues[0];
      this.fail(result, line, `not a decision record: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'malformed inputs'}`);
      return;
    }
    this.check(record, result, line, raw);
  }

  result(symbol: string): SymbolResult {
    let r = this.perSymbol.get(symbol);
    if (!r) {
      r = { symbol, decisions: 0, inconsistencies: 0 };
      this.perSymbol.set(symbol, r);
    }
    return r;
  }

  finish(): DeterminismResult {
    const symbols = [...this.perSymbol.values()];
    const independence = { pass: this.independenceViolations === 0, violations: this.independenceViolations };
    const pass = independence.pass && symbols.every((s) => s.inconsistencies === 0 && s.decisions > 0);
    return { symbols, independence, problems: this.problems, pass };
  }

  private check(d: DecisionRecord, result: SymbolResult, line: number, raw: string | undefined): void {
    const output = decide(d.inputs, this.params);
    const inputsText = (raw !== undefined ? recordedInputsText(raw) : undefined) ?? canonicalJson(d.inputs);
    const inputsDigest = sha256Hex(inputsText);
    const outputDigest = digest(output);
    if (output.action !== d.action || output.confidence !== d.confidence) {
      this.fail(result, line, `recorded ${d.action} ${d.confidence}, re-execution gives ${output.action} ${output.confidence}`);
    } else if (inputsDigest !== d.inputs_digest) {
      this.fail(result, line, 'inputs_digest does not match the recorded inputs');
    } else if (outputDigest !== d.output_digest) {
      this.fail(result, line, 'output_digest does not match the recorded output');
    }
    // Equal inputs → equal outputs, across the whole trace.
    if (!this.outputsByInputs.check(d.inputs_digest, d.output_digest)) this.fail(result, line, 'the same inputs gave a different output earlier in the trace');

    this.checkIndependence(d, inputsText, result, line);
  }

  private checkIndependence(d: DecisionRecord, text: string, result: SymbolResult, line: number): void {
    const foreign = d.inputs.symbol !== d.symbol ? d.inputs.symbol : this.runSymbols.find((s) => s !== d.symbol && text.includes(`"${s}"`));
    const bars = d.inputs.bars;
    const prev = this.chain.get(d.symbol);
    let broken: string | undefined;
    if (foreign !== undefined) broken = `inputs carry ${foreign} data`;
    else if (prev && d.inputs.session_volume < prev.volume) broken = 'session volume went down: the inputs are not this symbol\'s running state';
    else if (prev) {
      const earlier = bars.slice(0, -1);
      const tail = prev.bars.slice(prev.bars.length - earlier.length);
      if (earlier.length > prev.bars.length || earlier.some((b, i) => !sameBar(b, tail[i]))) broken = 'bars do not continue the previous decision of this symbol';
    }
    this.chain.set(d.symbol, { bars, volume: d.inputs.session_volume });
    if (broken) {
      this.independenceViolations += 1;
      this.fail(result, line, `independence: ${broken}`);
    }
  }

  private fail(result: SymbolResult, line: number, what: string): void {
    result.inconsistencies += 1;
    if (this.problems.length < MAX_PROBLEMS_KEPT) this.problems.push({ line, symbol: result.symbol, what });
  }
}

const BAR_FIELDS = ['start', 'end', 'open', 'high', 'low', 'close', 'volume', 'vwap', 'trades', 'quotes'] as const;

function sameBar(a: Bar, b: Bar | undefined): boolean {
  return b !== undefined && BAR_FIELDS.every((k) => a[k] === b[k]);
}

const isNum = (v: unknown): v is number => typeof v === 'number';

/** The shape check of a decision record, by hand: zod per record would dominate validate's time. */
function looksLikeDecision(r: TraceRecord): r is TraceRecord & DecisionRecord {
  const inputs = r.inputs as DecisionRecord['inputs'] | undefined;
  if (typeof r.symbol !== 'string' || typeof r.action !== 'string' || !isNum(r.confidence) || typeof r.inputs_digest !== 'string' || typeof r.output_digest !== 'string') return false;
  if (!inputs || typeof inputs !== 'object' || typeof inputs.symbol !== 'string' || !Array.isArray(inputs.bars) || !isNum(inputs.session_vwap) || !isNum(inputs.session_volume)) return false;
  if (inputs.quote !== null && (typeof inputs.quote !== 'object' || !isNum(inputs.quote.bid) || !isNum(inputs.quote.ask))) return false;
  return inputs.bars.every((b) => b !== null && typeof b === 'object' && BAR_FIELDS.every((k) => isNum(b[k])));
}

/**
 * The inputs exactly as the runner wrote them (it writes them in canonical key order, followed by
 * inputs_digest). Hashing this text checks the recorded digest against the recorded inputs
 * without re-serializing them; any edit of the inputs, even a reordering, changes the hash.
 */
function recordedInputsText(raw: string): string | undefined {
  const start = raw.indexOf('"inputs":{');
  const end = raw.indexOf(',"inputs_digest":', start);
  return start < 0 || end < 0 ? undefined : raw.slice(start + 9, end);
}
