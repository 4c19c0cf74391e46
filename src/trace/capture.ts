/**
 * `--record` captures: every raw feed frame with its local receipt time and connection, plus the
 * symbol-set changes, after a header holding the effective config. `trader replay` needs nothing
 * else to drive the same decision path again.
 *
 *   {"type":"capture","version":1,"venue":"replay","url":"ws://…","symbols":["SPY"],"config":{…},"started_at":"…"}
 *   {"t":1756128600123.4,"c":1,"f":"{\"type\":\"trade\",…}"}
 *   {"t":1756128660000.1,"symbols":["SPY","TSLA"]}
 *   {"t":1756128661000.0,"mark":"data_gap"}          a disconnect: bars around it may miss data
 *   {"t":1756128662000.0,"mark":"source_switch"}     failover/failback: sequences start afresh
 *
 * Frames are buffered and flushed every 200 ms or 64 KiB: a capture is a debugging aid, and the
 * per-frame cost of a synchronous write would land on the hot path.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { z } from 'zod';
import { runRecordSchema } from './schema.js';

export const CAPTURE_VERSION = 1;

export const captureHeaderSchema = z.object({
  type: z.literal('capture'),
  version: z.number().int(),
  venue: z.string(),
  url: z.string(),
  symbols: z.array(z.string()),
  config: z.record(z.string(), z.unknown()),
  started_at: z.string(),
  /** The strategy that ran, as the run record holds it; absent in captures from before plug-ins (the built-in). */
  strategy: runRecordSchema.shape.strategy.optional(),
});
export type CaptureHeader = z.infer<typeof captureHeaderSchema>;

export type CaptureMark = 'data_gap' | 'source_switch';

const FLUSH_BYTES = 64 * 1024;
const FLUSH_MS = 200;

export class CaptureWriter {
  private readonly fd: number;
  private chunks: string[] = [];
  private bytes = 0;
  private readonly timer: NodeJS.Timeout;
  private failed = false;

  /** `onError`: a flush failed (a full disk); the capture stops there and the caller decides. */
  constructor(path: string, header: CaptureHeader, private readonly onError: (err: NodeJS.ErrnoException) => void = (err) => {
    throw err;
  }) {
    this.fd = openSync(path, 'w');
    writeSync(this.fd, `${JSON.stringify(header)}\n`);
    this.timer = setInterval(() => this.flush(), FLUSH_MS);
    this.timer.unref();
  }

  frame(recvMs: number, connection: number, frame: string): void {
    this.push(`{"t":${recvMs},"c":${connection},"f":${JSON.stringify(frame)}}\n`);
  }

  symbols(atMs: number, symbols: string[]): void {
    this.push(`${JSON.stringify({ t: atMs, symbols })}\n`);
  }

  mark(atMs: number, mark: CaptureMark): void {
    this.push(`${JSON.stringify({ t: atMs, mark })}\n`);
  }

  close(): void {
    clearInterval(this.timer);
    this.flush();
    closeSync(this.fd);
  }

  private push(line: string): void {
    if (this.failed) return;
    this.chunks.push(line);
    this.bytes += line.length;
    if (this.bytes >= FLUSH_BYTES) this.flush();
  }

  private flush(): void {
    if (!this.chunks.length || this.failed) return;
    const text = this.chunks.join('');
    this.chunks = [];
    this.bytes = 0;
    try {
      const buf = Buffer.from(text);
      const written = writeSync(this.fd, buf);
      if (written < buf.length) throw Object.assign(new Error(`short write: ${written} of ${buf.length} bytes`), { code: 'SHORT_WRITE' });
    } catch (err) {
      // Flushes run on a timer: a throw here would crash the runner with a stack.
      this.failed = true;
      this.onError(err as NodeJS.ErrnoException);
    }
  }
}
