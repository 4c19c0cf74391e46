/**
 * `trader <command> --help` as an operator types it: exit 0 and an `Examples:` section, for the
 * program and for every command it lists (a command added without examples fails here). Each
 * example is then checked for real: every `--flag` it uses is one the command's own help lists,
 * and the example itself, run with --help, exits 0 — commander parses every value (durations,
 * choices, pids, rates) before it prints help, so a bad value is exit 2 here. The trader commands
 * docs/runbook.md and docs/operator-guide.md give are checked the same way.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO, runCli, tempDir, type CliResult } from '../helpers/cli.js';

/** The words of a shell line, quotes honoured; stops at a pipe or a list operator. */
function words(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) {
    const bare = m[3];
    if (bare !== undefined && /^(\||\|\||&&|;|>.*|2>.*)$/.test(bare)) break;
    out.push(m[1] ?? m[2] ?? bare ?? '');
  }
  return out;
}

/** `$ …` lines of the Examples section: the trader invocations, env assignments dropped. */
function exampleInvocations(help: string): string[][] {
  const section = help.split(/^Examples:$/m)[1] ?? '';
  return section
    .split('\n')
    .filter((l) => /^\s+\$ /.test(l))
    .map((l) => traderArgs(words(l.replace(/^\s+\$ /, ''))))
    .filter((argv): argv is string[] => argv !== undefined);
}

/** Drops leading `NAME=value` environment assignments; keeps what follows `trader`, or nothing. */
function traderArgs(w: string[]): string[] | undefined {
  const rest = w.slice(w.findIndex((x) => !/^[A-Z_][A-Z0-9_]*=/.test(x)));
  return rest[0] === 'trader' ? rest.slice(1) : undefined;
}

/**
 * The trader command lines the operator docs give: each line of a bash block (continuations
 * joined, comments dropped) and each code span that is a whole command (not a synopsis with
 * `[…]` or `<…>`).
 */
