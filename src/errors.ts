/**
 * The few error classes the CLI maps to exit codes. Tests assert `code`, never the wording.
 * Anything that is not a TraderError is a bug and surfaces as exit 70 with its stack.
 */
export type ErrorCode =
  | 'E_USAGE' // bad flag or flag value
  | 'E_CONFIG' // config file missing or invalid
  | 'E_INPUT' // an input file (trace, log, capture, scenario) missing or malformed
  | 'E_FLAG_REFUSED'; // a feature flag forbids what was asked

export class TraderError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'TraderError';
    this.code = code;
  }
}

export const usageError = (message: string): TraderError => new TraderError('E_USAGE', message);
export const configError = (message: string): TraderError => new TraderError('E_CONFIG', message);
export const inputError = (message: string): TraderError => new TraderError('E_INPUT', message);

/** The exit code of a run or replay stopped by a failed write to its log, trace or capture (EX_IOERR; see main.ts). */
export const EXIT_WRITE_FAILED = 74;
/** A live venue refused the run for good (credentials, connection limit, plan): EX_UNAVAILABLE. */
export const EXIT_FEED_FATAL = 69;
