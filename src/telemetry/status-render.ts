/**
 * The live status as text, from a snapshot (live-model.ts) alone: the terminal view's frame
 * (coloured, one screen, every line clipped to the terminal's width so a redraw never wraps) and
 * the plain one-line form for a pipe. Pure: no clock, no stream, so a frame is a function of its
 * snapshot and is tested as one.
 */
import pc from 'picocolors';
import type { StatusSnapshot, SymbolStatus } from './live-model.js';

export type Colors = ReturnType<typeof pc.createColors>;
/** Colours from our own decision (stderr's TTY, NO_COLOR), never picocolors' guess from stdout. */
export const colorsFor = (enabled: boolean): Colors => pc.createColors(enabled);

const BAR_WIDTH = 30;

/** `1h02m03s`, `2m05s`, `4.2s`: a span at a glance. */
export function span(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n: number): string => String(n).padStart(2, '0');
  if (h > 0) return `${h}h${two(m)}m${two(s)}s`;
  return m > 0 ? `${m}m${two(s)}s` : `${s}s`;
}

const mb = (bytes: number): string => `${(bytes / 1048576).toFixed(1)}MB`;
const lagText = (ms: number | null): string => (ms === null ? '-' : ms < 10 ? ms.toFixed(1) : String(Math.round(ms)));

/** The progress of --duration: `[#####-----] 50%` in plain form, a bar of blocks on a terminal. */
export function progressBar(elapsedMs: number, durationMs: number, c: Colors, plain: boolean): string {
  const ratio = Math.min(1, Math.max(0, durationMs > 0 ? elapsedMs / durationMs : 1));
  const full = Math.round(ratio * BAR_WIDTH);
  const pct = `${Math.floor(ratio * 100)}%`;
  if (plain) return `[${'#'.repeat(full)}${'-'.repeat(BAR_WIDTH - full)}] ${pct}`;
  return `${c.green('█'.repeat(full))}${c.dim('░'.repeat(BAR_WIDTH - full))} ${pct}`;
}

function stateColor(state: string, c: Colors): (s: string) => string {
  if (state === 'HALTED' || state === 'failed' || state === 'stale' || state === 'verify_failed' || state === 'unknown') return (s) => c.bold(c.red(s));
  if (state === 'REDUCING' || state === 'disconnected' || state === 'reconnecting' || state === 'degraded' || state === 'triggered' || state === 'waiting') return c.yellow;
  return c.green;
}

/** What the symbol's data column says: its age, or why there is none. */
function dataText(s: SymbolStatus): string {
  if (s.data === 'unknown') return 'unknown to feed';
  if (s.age_ms === null) return s.data === 'stale' ? 'stale (never)' : 'no data yet';
  const age = span(s.age_ms);
  return s.data === 'ok' ? age : `${age} ${s.data}`;
}

function lastText(s: SymbolStatus): string {
  if (s.last_action === null) return '-';
  const warming = s.bars < s.lookback ? ` (warm-up ${s.bars}/${s.lookback} bars)` : '';
  return `${s.last_action} ${(s.last_confidence ?? 0).toFixed(2)}${warming}`;
}

function timeLine(s: StatusSnapshot, c: Colors, plain: boolean): string {
  const elapsed = span(s.elapsed_ms);
  if (s.duration_ms === null) return `elapsed ${elapsed} (until SIGTERM/SIGINT)`;
  return `elapsed ${elapsed} of ${span(s.duration_ms)}, ${span(s.remaining_ms ?? 0)} left ${progressBar(s.elapsed_ms, s.duration_ms, c, plain)}`;
}

const COLUMNS = ['SYMBOL', 'STATE', 'DATA AGE', 'LAG p50/p99', 'DECISIONS', 'LAST', 'POS'] as const;
const WIDTHS = [8, 9, 16, 13, 10, 30, 0];

