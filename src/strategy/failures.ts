/**
 * What a decision can fail with. Neither is a TraderError: they do not end the process, they halt
 * the symbol (or, when `fatal`, every symbol of the strategy) and the run goes on.
 */

/** The strategy called something that breaks the determinism rules (a clock, randomness, I/O…). */
export class StrategyViolation extends Error {
  /** The call, e.g. "Date.now" or "Math.random". */
  readonly call: string;
  constructor(call: string) {
    super(`strategy called ${call}, which a strategy may not use (no clock, randomness, timers or I/O)`);
    this.name = 'StrategyViolation';
    this.call = call;
  }
}

export type FailureKind =
  | 'threw' // decide threw
  | 'timeout' // decide ran past its time budget
  | 'bad_output' // decide returned something that is not a decision
  | 'protocol' // an external process answered garbage or the wrong id
  | 'gone'; // the external process exited or was closed: every later call fails the same way

export class StrategyFailure extends Error {
  readonly kind: FailureKind;
  constructor(kind: FailureKind, message: string) {
    super(message);
    this.name = 'StrategyFailure';
    this.kind = kind;
  }

  /** The strategy cannot answer any symbol any more (the host halts them all). */
  get fatal(): boolean {
    return this.kind === 'gone';
  }
}
