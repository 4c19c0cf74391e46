/** Commander option parsers: each turns text into a typed value or names the bad value. */
import { InvalidArgumentError } from 'commander';
import { SYMBOL_PATTERN } from '../feeds/events.js';
import { CRITERIA, type CriterionId } from '../report/schema.js';
import { DURATION_HELP, parseDuration } from '../util/duration.js';

export function durationArg(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new InvalidArgumentError(`expected ${DURATION_HELP}, got "${text}".`);
  return ms;
}

export function symbolsArg(text: string): string[] {
  const symbols = text.split(',').map((s) => s.trim());
  if (symbols.length === 0 || symbols.some((s) => s === '')) {
    throw new InvalidArgumentError(`expected a comma-separated list of tickers such as SPY,QQQ, got "${text}".`);
  }
  const bad = symbols.find((s) => !SYMBOL_PATTERN.test(s));
  if (bad !== undefined) throw new InvalidArgumentError(`expected upper-case tickers such as SPY or BTC-USD, got "${bad}".`);
  const dup = symbols.find((s, i) => symbols.indexOf(s) !== i);
  if (dup !== undefined) throw new InvalidArgumentError(`"${dup}" is listed twice.`);
  return symbols;
}

export function portArg(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new InvalidArgumentError(`expected a port number 0-65535, got "${text}".`);
  return port;
}

export function pidArg(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new InvalidArgumentError(`expected a process id (a positive integer), got "${text}".`);
  return Number(text);
}

export function positiveNumberArg(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number, got "${text}".`);
  return n;
}

export function integerArg(text: string): number {
  if (!/^-?\d+$/.test(text)) throw new InvalidArgumentError(`expected an integer, got "${text}".`);
  return Number(text);
}

export function rateArg(text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`expected a probability from 0 to 1, got "${text}".`);
  return n;
}

export function criteriaArg(text: string): CriterionId[] {
  const ids = text.split(',').map((s) => s.trim());
  const bad = ids.find((id) => !(CRITERIA as readonly string[]).includes(id));
  if (bad !== undefined) throw new InvalidArgumentError(`expected criteria from ${CRITERIA.join(', ')}, got "${bad}".`);
  return ids as CriterionId[];
}