/** One row of the symbol table; `paint` colours a cell after it is padded, so colours never shift a column. */
function row(cells: string[], paint: Array<(s: string) => string> = []): string {
  return cells
    .map((cell, i) => {
      const w = WIDTHS[i] ?? 0;
      const padded = w > 0 ? cell.padEnd(w) : `${cell} `;
      return (paint[i] ?? ((x: string) => x))(padded);
    })
    .join('')
    .trimEnd();
}

/** The terminal frame: the run, then one row per symbol. Lines are not yet clipped (see clip). */
export function renderFrame(s: StatusSnapshot, c: Colors): string[] {
  const trading = stateColor(s.trading.state, c)(s.trading.state);
  const why = s.trading.sources.length > 0 ? c.dim(` (${s.trading.sources.join(', ')})`) : '';
  const ks = s.kill_switch;
  const feed = s.feed;
  const attempt = feed.connection === 'reconnecting' ? ` attempt ${feed.attempt}` : '';
  const source = feed.source === 'fallback' ? ' (on the fallback)' : '';
  const memory = s.memory ? `rss ${mb(s.memory.rss)} heap ${mb(s.memory.heap_used)}` : '';
  const lines = [
    `${c.bold('trader run')} ${s.phase === 'running' ? '' : `${c.yellow(s.phase)} `}${timeLine(s, c, false)}`,
    `trading ${trading}${why}   kill switch ${stateColor(ks.state, c)(ks.state)} ${ks.file ?? ''}`,
    `feed ${feed.venue ?? '?'}${source} ${stateColor(feed.connection, c)(feed.connection)}${attempt} disconnects=${feed.disconnects} reconnects=${feed.reconnects}   ${memory}`,
    `decisions ${s.decisions}   orders submitted=${s.orders.submitted} filled=${s.orders.filled} rejected=${s.orders.rejected}`,
    c.dim(row([...COLUMNS])),
  ];
  for (const sym of s.symbols) {
    lines.push(
      row(
        [sym.symbol, sym.state, dataText(sym), `${lagText(sym.lag_p50_ms)}/${lagText(sym.lag_p99_ms)}ms`, String(sym.decisions), lastText(sym), String(sym.position)],
        [c.bold, stateColor(sym.state, c), stateColor(sym.data, c)],
      ),
    );
  }
  return lines;
}

/** One compact line for a pipe: no colour, no escape code, the same figures. */
export function plainStatusLine(s: StatusSnapshot): string {
  const c = colorsFor(false);
  const symbols = s.symbols.map((sym) => `${sym.symbol}=${sym.state} age=${sym.age_ms === null ? (sym.data === 'unknown' ? 'unknown' : 'none') : span(sym.age_ms)} lag_p50/p99=${lagText(sym.lag_p50_ms)}/${lagText(sym.lag_p99_ms)}ms decisions=${sym.decisions} last=${sym.last_action ?? '-'} pos=${sym.position}`);
  const feed = `${s.feed.venue ?? '?'}:${s.feed.connection}`;
  return `trader run: status ${timeLine(s, c, true)}; trading=${s.trading.state} kill_switch=${s.kill_switch.state} feed=${feed}${s.memory ? ` rss=${mb(s.memory.rss)} heap=${mb(s.memory.heap_used)}` : ''}; ${symbols.join('; ')}`;
}

// SGR sequences only: the frame contains no other escape.
const SGR = /\x1b\[[0-9;]*m/y;

/** `line` cut to `width` visible characters, its colour codes kept and reset at the cut. */
export function clip(line: string, width: number): string {
  let visible = 0;
  let out = '';
  let i = 0;
  while (i < line.length) {
    SGR.lastIndex = i;
    const m = SGR.exec(line);
    if (m) {
      out += m[0];
      i += m[0].length;
      continue;
    }
    const ch = String.fromCodePoint(line.codePointAt(i) ?? 32);
    // A reset only where colour was used: NO_COLOR output stays free of escape codes.
    if (visible >= width) return out.includes('\x1b[') ? `${out}\x1b[0m` : out;
    out += ch;
    visible += 1;
    i += ch.length;
  }
  return out;
}
