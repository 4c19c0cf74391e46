/**
 * The docs must work in a clone: every relative link in README.md and docs/*.md names a file that
 * a clone has (inside the repository, not git-ignored) and, for a link into a Markdown file with
 * a #fragment, a heading that exists there. README once linked to ../shared/SPEC.md, which exists
 * beside the lead's checkout and nowhere else — so "exists on this disk" is not the check.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '../../..');

const DOCS = ['README.md', ...readdirSync(join(REPO, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** The text a reader sees as Markdown: code fences and code spans hold examples, not links. */
function withoutCode(text: string): string {
  return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/(`+)[^`\n]*?\1/g, '');
}

/** Inline links `[text](target "title")`, images included, and reference definitions `[id]: target`. */
function links(text: string): string[] {
  const body = withoutCode(text);
  const inline = [...body.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1] as string);
  const defined = [...body.matchAll(/^\s{0,3}\[[^\]]+\]:\s+<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1] as string);
  return [...inline, ...defined];
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of withoutFences(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const text = (m[1] as string).replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[`*_]/g, (c) => (c === '_' ? '_' : ''));
    const slug = text.toLowerCase().replace(/[^\p{L}\p{N}\- _]/gu, '').replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

const withoutFences = (text: string): string => text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');

/** Paths git ignores (logs/*, dist/, fixtures/data/ …) are not in a clone, whatever this disk holds. */
function ignoredByGit(path: string): boolean {
  try {
    execFileSync('git', ['check-ignore', '-q', path], { cwd: REPO, stdio: 'ignore' });
    return true;
  } catch (err) {
    // check-ignore exits 1 for "not ignored"; anything else (no git, not a repository) must not pass silently.
    if ((err as { status?: number }).status === 1) return false;
    throw err;
  }
}

/** What is wrong with the links of `text`, read as the file `doc` of the repository. */
function problems(doc: string, text = readFileSync(join(REPO, doc), 'utf8')): string[] {
  const from = join(REPO, doc);
  const found: string[] = [];
  for (const link of links(text)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // https:, mailto: … are not files of the repository
    const [pathPart = '', fragment] = link.split('#', 2);
    const path = decodeURIComponent(pathPart);
    const target = path === '' ? from : resolve(dirname(from), path);
    const rel = relative(REPO, target);
    if (rel.startsWith('..') || rel.split(sep)[0] === '..') {
      found.push(`${doc}: ${link} points outside the repository`);
      continue;
    }
    if (!existsSync(target)) {
      found.push(`${doc}: ${link} does not exist`);
      continue;
    }
    if (rel !== '' && ignoredByGit(rel)) {
      found.push(`${doc}: ${link} is ignored by git (not in a clone)`);
      continue;
    }
    if (fragment !== undefined && target.endsWith('.md') && !anchors(readFileSync(target, 'utf8')).has(fragment)) {
      found.push(`${doc}: ${link} has no heading #${fragment}`);
    }
  }
  return found;
}

describe('links in README.md and docs/*.md', () => {
  it('covers the docs directory', () => {
    expect(DOCS).toEqual(expect.arrayContaining(['README.md', 'docs/runbook.md', 'docs/operator-guide.md', 'docs/SPEC.md', 'docs/market_open_validation_runbook.md']));
  });

  it.each(DOCS)('%s: every relative link resolves to a file of the repository', (doc) => {
    expect(problems(doc)).toEqual([]);
  });

  it('catches what a clone would break', () => {
    // The links README had before, an ignored file, headings that are not there: a checker that
    // passes these is no checker. (logs/ holds a .gitkeep only: a log there is missing or ignored.)
    const text = [
      'the [contract](../shared/SPEC.md)',
      'the [log](logs/market_open_validation.log)',
      'the [chain](#no-such-heading) and [fixtures](#fixtures)',
      '[strategies](strategies/README.md#no-such-heading) and [guide](strategies/README.md)',
      '`[not a link](../in/code)`',
      '[ref]: ../../elsewhere.md',
    ].join('\n');
    expect(problems('README.md', text)).toEqual([
      'README.md: ../shared/SPEC.md points outside the repository',
      expect.stringMatching(/^README\.md: logs\/market_open_validation\.log (does not exist|is ignored by git)/),
      'README.md: #no-such-heading has no heading #no-such-heading',
      'README.md: strategies/README.md#no-such-heading has no heading #no-such-heading',
      'README.md: ../../elsewhere.md points outside the repository',
    ]);
  });
});
