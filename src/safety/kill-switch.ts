/**
 * Watches the kill-switch file by polling `stat` (fs.watch misses events on some filesystems and
 * cannot be trusted for safety). The file's mtime gives the detection delay recorded in the trace.
 * A check that cannot stat the file throws rather than assume "no file".
 */
import { statSync } from 'node:fs';

export type KillSwitchChange =
  | { kind: 'appeared'; detectedMs: number; fileMtimeMs: number; delayMs: number; content: string; presentAtStart: boolean }
  | { kind: 'removed'; detectedMs: number };

export class KillSwitchPoller {
  private present = false;
  /** No check has run yet: a file found by the first one was there before the runner started. */
  private first = true;

  constructor(
    private readonly path: string,
    private readonly onChange: (change: KillSwitchChange) => void,
    private readonly readContent: (path: string) => string,
    private readonly now: () => number = Date.now,
  ) {}

  get isPresent(): boolean {
    return this.present;
  }

  /** One poll; throws when the file cannot be checked (the caller fails closed). */
  check(): void {
    const detectedMs = this.now();
    const presentAtStart = this.first;
    this.first = false;
    const mtimeMs = statSync(this.path, { throwIfNoEntry: false })?.mtimeMs;
    if (mtimeMs !== undefined && !this.present) {
      this.present = true;
      let content = '';
      try {
        content = this.readContent(this.path);
      } catch {
        // The file's existence is the signal; an unreadable body must not delay the halt.
      }
      this.onChange({ kind: 'appeared', detectedMs, fileMtimeMs: mtimeMs, delayMs: Math.max(0, detectedMs - mtimeMs), content, presentAtStart });
    } else if (mtimeMs === undefined && this.present) {
      this.present = false;
      this.onChange({ kind: 'removed', detectedMs });
    }
  }
}
