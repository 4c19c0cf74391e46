/** `trader replay --capture <file> --trace-file <file> [--symbols …]` */
import { statSync } from 'node:fs';
import { readFlags } from '../../config/flags.js';
import { inputError } from '../../errors.js';
import { replayCapture } from '../../replay/replay.js';
import { rotateIfPresent } from '../../trace/files.js';
import { Journal } from '../../trace/journal.js';
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
  const result = await replayCapture(opts.capture, opts.symbols, readFlags(process.env), (header) => {
    for (const path of [opts.traceFile, opts.logFile]) if (path) rotateIfPresent(path, Date.now());
    return new Journal({
      tracePath: opts.traceFile,
      ...(opts.logFile ? { logPath: opts.logFile } : {}),
      logFormat: 'text',
      logLevel: 'info',
      timezone: typeof header.config.timezone === 'string' ? header.config.timezone : 'America/New_York',
      now: Date.now,
      // A replay's trace is evidence too: keyed like the live run's when the key is set.
      ...(key === undefined ? {} : { traceKey: key }),
    });
  });
  if (result.cutLastLine) process.stderr.write(`trader: warning: ${opts.capture}: the last line was cut (the recording run was killed); replayed everything before it\n`);
  process.stdout.write(`replayed ${result.frames} frames: ${result.decisions} decisions for ${result.symbols.join(',') || 'no symbols'} → ${opts.traceFile}\n`);
  return 0;
}
