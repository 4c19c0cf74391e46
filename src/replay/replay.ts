/**
 * `trader replay`: drives a --record capture through the live runner's decision path on a
 * virtual clock (each frame's recorded receipt time) and writes a trace. Decision records equal
 * the live run's except the timing fields (ts, latency_ms, processing_us, and the latency inside
 * msg); with --symbols, each kept symbol's decisions are unchanged, because no symbol's path reads
 * another's state.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { FrameSink } from '../feeds/adapter.js';
import type { Venue } from '../config/schema.js';
import { configSchema, VENUES } from '../config/schema.js';
import type { Flags } from '../config/flags.js';
import { inputError } from '../errors.js';
import { parserFor } from '../feeds/venues.js';
import type { Journal } from '../trace/journal.js';
import { captureHeaderSchema, type CaptureHeader } from '../trace/capture.js';
import { DecisionPath } from '../runner/decision-path.js';
import { Bus } from '../core/bus.js';
import { EV } from '../core/events.js';
import { RunStats } from '../telemetry/run-stats.js';
import { buildRunRecord } from '../runner/run-record.js';
import { loadRecordedStrategy } from '../offline/recorded-strategy.js';
import type { Strategy } from '../strategy/types.js';
import { sha256Hex } from '../util/canonical.js';

export interface ReplayResult {
  frames: number;
  decisions: number;
  symbols: string[];
  cutLastLine: boolean;
}

export async function replayCapture(path: string, keep: string[] | undefined, flags: Flags, openJournal: (header: CaptureHeader) => Journal): Promise<ReplayResult> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let header: CaptureHeader | undefined;
  let journal: Journal | undefined;
  // The live run's graph on a virtual clock: the same bus, the journal and the run statistics listening.
  const bus = new Bus();
  const stats = new RunStats(bus);
  let path_: DecisionPath | undefined;
  let strategy: Strategy | undefined;
  let clock = 0;
  let frames = 0;
  let lineNo = 0;
  let pending: string | undefined;
  let sink: FrameSink | undefined;
  let parse: ((frame: string, sink: FrameSink) => void) | undefined;
  const wanted = keep ? new Set(keep) : undefined;
  const setSymbols = (symbols: string[]): void => {
    if (!path_) return;
    const next = symbols.filter((s) => !wanted || wanted.has(s));
    for (const s of path_.symbols) if (!next.includes(s)) path_.remove(s);
    for (const s of next) path_.add(s);
  };

  try {
    try {
      for await (const line of lines) {
        lineNo += 1;
        // A line is only judged once the next one exists: a cut last line is tolerated.
        if (pending !== undefined) {
          // The header loads the strategy (a module, or a process to start): the one awaited line.
          if (!header) await start(pending, lineNo - 1);
          else handle(pending, lineNo - 1);
        }
        pending = line;
      }
    } catch (err) {
      if (err instanceof Error && 'code' in err && (err as NodeJS.ErrnoException).code === 'ENOENT') throw inputError(`${path}: no such capture file`);
      throw err;
    }
    let cutLastLine = false;
    if (pending !== undefined && pending !== '') {
      let whole = true;
      try {
        JSON.parse(pending);
      } catch {
        whole = false;
      }
      if (!whole && !header) throw inputError(`${path}: not a trader capture (first line is not a capture header)`);
      if (!whole) cutLastLine = true;
      else if (!header) await start(pending, lineNo);
      else handle(pending, lineNo);
    }
    if (!header || !path_ || !journal) throw inputError(`${path}: not a trader capture (empty file)`);
    const decisions = stats.decisions;
    path_.flushLimited(true);
    // The same per-symbol data-quality counts as the live run's RUN_SUMMARY, from the same fold.
    bus.emit({ name: EV.RUN_SUMMARY, of: 'replay', frames, decisions, cut_last_line: cutLastLine, perSymbol: stats.replayPerSymbol() });
    bus.emit({ name: EV.RUN_STOPPED, reason: 'end_of_capture' });
    journal.close();
    return { frames, decisions, symbols: path_.symbols, cutLastLine };
  } finally {
    strategy?.close();
  }

  async function start(line: string, n: number): Promise<void> {
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      throw inputError(`${path}:${n}: not JSON (not a trader capture)`);
    }
    const parsed = captureHeaderSchema.safeParse(entry);
    if (!parsed.success) throw inputError(`${path}: not a trader capture (line 1 is not a capture header)`);
    const configResult = configSchema.safeParse(parsed.data.config);
    if (!configResult.success) throw inputError(`${path}: capture header holds an invalid config: ${configResult.error.issues[0]?.message ?? ''}`);
    const config = configResult.data;
    const venue = (VENUES as readonly string[]).includes(parsed.data.venue) ? (parsed.data.venue as Venue) : undefined;
    if (!venue) throw inputError(`${path}: capture of unknown venue "${parsed.data.venue}"`);
    // The strategy the live run used, loaded from where it ran (refused if its file changed since);
    // a capture from before plug-ins ran the built-in with its config's params.
    const spec = config.decision.strategy;
    const recorded = parsed.data.strategy ?? { name: 'name' in spec ? spec.name : 'vwap_momentum', version: '1.0.0', params: spec.params };
    const loaded = await loadRecordedStrategy(recorded, path);
    strategy = loaded;
    header = parsed.data;
    parse = parserFor(venue, header.symbols);
    const opened = openJournal(header);
    journal = opened;
    opened.attach(bus);
    const now = (): number => clock;
    const symbols = header.symbols.filter((s) => !wanted || wanted.has(s));
    opened.run(buildRunRecord({ command: 'replay', config, configPath: path, configDigest: sha256Hex(JSON.stringify(header.config)), symbols, flags, venue, url: header.url, killSwitchFile: config.kill_switch.file, startMs: Date.parse(header.started_at), strategy: loaded, strategyBaseDir: recorded.base_dir ?? process.cwd() }));
    const decisionPath = new DecisionPath(config, loaded, bus, stats, now);
    path_ = decisionPath;
    setSymbols(header.symbols);
    sink = {
      event: (event) => decisionPath.onEvent(event, clock, process.hrtime.bigint()),
      issue: () => undefined,
      // The capture's receipt time: what a venue that does not stamp its data (Binance bookTicker) was stamped with live.
      receivedMs: () => clock,
    };
  }

  function handle(line: string, n: number): void {
    if (line === '') return;
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      throw inputError(`${path}:${n}: not JSON`);
    }
    const e = entry as { t?: unknown; f?: unknown; symbols?: unknown; mark?: unknown };
    if (typeof e.t !== 'number') throw inputError(`${path}:${n}: capture entry without a receipt time "t"`);
    clock = e.t;
    if (typeof e.f === 'string' && parse && sink) {
      frames += 1;
      parse(e.f, sink);
    } else if (e.mark === 'data_gap') {
      path_?.markDataGap();
    } else if (e.mark === 'source_switch') {
      path_?.resetSequences();
      path_?.markDataGap();
    } else if (Array.isArray(e.symbols)) {
      setSymbols(e.symbols.filter((s): s is string => typeof s === 'string'));
    } else {
      throw inputError(`${path}:${n}: capture entry is neither a frame nor a symbol change`);
    }
  }
}
