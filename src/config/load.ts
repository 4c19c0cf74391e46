import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { configError } from '../errors.js';
import { configSchema, type Config } from './schema.js';

export interface LoadedConfig {
  path: string;
  config: Config;
  /** sha256 of the file's bytes, recorded in the trace's run record. */
  digest: string;
}

/** Reads and validates a config file; every problem is one `path: field: message` line. */
export function loadConfig(path: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw configError(`${path}: cannot read config: ${reason}`);
  }
  return { path, config: parseConfig(path, text), digest: createHash('sha256').update(text).digest('hex') };
}

export function parseConfig(path: string, text: string): Config {
  let raw: unknown;
  try {
    raw = parseYaml(text, { uniqueKeys: true });
  } catch (err) {
    const detail = err instanceof YAMLParseError ? err.message.split('\n')[0] : String(err);
    throw configError(`${path}: invalid YAML: ${detail}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw configError(`${path}: expected a YAML mapping of settings at the top level`);
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) throw configError(`${path}: ${formatIssue(result.error.issues[0])}`);
  return result.data;
}

function formatIssue(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return 'invalid config';
  if (issue.code === 'unrecognized_keys') {
    const where = issue.path.length ? `${formatPath(issue.path)}: ` : '';
    return `${where}unknown key ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
  }
  return issue.path.length ? `${formatPath(issue.path)}: ${issue.message}` : issue.message;
}

function formatPath(path: PropertyKey[]): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('');
}
