/**
 * Worker entry of the offline pool: loads the run's strategy on this thread (a sandbox or a
 * process of its own: neither can cross threads), then scans the chunks it is sent, in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { scanChunk, transferables, type ChunkTask } from './chunk.js';
import { loadRecordedStrategy } from './recorded-strategy.js';

const task = workerData as ChunkTask;
// The main thread loaded and checked the same strategy before starting the pool.
const strategy = loadRecordedStrategy(task.run.strategy, task.run.config.path);
parentPort?.on('message', (message: Uint8Array | 'close') => {
  // Reactions to one promise run in the order they were registered: chunks stay in order.
  void strategy.then((s) => {
    if (message === 'close') {
      s.close();
      parentPort?.close();
      return;
    }
    const result = scanChunk(task, s, message);
    parentPort?.postMessage(result, transferables(result));
  });
});
