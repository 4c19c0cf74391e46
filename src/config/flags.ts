/**
 * Feature flags from the environment; unset means the permissive default except where noted.
 * Each flag takes the usual spellings of a switch, in any case; anything else (including an
 * empty value) is refused, because a rollback flag that is silently ignored rolls nothing back.
 */
import { TraderError } from '../errors.js';

export interface Flags {
  FLAG_MULTI_SYMBOL: boolean;
  FLAG_REALTIME: boolean;
  STAGING_MODE: boolean;
}

const ON = new Set(['1', 'true', 'on', 'yes']);
const OFF = new Set(['0', 'false', 'off', 'no']);
const FLAG_SPELLINGS = '0/1, false/true, off/on or no/yes (any case)';

export function readFlags(env: NodeJS.ProcessEnv): Flags {
  return {
    FLAG_MULTI_SYMBOL: flag(env, 'FLAG_MULTI_SYMBOL', true),
    FLAG_REALTIME: flag(env, 'FLAG_REALTIME', true),
    // Paper trading is the only broker this harness has; staging is therefore on unless said otherwise.
    STAGING_MODE: flag(env, 'STAGING_MODE', true),
  };
}

function flag(env: NodeJS.ProcessEnv, name: keyof Flags, unset: boolean): boolean {
  const raw = env[name];
  if (raw === undefined) return unset;
  const value = raw.trim().toLowerCase();
  if (ON.has(value)) return true;
  if (OFF.has(value)) return false;
  throw new TraderError('E_FLAG_REFUSED', `${name}=${JSON.stringify(raw)}: expected ${FLAG_SPELLINGS}`);
}
