/**
 * The determinism check, in two halves so it can run on several cores. A ChunkChecker is fed the
 * records of one chunk of the trace (on any thread) and does the per-decision work; the
 * DeterminismChecker folds the chunks' findings in file order and does what needs earlier
 * records. Together, for each decision:
 *  - re-executes the recorded strategy on the recorded inputs and compares action and confidence;
 *  - recomputes inputs_digest and output_digest from the record;
 *  - checks that equal inputs never gave different outputs anywhere in the trace;
 *  - checks independence: the inputs hold only the decision's own symbol, and consecutive
 *    decisions of a symbol chain (each one's earlier bars are the previous one's later bars, and
 *    the session volume never shrinks), so each symbol's decisions follow from its own data alone;
 *  - checks the decision's figures against each other: latency_ms against its own ts − trigger_ts
 *    and the msg (the log line) against the record (decision-line.ts).
 * Digests are of canonical JSON (decision-line.ts), so the file's layout does not matter.
 * `trader report` runs this same check: the two commands cannot disagree.
 */
import { StrategyFailure, StrategyViolation } from '../strategy/failures.js';
import type { Strategy, StrategyOutput } from '../strategy/types.js';
import type { DecisionRecord, TraceRecord } from '../trace/schema.js';
import type { Bar } from '../engine/bars.js';
import { inputsDigestOf, latencyIssue, outputDigestOf } from '../trace/decision-line.js';
import { sha256Hex } from '../util/canonical.js';
import { decisionShapeIssue, BAR_FIELDS } from './decision-shape.js';
import { DigestTable, digestKey, PairBuffer, type DigestPairs } from './digest-table.js';

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
  /** Decisions whose latency_ms, ts − trigger_ts and msg disagree (also counted as inconsistencies). */
  figureIssues: number;
  problems: Problem[];
  pass: boolean;
}

const MAX_PROBLEMS_KEPT = 20;

export interface CheckerOptions {
  /** Only these symbols' decisions are checked (validate --symbols); default: every symbol in the trace. */
  symbols?: string[];
  /** Symbols that must have decisions (the run's, or those asked for). */
  required?: string[];
  /** Only decisions at or after this time (ISO `ts`) count; for --window. */
  fromMs?: number;
}

interface ChainState {
  bars: Bar[];
  volume: number;
}

/** A chunk's first decision of a symbol whose predecessor, if any, is in an earlier chunk. */
interface ChainHead extends ChainState {
  symbol: string;
  line: number;
}

/**
 * What a checker run over one chunk of the trace hands back (line numbers local to the chunk):
 * everything that needs no earlier record, plus what the merge must check against earlier chunks
 * (chain heads, and every inputs → output pair for the trace-wide table). Structured-clone safe.
 */
export interface ChunkDeterminism {
  perSymbol: SymbolResult[];
  independenceViolations: number;
  figureIssues: number;
  problems: Problem[];
  heads: ChainHead[];
  /** Each touched symbol's chain at the chunk's end; null when it was reset. */
  tails: Array<[string, ChainState | null]>;
  pairs: DigestPairs;
}

/** The per-record half: everything a chunk can check without the records before it. */
export class ChunkChecker {
  private readonly perSymbol = new Map<string, SymbolResult>();
  private readonly chain = new Map<string, ChainState>();
  private readonly problems: Problem[] = [];
  private independenceViolations = 0;
  private figureIssues = 0;
  /** Symbols whose chain is known from inside the chunk (a decision or a reset seen). */
  private readonly known = new Set<string>();
  private readonly heads: ChainHead[] = [];
  private readonly pairs = new PairBuffer();

  /** `strategy`: the run's, loaded again (src/offline/recorded-strategy.ts), bound to the recorded params. */
  constructor(
    private readonly strategy: Strategy,
    private readonly options: CheckerOptions,
  ) {}

