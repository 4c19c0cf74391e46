/** `trader replay --capture <file> --trace-file <file> [--symbols …]` */
import { statSync } from 'node:fs';
import { readFlags } from '../../config/flags.js';
import { EXIT_WRITE_FAILED, inputError } from '../../errors.js';
import { replayCapture } from '../../replay/replay.js';
import { RunLock } from '../../runtime/lock.js';
import { requireDistinct, requireWritableFile } from '../../runtime/paths.js';
import { rotateIfPresent } from '../../trace/files.js';
import { Journal, type WriteFailure } from '../../trace/journal.js';
import { traceKey } from '../../trace/chain.js';

export interface ReplayOptions {
  capture: string;
  traceFile: string;
  logFile?: string;
  symbols?: string[];
}

export async function replay(opts: ReplayOptions): Promise<number> {
  const stat = statSync(opts.capture, { throwIfNoEntry: false });
  if (!stat?.isFile()) throw inputError(`--capture ${opts.capture}: no such file`);
  const key = traceKey(process.env);
  // The outputs are checked and locked like a run's: never the capture, never a live run's files.
  const [, trace = '', log] = requireDistinct([
    { flag: '--capture', path: opts.capture },
    { flag: '--trace-file', path: opts.traceFile },
    ...(opts.logFile ? [{ flag: '--log-file', path: opts.logFile }] : []),
  ]);
  requireWritableFile({ flag: '--trace-file', path: opts.traceFile });
  if (opts.logFile) requireWritableFile({ flag: '--log-file', path: opts.logFile });
  const outputs = [trace, ...(log ? [log] : [])];
  const lock = RunLock.acquire(outputs, { pid: process.pid, started_at: new Date().toISOString(), cwd: process.cwd(), log: log ?? '', trace, pid_file: '', kill_switch: '', capture: null, allow_resume: false }, (line) => process.stderr.write(`trader: warning: ${line}\n`));
  let failure: WriteFailure | undefined;
  let result: Awaited<ReturnType<typeof replayCapture>>;
  try {
    result = await replayCapture(opts.capture, opts.symbols, readFlags(process.env), (header) => {
      for (const path of outputs) rotateIfPresent(path, Date.now());
      return new Journal({
        tracePath: trace,
        ...(log ? { logPath: log } : {}),
        logFormat: 'text',
        logLevel: 'info',
        timezone: typeof header.config.timezone === 'string' ? header.config.timezone : 'America/New_York',
        now: Date.now,
        onWriteFailure: (f) => (failure ??= f),
        // A replay's trace is evidence too: keyed like the live run's when the key is set.
        ...(key === undefined ? {} : { traceKey: key }),
      });
    });
  } finally {
    lock.release();
  }
  if (failure) {
    // As for a run (main.ts): the trace written is incomplete and says so in its last line.
    process.stderr.write(`trader: cannot write the ${failure.file} ${failure.path}: ${failure.code} (${failure.message}); the replay's trace is incomplete\n`);
    return EXIT_WRITE_FAILED;
  }
  if (result.cutLastLine) process.stderr.write(`trader: warning: ${opts.capture}: the last line was cut (the recording run was killed); replayed everything before it\n`);
  process.stdout.write(`replayed ${result.frames} frames: ${result.decisions} decisions for ${result.symbols.join(',') || 'no symbols'} → ${opts.traceFile}\n`);
  return 0;
}
