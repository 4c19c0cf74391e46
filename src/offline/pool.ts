/**
 * A fixed set of worker threads running scanChunk. Each worker answers its chunks in the order it
 * got them, so a FIFO of pending promises per worker is all the bookkeeping there is. The young
 * generation is kept small (chunk garbage dies young, and a large nursery is most of the RSS) but
 * not tiny: at 2 MB, garbage collection was a quarter of a worker's CPU; 6 MB took a chunk's scan
 * ~15 % faster for a few MB.
 */
import { Worker } from 'node:worker_threads';
import type { ChunkResult, ChunkTask } from './chunk.js';

interface Pending {
  resolve: (r: ChunkResult) => void;
  reject: (e: Error) => void;
}

export class ChunkPool {
  private readonly workers: Array<{ worker: Worker; pending: Pending[] }>;
  private next = 0;

  constructor(task: ChunkTask, size: number) {
    this.workers = Array.from({ length: size }, () => {
      const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: task, resourceLimits: { maxYoungGenerationSizeMb: 6 } });
      const slot = { worker, pending: [] as Pending[] };
      worker.on('message', (r: ChunkResult) => slot.pending.shift()?.resolve(r));
      const failAll = (e: Error): void => {
        for (const p of slot.pending.splice(0)) p.reject(e);
      };
      worker.on('error', failAll);
      worker.on('exit', (code) => failAll(new Error(`a trace worker exited (code ${code})`)));
      return slot;
    });
  }

  /** Scans `bytes` on the next worker in turn; the buffer is moved there, not copied. */
  run(bytes: Uint8Array): Promise<ChunkResult> {
    const slot = this.workers[this.next++ % this.workers.length];
    if (!slot) throw new Error('empty pool');
    return new Promise((resolve, reject) => {
      slot.pending.push({ resolve, reject });
      slot.worker.postMessage(bytes, [bytes.buffer as ArrayBuffer]);
    });
  }

  /**
   * Each worker closes its strategy first (a command strategy's process is stopped, not orphaned),
   * then ends; one that does not within a second is terminated.
   */
  async close(): Promise<void> {
    await Promise.all(
      this.workers.map(async ({ worker }) => {
        const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
        worker.postMessage('close');
        const timer = setTimeout(() => void worker.terminate(), 1000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}