  /**
   * `inputsText`, when the reader has it: the record's inputs exactly as canonical JSON
   * (src/offline/canonical-line.ts), hashed as it stands instead of re-serialized.
   */
  add(record: TraceRecord, line: number, inputsText?: string): void {
    if ((record.type === 'decision_skipped' || record.type === 'decision_failed' || record.type === 'strategy_violation') && typeof record.symbol === 'string') {
      // A skipped or failed decision still moved the symbol's bar history on; the chain restarts.
      // A failed one is not a decision: there is nothing to re-execute.
      this.reset(record.symbol);
      return;
    }
    if (record.type !== 'decision') return;
    const symbol = String(record.symbol);
    if (this.options.symbols && !this.options.symbols.includes(symbol)) return;
    if (this.options.fromMs !== undefined && Date.parse(String(record.ts)) < this.options.fromMs) {
      this.reset(symbol);
      return;
    }
    const result = symbolResult(this.perSymbol, symbol);
    result.decisions += 1;
    const issue = decisionShapeIssue(record);
    if (issue !== undefined) {
      this.fail(result, line, `not a decision record: ${issue}`);
      return;
    }
    this.check(record as TraceRecord & DecisionRecord, result, line, inputsText);
  }

  finish(): ChunkDeterminism {
    return {
      perSymbol: [...this.perSymbol.values()],
      independenceViolations: this.independenceViolations,
      figureIssues: this.figureIssues,
      problems: this.problems,
      heads: this.heads,
      tails: [...this.known].map((s) => [s, this.chain.get(s) ?? null]),
      pairs: this.pairs.take(),
    };
  }

  private reset(symbol: string): void {
    this.chain.delete(symbol);
    this.known.add(symbol);
  }

  private check(d: DecisionRecord, result: SymbolResult, line: number, inputsText: string | undefined): void {
    const output = this.reexecute(d);
    let wrong: string | undefined;
    if (typeof output === 'string') wrong = output;
    else if (output.action !== d.action || output.confidence !== d.confidence) wrong = `recorded ${d.action} ${d.confidence}, re-execution gives ${output.action} ${output.confidence}`;
    else if (output.reason !== d.reason) wrong = `recorded reason ${JSON.stringify(d.reason ?? null)}, re-execution gives ${JSON.stringify(output.reason ?? null)}`;
    else if ((inputsText === undefined ? inputsDigestOf(d.inputs) : sha256Hex(inputsText)) !== d.inputs_digest) wrong = 'inputs_digest does not match the recorded inputs';
    else if (outputDigestOf(output) !== d.output_digest) wrong = 'output_digest does not match the recorded output';
    if (wrong !== undefined) this.fail(result, line, wrong);
    const figures = latencyIssue(d);
    if (figures !== undefined) {
      this.figureIssues += 1;
      // One inconsistent decision counts once, however many of its checks it fails.
      if (wrong === undefined) this.fail(result, line, `figures: ${figures}`);
      else this.note(result, line, `figures: ${figures}`);
    }
    // Equal inputs → equal outputs is a trace-wide table: checked at the merge.
    this.pairs.push(digestKey(d.inputs_digest, d.output_digest), line, d.symbol);
    this.checkIndependence(d, result, line);
  }

  /** The strategy's answer on the recorded inputs, or why there is none (the decision is then inconsistent). */
  private reexecute(d: DecisionRecord): StrategyOutput | string {
    try {
      return this.strategy.decide(d.inputs, this.strategy.params);
    } catch (e) {
      if (e instanceof StrategyViolation) return `re-execution: the strategy called ${e.call}`;
      if (e instanceof StrategyFailure) return `re-execution failed (${e.kind}): ${e.message}`;
      throw e;
    }
  }

  private checkIndependence(d: DecisionRecord, result: SymbolResult, line: number): void {
    // The shape check leaves inputs.symbol as the only text in the inputs.
    const foreign = d.inputs.symbol !== d.symbol ? d.inputs.symbol : undefined;
    const bars = d.inputs.bars;
    const volume = d.inputs.session_volume;
    let broken: string | undefined;
    if (foreign !== undefined) broken = `inputs carry ${foreign} data`;
    else if (this.known.has(d.symbol)) broken = chainBreak(this.chain.get(d.symbol), bars, volume);
    else this.heads.push({ symbol: d.symbol, line, bars, volume });
    this.chain.set(d.symbol, { bars, volume });
    this.known.add(d.symbol);
    if (broken) {
      this.independenceViolations += 1;
      this.fail(result, line, `independence: ${broken}`);
    }
  }

