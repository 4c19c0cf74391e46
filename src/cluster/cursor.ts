/**
 * Where a restarted shard resumes: the last NATS_CURSOR of the trace it wrote before, if that
 * trace is a run of the same stream and shard. Read before `trader run` rotates the file away.
 * Only the head (the run record and NATS_CONSUMER) and the tail (the cursors, written once per
 * symbol per bar) are read, so a long session's trace costs two bounded reads.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { EV } from '../core/events.js';

const HEAD_BYTES = 256 * 1024;
const TAIL_BYTES = 4 * 1024 * 1024;

export interface Cursor {
  trace: string;
  seq: number;
}

export function readCursor(tracePath: string, stream: string, shard: string): Cursor | undefined {
  let fd: number;
  try {
    fd = openSync(tracePath, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    const head = records(read(fd, 0, Math.min(size, HEAD_BYTES)));
    const consumer = head.find((r) => r.event === EV.NATS_CONSUMER);
    if (!consumer || consumer.stream !== stream || consumer.shard !== shard) return undefined;
    const tail = records(read(fd, Math.max(0, size - TAIL_BYTES), Math.min(size, TAIL_BYTES)));
    let seq: number | undefined;
    for (const r of tail) if (r.event === EV.NATS_CURSOR && typeof r.stream_seq === 'number') seq = Math.max(seq ?? 0, r.stream_seq);
    return seq === undefined ? undefined : { trace: tracePath, seq };
  } finally {
    closeSync(fd);
  }
}

function read(fd: number, position: number, length: number): string {
  const buf = Buffer.alloc(length);
  const n = readSync(fd, buf, 0, length, position);
  return buf.subarray(0, n).toString('utf8');
}

/** The whole JSON lines of a chunk; a cut first or last line (a SIGKILL mid-write, the chunk's edge) is skipped. */
function records(text: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a partial line
    }
  }
  return out;
}
