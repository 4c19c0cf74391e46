/**
 * The entry: parse, run, and map every error to one line and an exit code. The only
 * process.exit in the code base lives here.
 *   0  success (GO, all checks passed)
 *   1  the command ran and its verdict is negative (NO-GO, inconsistencies found)
 *   2  bad input: flags, config, files, conflicting or unwritable paths, a runner already
 *      running on the same files, a busy port
 *  70  a bug: an unexpected exception (printed with its stack)
 *  74  `trader run` stopped because a write to its log or trace failed (ENOSPC, EIO, a short
 *      write; EX_IOERR): trading was halted at the failure and the run did not complete
 */
import { CommanderError } from 'commander';
import { TraderError } from '../errors.js';
import { buildProgram } from './program.js';

async function main(argv: string[]): Promise<number> {
  try {
    let code = 0;
    await buildProgram((c) => (code = c)).parseAsync(argv);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has already printed its one line; help and --version are successes.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof TraderError) {
      process.stderr.write(`trader: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`trader: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 70;
  }
}

const code = await main(process.argv);
// Let stdout drain before leaving (a piped `trader validate | head` must see every line); a
// stdout whose reader has gone (EPIPE) has nothing left to drain.
if (process.stdout.destroyed || !process.stdout.writable) process.exit(code);
process.stdout.on('error', () => process.exit(code));
process.stdout.write('', () => process.exit(code));
