/** Worker entry of the offline pool: scans the chunks it is sent, in order, with the task it was started with. */
import { parentPort, workerData } from 'node:worker_threads';
import { scanChunk, transferables, type ChunkTask } from './chunk.js';

const task = workerData as ChunkTask;
parentPort?.on('message', (bytes: Uint8Array) => {
  const result = scanChunk(task, bytes);
  parentPort?.postMessage(result, transferables(result));
});
