/**
 * Watches the kill-switch file by polling `stat` (fs.watch misses events on some filesystems and
 * cannot be trusted for safety). The file's mtime gives the detection delay recorded in the trace.
 * A failing check reports an error instead of silently assuming "no file".
 */
import { statSync } from 'node:fs';

export type KillSwitchChange =
  | { kind: 'appeared'; detectedMs: number; fileMtimeMs: number; delayMs: number; content: string }
  | { kind: 'removed'; detectedMs: number }
  | { kind: 'check_failed'; detectedMs: number; error: string };

export class KillSwitchPoller {
  private present = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly path: string,
    private readonly onChange: (change: KillSwitchChange) => void,
    private readonly readContent: (path: string) => string,
    private readonly now: () => number = Date.now,
  ) {}

  get isPresent(): boolean {
    return this.present;
  }

  start(intervalMs: number): void {
    this.check();
    this.timer = setInterval(() => this.check(), intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  check(): void {
    const detectedMs = this.now();
    let mtimeMs: number | undefined;
    try {
      mtimeMs = statSync(this.path, { throwIfNoEntry: false })?.mtimeMs;
    } catch (err) {
      this.onChange({ kind: 'check_failed', detectedMs, error: (err as Error).message });
      return;
    }
    if (mtimeMs !== undefined && !this.present) {
      this.present = true;
      let content = '';
      try {
        content = this.readContent(this.path);
      } catch {
        // The file's existence is the signal; an unreadable body must not delay the halt.
      }
      this.onChange({ kind: 'appeared', detectedMs, fileMtimeMs: mtimeMs, delayMs: Math.max(0, detectedMs - mtimeMs), content });
    } else if (mtimeMs === undefined && this.present) {
      this.present = false;
      this.onChange({ kind: 'removed', detectedMs });
    }
  }
}
