/**
 * Reads the Prometheus text exposition format (what /metrics serves) back into samples, for
 * `trader status` and the tests that compare what the runner exports with what the alert rules and
 * the dashboard reference. Comments (# HELP, # TYPE) are skipped; label values are unescaped.
 */
/** trader_trading_state's values, for the exporter and its readers: the order of restriction, as the safety monitor ranks it. */
export const TRADING_STATE_VALUE: Readonly<Record<string, number>> = { ACTIVE: 0, REDUCING: 1, HALTED: 2 };

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const name = NAME.exec(line)?.[0];
    if (name === undefined) continue;
    let rest = line.slice(name.length);
    const labels: Record<string, string> = {};
    if (rest.startsWith('{')) {
      const end = readLabels(rest, labels);
      if (end < 0) continue;
      rest = rest.slice(end);
    }
    const value = parseValue(rest.trim().split(/\s+/)[0] ?? '');
    if (value !== undefined) samples.push({ name, labels, value });
  }
  return samples;
}

/** Fills `labels` from `{a="x",b="y"}` at the start of `text`; returns the index after `}`, or -1. */
function readLabels(text: string, labels: Record<string, string>): number {
  let i = 1;
  for (;;) {
    while (text[i] === ' ' || text[i] === ',') i += 1;
    if (text[i] === '}') return i + 1;
    const key = NAME.exec(text.slice(i))?.[0];
    if (key === undefined || text[i + key.length] !== '=' || text[i + key.length + 1] !== '"') return -1;
    i += key.length + 2;
    let value = '';
    for (;;) {
      const c = text[i];
      if (c === undefined) return -1;
      if (c === '"') break;
      if (c === '\\') {
        const n = text[i + 1];
        value += n === 'n' ? '\n' : (n ?? '');
        i += 2;
        continue;
      }
      value += c;
      i += 1;
    }
    labels[key] = value;
    i += 1;
  }
}

function parseValue(text: string): number | undefined {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  const n = Number(text);
  return text !== '' && Number.isFinite(n) ? n : undefined;
}
