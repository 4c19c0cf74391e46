/**
 * `trader run`'s terminal while it runs: which log lines are echoed, and the live status.
 *
 * - The echo (stdout, unless --quiet) leaves out HEARTBEAT_OK: one line per symbol per second
 *   buried everything else; heartbeats stay in the log file, where the runbook greps them, and the
 *   status shows each symbol's data age. Every other line (warnings and errors, decisions,
 *   lifecycle) is echoed.
 * - With stderr on a terminal (and no --quiet): a status frame on stderr, redrawn from the model's
 *   snapshot once a second by an unref'd timer (the data path only updates the model). When stdout
 *   is that terminal too, an echoed line is printed above the frame, which is then repainted.
 * - Otherwise (a pipe, a file, --quiet): one plain `trader run: status …` line every
 *   PLAIN_INTERVAL_MS on stdout, without a colour or any other escape code.
 */
import type { Bus } from '../core/bus.js';
import { EV, type EventName, type Level } from '../core/events.js';
import type { TradingSnapshot } from '../safety/trading-state.js';
import { LiveModel } from './live-model.js';
import { clip, colorsFor, plainStatusLine, renderFrame, type Colors } from './status-render.js';

const FRAME_INTERVAL_MS = 1000;
export const PLAIN_INTERVAL_MS = 10_000;

/** Whether a log line reaches the terminal: everything but the per-second heartbeats. */
export const echoes = (event: EventName, level: Level): boolean => level === 'warn' || level === 'error' || event !== EV.HEARTBEAT_OK;

interface Stream {
  isTTY?: boolean;
  columns?: number;
  write: (text: string) => unknown;
}

interface TerminalOptions {
  bus: Bus;
  quiet: boolean;
  durationMs: number | undefined;
  lookback: number;
  now: () => number;
  env: NodeJS.ProcessEnv;
  stdout: Stream;
  stderr: Stream;
  /** Masks credentials in whatever reaches either stream. */
  redact: (text: string) => string;
  /** The runner's trading state (see LiveModel); undefined until the runner exists. */
  trading: () => TradingSnapshot | undefined;
}

interface RunTerminal {
  /** The run's own start lines are printed: the status may take the terminal. */
  start(): void;
  /** A log line, as the journal writes it; printed when the echo is on and the line is echoed. */
  echo(line: string, event: EventName, level: Level): void;
  /** A problem line for stderr (already masked), printed above the frame so the next redraw cannot erase it. */
  problem(text: string): void;
  /** The run is over: the last frame stays on the screen, timers are cleared. */
  stop(): void;
}

/** NO_COLOR (https://no-color.org: present and not empty) and a dumb terminal turn colour off. */
export const colourAllowed = (env: NodeJS.ProcessEnv): boolean => !env.NO_COLOR && env.TERM !== 'dumb';

export function openTerminal(o: TerminalOptions): RunTerminal {
  const memory = (): { rss: number; heap_used: number } => {
    const m = process.memoryUsage();
    return { rss: m.rss, heap_used: m.heapUsed };
  };
  const model = new LiveModel(o.bus, { now: o.now, durationMs: o.durationMs, lookback: o.lookback, memory, trading: o.trading });
  const out = (text: string): void => void o.stdout.write(o.redact(text));
  const echoOn = !o.quiet;
  if (o.stderr.isTTY && !o.quiet) {
    const view = new TtyView(model, o.stderr, colorsFor(colourAllowed(o.env)), o.redact);
    const shared = o.stdout.isTTY === true;
    // On a shared terminal each line goes above the frame, which is erased and painted again. The
    // echo runs inside the journal's write, on the decision path: lines are gathered and put above
    // the frame once per turn of the event loop, not once each (a bar close is a line per symbol).
    let pending: string[] = [];
    const flush = (): void => {
      if (pending.length === 0) return;
      const text = pending.join('');
      pending = [];
      view.above(() => out(text));
    };
    return {
      start: () => view.start(),
      echo: (line, event, level) => {
        if (!echoes(event, level)) return;
        if (!shared) return out(`${line}\n`);
        if (pending.length === 0) setImmediate(flush);
        pending.push(`${line}\n`);
      },
      problem: (text) => {
        flush();
        view.above(() => void o.stderr.write(text));
      },
      stop: () => {
        flush();
        view.stop();
        model.detach();
      },
    };
  }
  let timer: NodeJS.Timeout | undefined;
  return {
    start: () => {
      timer = setInterval(() => out(`${plainStatusLine(model.snapshot())}\n`), PLAIN_INTERVAL_MS);
      timer.unref();
    },
    echo: (line, event, level) => {
      if (echoOn && echoes(event, level)) out(`${line}\n`);
    },
    problem: (text) => void o.stderr.write(text),
    stop: () => {
      clearInterval(timer);
      model.detach();
    },
  };
}

/** The redrawn frame on a terminal: erased (cursor up, clear below) and written again. */
class TtyView {
  private frame: string[] = [];
  private shown = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly model: LiveModel,
    private readonly term: Stream,
    private readonly colors: Colors,
    private readonly redact: (text: string) => string,
  ) {}

  start(): void {
    this.draw();
    this.timer = setInterval(() => this.draw(), FRAME_INTERVAL_MS);
    this.timer.unref();
  }

  /** Prints something above the frame (an echoed log line on the same terminal), then repaints the frame as it was. */
  above(print: () => void): void {
    this.erase();
    print();
    this.paint();
  }

  stop(): void {
    clearInterval(this.timer);
    this.draw();
  }

  private draw(): void {
    // A terminal that reports no size (0 columns) gets 80. One column spare: a line that fills the last column wraps on some terminals and breaks the erase.
    const width = Math.max(20, (this.term.columns || 80) - 1);
    this.frame = renderFrame(this.model.snapshot(), this.colors).map((l) => clip(this.redact(l), width));
    this.erase();
    this.paint();
  }

  private erase(): void {
    if (this.shown > 0) this.term.write(`\x1b[${this.shown}A\r\x1b[J`);
    this.shown = 0;
  }

  private paint(): void {
    if (this.frame.length === 0) return;
    this.term.write(`${this.frame.join('\n')}\n`);
    this.shown = this.frame.length;
  }
}
