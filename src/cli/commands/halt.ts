/**
 * `trader halt [--reason]` and `trader resume`: create or remove the kill-switch file with who
 * and why inside, so the halt in the runner's log names its author. A plain `touch` works too.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { loadConfig } from '../../config/load.js';

export interface HaltOptions {
  config: string;
  killSwitchFile?: string;
  reason?: string;
}

function killSwitchPath(opts: HaltOptions): string {
  return opts.killSwitchFile ?? loadConfig(opts.config).config.kill_switch.file;
}

export function halt(opts: HaltOptions): number {
  const file = killSwitchPath(opts);
  if (existsSync(file)) {
    process.stdout.write(`already halted: ${file} exists (${readFileSync(file, 'utf8').trim() || 'no note'})\n`);
    return 0;
  }
  const who = `${safeUser()}@${hostname()}`;
  const note = `halted_by=${who} at=${new Date().toISOString()} reason=${JSON.stringify(opts.reason ?? 'operator halt')}\n`;
  writeFileSync(file, note, { flag: 'wx' });
  process.stdout.write(`halted: wrote ${file} (${note.trim()}); the runner stops accepting orders within a second\n`);
  return 0;
}

export function resume(opts: HaltOptions): number {
  const file = killSwitchPath(opts);
  if (!existsSync(file)) {
    process.stdout.write(`not halted: ${file} does not exist\n`);
    return 0;
  }
  rmSync(file);
  const allow = opts.killSwitchFile === undefined ? loadConfig(opts.config).config.kill_switch.allow_resume : undefined;
  const effect = allow === false ? 'the runner logs KILL_SWITCH_CLEARED but stays halted (kill_switch.allow_resume: false); restart it to trade' : 'the runner resumes trading if its kill_switch.allow_resume is true';
  process.stdout.write(`removed ${file}: ${effect}\n`);
  return 0;
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}