  private fail(result: SymbolResult, line: number, what: string): void {
    result.inconsistencies += 1;
    this.note(result, line, what);
  }

  private note(result: SymbolResult, line: number, what: string): void {
    if (this.problems.length < MAX_PROBLEMS_KEPT) this.problems.push({ line, symbol: result.symbol, what });
  }
}

/** The ordered half: folds the chunks in, in file order, into the result of one pass over the trace. */
export class DeterminismChecker {
  private readonly perSymbol = new Map<string, SymbolResult>();
  private readonly outputsByInputs = new DigestTable();
  private readonly chain = new Map<string, ChainState>();
  private readonly problems: Problem[] = [];
  private independenceViolations = 0;
  private figureIssues = 0;

  constructor(options: CheckerOptions = {}) {
    for (const s of options.required ?? []) symbolResult(this.perSymbol, s);
  }

  /**
   * Folds in the next chunk: its counts and problems, its pairs checked against the trace-wide
   * table, its chain heads checked against the chain so far.
   */
  merge(c: ChunkDeterminism, lineOffset: number): void {
    const found: Problem[] = c.problems.map((p) => ({ ...p, line: p.line + lineOffset }));
    for (const s of c.perSymbol) {
      const r = symbolResult(this.perSymbol, s.symbol);
      r.decisions += s.decisions;
      r.inconsistencies += s.inconsistencies;
    }
    this.independenceViolations += c.independenceViolations;
    this.figureIssues += c.figureIssues;
    const failAt = (symbol: string, line: number, what: string): void => {
      symbolResult(this.perSymbol, symbol).inconsistencies += 1;
      found.push({ line: line + lineOffset, symbol, what });
    };
    const { hi, lo, out, line, symbol, symbols } = c.pairs;
    for (let i = 0; i < c.pairs.count; i += 1) {
      if (!this.outputsByInputs.check(hi[i] as number, lo[i] as number, out[i] as number)) failAt(symbols[symbol[i] as number] as string, line[i] as number, 'the same inputs gave a different output earlier in the trace');
    }
    for (const h of c.heads) {
      const broken = chainBreak(this.chain.get(h.symbol), h.bars, h.volume);
      if (broken) {
        this.independenceViolations += 1;
        failAt(h.symbol, h.line, `independence: ${broken}`);
      }
    }
    for (const [s, state] of c.tails) {
      if (state) this.chain.set(s, state);
      else this.chain.delete(s);
    }
    // File order; within a line, by text, so the list does not depend on where chunks were cut.
    found.sort((a, b) => a.line - b.line || (a.what < b.what ? -1 : a.what > b.what ? 1 : 0));
    for (const p of found) if (this.problems.length < MAX_PROBLEMS_KEPT) this.problems.push(p);
  }

  finish(): DeterminismResult {
    const symbols = [...this.perSymbol.values()];
    const independence = { pass: this.independenceViolations === 0, violations: this.independenceViolations };
    const pass = independence.pass && symbols.every((s) => s.inconsistencies === 0 && s.decisions > 0);
    return { symbols, independence, figureIssues: this.figureIssues, problems: this.problems, pass };
  }
}

function symbolResult(map: Map<string, SymbolResult>, symbol: string): SymbolResult {
  let r = map.get(symbol);
  if (!r) {
    r = { symbol, decisions: 0, inconsistencies: 0 };
    map.set(symbol, r);
  }
  return r;
}

/** Why `bars`/`volume` cannot follow `prev`, the symbol's previous decision; undefined when they can. */
function chainBreak(prev: ChainState | undefined, bars: Bar[], volume: number): string | undefined {
  if (!prev) return undefined;
  if (volume < prev.volume) return 'session volume went down: the inputs are not this symbol\'s running state';
  const earlier = bars.slice(0, -1);
  const tail = prev.bars.slice(prev.bars.length - earlier.length);
  if (earlier.length > prev.bars.length || earlier.some((b, i) => !sameBar(b, tail[i]))) return 'bars do not continue the previous decision of this symbol';
  return undefined;
}

function sameBar(a: Bar, b: Bar | undefined): boolean {
  if (b === undefined) return false;
  for (const k of BAR_FIELDS) if (a[k] !== b[k]) return false;
  return true;
}
