/**
 * The V8 flags each trader command runs with. bin/trader.js sets them before anything allocates;
 * bench/harness.mjs sets the run's, since it runs the runner in its own process.
 *
 * Offline commands (validate, report) stream gigabytes through short-lived objects: a young
 * generation held small keeps their peak RSS ~30 MB lower at the same speed, and
 * --optimize-for-size (a heap that grows less before it is collected) another ~20 MB at 1M
 * decisions (BENCHMARKS.md).
 *
 * The runner (run, ingest) keeps its young generation at the size it starts with. V8 otherwise
 * grows it, in doublings, whenever its heuristics decide to. In a 30-minute soak it did so once,
 * at minute 19: RSS stepped up 11 MB (+12 %) with the live heap unchanged, which is what an
 * operator's `ps` would read as a leak (BENCHMARKS.md, 1d). The same-minute A/B runs there found
 * decision latency and throughput unchanged.
 *
 * Only flags V8 reads at run time help here. The main isolate's heap is configured before any of
 * this runs, so a semi-space size set here reaches only isolates made later (workers). The growth
 * factor is read each time the young generation would grow, and at 1 it never does. Two caveats:
 *  - V8 keeps the factor at least 2 for flags given on the command line. Setting it at run time
 *    gets past that floor; a release build then simply never grows the young generation, which
 *    is what is wanted (checked on Node 20's V8 11.3).
 *  - Every isolate V8 sets up raises the factor back to 2, process-wide. So the flags are set again
 *    whenever a Worker comes online (Node's process 'worker' event: a command strategy's bridge,
 *    the offline pool, or any other).
 */
import { setFlagsFromString } from 'node:v8';
import type { Worker } from 'node:worker_threads';

const OFFLINE = '--max-semi-space-size=1 --semi-space-growth-factor=1 --optimize-for-size';
const RUNNER = '--semi-space-growth-factor=1';

let applied: string | undefined;

/** The flags for `command` (trader's first argument), or undefined for V8's defaults. */
function v8FlagsFor(command: string | undefined): string | undefined {
  if (/^(validate|validate-determinism|report|generate-report)$/.test(command ?? '')) return OFFLINE;
  if (/^(run|ingest)$/.test(command ?? '')) return RUNNER;
  return undefined;
}

/**
 * Sets the flags for `command`, and again whenever a Worker comes online (setting up its isolate
 * reset them); returns them (undefined: V8's defaults).
 */
export function applyV8Flags(command: string | undefined): string | undefined {
  applied = v8FlagsFor(command);
  if (applied === undefined) return undefined;
  setFlagsFromString(applied);
  process.on('worker', (worker: Worker) => worker.once('online', reapply));
  return applied;
}

function reapply(): void {
  if (applied !== undefined) setFlagsFromString(applied);
}
