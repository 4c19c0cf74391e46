/**
 * How a long-running command (`trader run`, `trader ingest`) ends: its --duration, SIGTERM, SIGINT
 * or its own stop(); SIGUSR1 meanwhile reloads its symbols.
 */
import { setLongTimeout } from '../util/long-timeout.js';

/** The stop reason: the duration elapsed, SIGTERM, SIGINT or stop() (a write failure). SIGUSR1 reloads symbols. */
export function waitForStop(durationMs: number | undefined, onReload: () => void): { reason: Promise<string>; stop: (reason: string) => void } {
  let stop: (reason: string) => void = () => undefined;
  const reason = new Promise<string>((resolveStop) => {
    // A duration past what one timer can hold (~24.8 days) is honoured exactly, in steps.
    const timer = durationMs === undefined ? undefined : setLongTimeout(durationMs, () => finish('duration'));
    const onTerm = (): void => finish('SIGTERM');
    const onInt = (): void => finish('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
    process.on('SIGUSR1', onReload);
    function finish(why: string): void {
      timer?.cancel();
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      process.off('SIGUSR1', onReload);
      resolveStop(why);
    }
    stop = finish;
  });
  return { reason, stop };
}
