/**
 * The kill switch on a real filesystem: anything at the path halts, nothing there can jam the
 * check (a FIFO or a /dev/zero symlink would block or eat memory if opened), and the directory
 * watch catches a file that came and went between two polls.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KillSwitchPoller, type KillSwitchChange } from '../../../src/safety/kill-switch.js';
import { waitFor } from '../../helpers/wait.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'trader-ks-'));
type Appeared = Extract<KillSwitchChange, { kind: 'appeared' }>;

function poller(path: string): { p: KillSwitchPoller; changes: KillSwitchChange[] } {
  const changes: KillSwitchChange[] = [];
  return { p: new KillSwitchPoller(path, (c) => changes.push(c)), changes };
}

describe('what is at the path', () => {
  it.each([
    ['a FIFO', (path: string) => execFileSync('mkfifo', [path]), /FIFO; not read/],
    ['a symlink to /dev/zero', (path: string) => symlinkSync('/dev/zero', path), /character device behind a symlink; not read/],
    ['a directory', (path: string) => mkdirSync(path), /directory; not read/],
    ['a dangling symlink', (path: string) => symlinkSync(join(tmpdir(), 'no-such-file-here'), path), /resolves to nothing \(ENOENT\)/],
    ['a looping symlink', (path: string) => symlinkSync(path, path), /resolves to nothing \(ELOOP\)/],
  ])('%s is present (halted) and never opened', (_name, make, note) => {
    const path = join(tmp(), 'FLAG_TRADING_HALTED');
    const { p, changes } = poller(path);
    p.check();
    make(path);
    // Opening a FIFO would block this very test; reading /dev/zero would never end.
    p.check();
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ kind: 'appeared', presentAtStart: false });
    expect((changes[0] as Appeared).content).toMatch(note);
    expect(p.isPresent).toBe(true);
  });

  it('reads at most a few hundred bytes of a large regular file', () => {
    const path = join(tmp(), 'HALT');
    writeFileSync(path, `halted_by=ops ${'x'.repeat(1 << 20)}`);
    const { p, changes } = poller(path);
    p.check();
    const content = (changes[0] as Appeared).content;
    expect(content.startsWith('halted_by=ops x')).toBe(true);
    expect(content.length).toBeLessThanOrEqual(512);
  });

  it('a file there at the very first check is present from the start, with no detection delay', () => {
    const path = join(tmp(), 'HALT');
    writeFileSync(path, 'left from yesterday');
    const changes: KillSwitchChange[] = [];
    const p = new KillSwitchPoller(path, (c) => changes.push(c), () => Date.now() + 3_600_000);
    p.check();
    expect(changes[0]).toMatchObject({ kind: 'appeared', presentAtStart: true, delayMs: 0, content: 'left from yesterday' });
  });

  it('refuses a relative path (the runner and `trader halt` must agree on the file)', () => {
    expect(() => new KillSwitchPoller('FLAG_TRADING_HALTED', () => undefined)).toThrow(/absolute/);
  });
});

describe('the directory watch', () => {
  it('catches a file that exists for 50 ms with no poll at all', async () => {
    const path = join(tmp(), 'HALT');
    const { p, changes } = poller(path);
    p.check();
    p.watch(() => p.check());
    writeFileSync(path, 'flicker');
    await new Promise((r) => setTimeout(r, 50));
    rmSync(path);
    await waitFor(() => changes.length > 0, 5000);
    p.close();
    expect(changes[0]).toMatchObject({ kind: 'appeared' });
  });

  it('halts on a file created and removed before the check could see it', async () => {
    const path = join(tmp(), 'HALT');
    const { p, changes } = poller(path);
    p.check();
    p.watch(() => p.check());
    writeFileSync(path, '');
    rmSync(path); // both events are delivered after this: the check finds nothing there
    await waitFor(() => changes.length > 0, 5000);
    p.close();
    expect(changes[0]).toMatchObject({ kind: 'appeared', content: '[removed before it could be read]' });
  });

  it('does not take the late event of a removal it already saw for a new file', async () => {
    const path = join(tmp(), 'HALT');
    writeFileSync(path, '');
    const { p, changes } = poller(path);
    let events = 0;
    p.check();
    p.watch(() => {
      events += 1;
      p.check();
    });
    rmSync(path);
    p.check(); // the poll sees the removal before the watch event is delivered
    await waitFor(() => events > 0, 5000);
    p.close();
    expect(changes.map((c) => c.kind)).toEqual(['appeared', 'removed']);
  });

  it('keeps checking by poll when the directory does not exist yet, and watches it once it does', async () => {
    const dir = join(tmp(), 'later');
    const path = join(dir, 'HALT');
    const { p, changes } = poller(path);
    p.watch(() => p.check());
    p.check();
    mkdirSync(dir);
    p.check(); // re-arms the watch on the new directory
    writeFileSync(path, '');
    rmSync(path);
    await waitFor(() => changes.length > 0, 5000);
    p.close();
    expect(changes[0]).toMatchObject({ kind: 'appeared' });
  });
});
