// The V8 flags each trader command runs with, set by bin/trader.js before anything allocates, and
// by bench/harness.mjs, which runs the runner in its own process exactly as `trader run` does.
//
// Offline commands (validate, report) stream gigabytes through short-lived objects: a young
// generation held at 1 MB keeps their peak RSS ~30 MB lower at the same speed, and
// --optimize-for-size (a heap that grows less before it is collected, in every isolate: the
// workers too) another ~20 MB at 1M decisions (BENCHMARKS.md).
//
// The runner (run, ingest) keeps its young generation at the size it starts with: V8 otherwise
// doubles it, once, whenever its heuristics decide to — in a 30-minute soak, at minute 19, RSS
// stepped up 11 MB (+12 %) with the live heap unchanged, which is what an operator's `ps` would
// read as a leak (BENCHMARKS.md, soak). Decision latency and throughput are the same either way.
//
// Only flags V8 reads at run time can be set here: the main isolate's heap is configured before
// this runs (a semi-space size set here reaches only isolates made later: workers), so the growth
// factor, which V8 reads each time it would grow the young generation, is the lever.
const OFFLINE = '--max-semi-space-size=1 --semi-space-growth-factor=1 --optimize-for-size';
const RUNNER = '--semi-space-growth-factor=1';

/** The flags for `command` (trader's first argument), or undefined for V8's defaults. */
export function v8FlagsFor(command) {
  if (/^(validate|validate-determinism|report|generate-report)$/.test(command ?? '')) return OFFLINE;
  if (/^(run|ingest)$/.test(command ?? '')) return RUNNER;
  return undefined;
}