function docCommands(doc: string): string[][] {
  const text = readFileSync(join(REPO, doc), 'utf8');
  const lines = [...text.matchAll(/^```bash\n([\s\S]*?)^```/gm)].flatMap((b) => (b[1] as string).replace(/\\\n\s*/g, ' ').split('\n')).map((l) => l.replace(/\s#\s.*$/, ''));
  const spans = [...text.matchAll(/`(trader [^`]+)`/g)].map((m) => m[1] as string).filter((c) => !/[[<]/.test(c));
  return [...lines, ...spans].map((l) => traderArgs(words(l))).filter((argv): argv is string[] => argv !== undefined && argv.length > 0);
}

/** The long flags a help page lists under Options (`--no-loop` as written). */
const flagsOf = (help: string): Set<string> => new Set([...(help.split(/^Options:$/m)[1] ?? '').matchAll(/^\s+(?:-\w, )?(--[a-z][\w-]*)/gm)].map((m) => m[1] as string));

/** Commands as `trader --help` lists them: name and aliases (`validate|validate-determinism`). */
const commandsOf = (help: string): string[][] =>
  [...(help.split(/^Commands:$/m)[1] ?? '').matchAll(/^ {2}([a-z][\w|-]*)/gm)].map((m) => (m[1] as string).split('|')).filter((names) => names[0] !== 'help');

/** Runs at most `limit` CLIs at once: the suite shares two cores with other test files. */
async function pooled<T, R>(items: T[], limit: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await f(items[i] as T);
      }
    }),
  );
  return out;
}

/** What is wrong with the flags of `trader <argv>`: an unknown command, a flag its help does not list. */
function unknownFlags(argv: string[]): string[] {
  const [name = '', ...rest] = argv;
  const target = name === 'help' ? helpOf.get(rest[0] ?? '') : helpOf.get(name);
  if (!target) return [`trader ${argv.join(' ')}: no command ${name}`];
  const known = flagsOf(target.stdout);
  return rest.filter((w) => w.startsWith('--') && !known.has(w.split('=')[0] as string)).map((w) => `trader ${argv.join(' ')}: ${w} is not a flag of ${name}`);
}

/**
 * The command lines (deduplicated) that, with --help, do not exit 0 with a usage. --help goes
 * right after the command name: appended, a flag left without its value (`--record`) would take
 * it as the value and the command would really run. In a scratch directory, should one run anyway.
 */
async function refused(argvs: string[][]): Promise<string[]> {
  const all = [...new Map(argvs.map((argv) => [argv.join('\u0000'), argv])).values()];
  const cwd = tempDir('trader-help-');
  const results = await pooled(all, 3, ([name = '', ...rest]) => runCli([name, '--help', ...rest], { cwd }));
  return all.flatMap((argv, i) => (results[i]?.code === 0 && /^Usage: trader /m.test(results[i]?.stdout ?? '') ? [] : [`trader ${argv.join(' ')}: exit ${results[i]?.code} ${results[i]?.stderr.trim()}`]));
}

let top: CliResult;
let commands: string[][];
const helpOf = new Map<string, CliResult>();

beforeAll(async () => {
  top = await runCli(['--help']);
  commands = commandsOf(top.stdout);
  const results = await pooled(commands, 3, (names) => runCli([names[0] as string, '--help']));
  commands.forEach((names, i) => names.forEach((n) => helpOf.set(n, results[i] as CliResult)));
}, 120_000);

describe('trader --help', () => {
  it('exits 0, lists the commands and shows examples', () => {
    expect(top.code).toBe(0);
    expect(commands.map((c) => c[0])).toEqual(expect.arrayContaining(['run', 'validate', 'report', 'replay', 'halt', 'resume', 'status', 'feed-server']));
    expect(top.stdout).toMatch(/^Examples:$/m);
    expect(exampleInvocations(top.stdout).length).toBeGreaterThanOrEqual(3);
  });

  it('every command: exit 0 and an Examples section with at least one trader command', () => {
    const missing = commands
      .map((names) => names[0] as string)
      .filter((name) => {
        const r = helpOf.get(name);
        return r?.code !== 0 || !/^Examples:$/m.test(r.stdout) || !exampleInvocations(r.stdout).some((w) => w[0] === name);
      });
    expect(missing, 'commands whose --help fails or shows no example of themselves').toEqual([]);
  });

  it('every example uses flags its command lists', () => {
    expect([top, ...helpOf.values()].flatMap((h) => exampleInvocations(h.stdout)).flatMap(unknownFlags)).toEqual([]);
  });

  it('every example parses: with --help it exits 0 (values are checked before help)', async () => {
    const all = [top, ...helpOf.values()].flatMap((h) => exampleInvocations(h.stdout));
    expect(all.length).toBeGreaterThanOrEqual(25);
    expect(await refused(all)).toEqual([]);
  }, 180_000);

  it.each(['docs/runbook.md', 'docs/operator-guide.md'])('%s: every trader command it gives uses real flags and parses', async (doc) => {
    const commandsInDoc = docCommands(doc);
    expect(commandsInDoc.length).toBeGreaterThan(0);
    expect(commandsInDoc.flatMap(unknownFlags)).toEqual([]);
    expect(await refused(commandsInDoc)).toEqual([]);
  }, 120_000);

  it('the check has teeth: a bad value with --help is refused, an unknown flag is not listed', async () => {
    const bad = await runCli(['run', '--duration', '30', '--help']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--duration/);
    expect(flagsOf(helpOf.get('run')?.stdout ?? '').has('--symbols')).toBe(true);
    expect(flagsOf(helpOf.get('run')?.stdout ?? '').has('--symbol')).toBe(false);
    expect(words(`trader status --json | jq '.runners[].pid'`)).toEqual(['trader', 'status', '--json']);
    expect(words('trader halt --reason "T+15 drill" --all')).toEqual(['trader', 'halt', '--reason', 'T+15 drill', '--all']);
    expect(unknownFlags(['run', '--symbol', 'SPY'])).toEqual(['trader run --symbol SPY: --symbol is not a flag of run']);
    expect(traderArgs(words('TRADER_ALPACA_URL=ws://x trader run --feed alpaca'))).toEqual(['run', '--feed', 'alpaca']);
  });
});
