/**
 * `feed: replay` and `feed: synthetic` serve the feed from a child process of the runner
 * (feed-child.ts) on an ephemeral loopback port; the runner still connects to it through the same
 * WebSocket client a live venue uses, so the embedded path exercises everything but the network,
 * and the runner's memory figures are the runner's own (the replayed fixtures live in the child).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/schema.js';
import { TraderError } from '../errors.js';

export type EmbeddedFeedSpec =
  | { venue: 'replay'; fixtures: string; speed: number; loop: boolean }
  | { venue: 'synthetic'; rate: number; seed: number };

/** What the child says over IPC: its URL once it listens, or why it could not start. */
export type ChildMessage = { type: 'ready'; url: string; pid: number } | { type: 'error'; message: string };

export interface EmbeddedFeed {
  url: string;
  pid: number;
  /** Stops the child and waits for it to exit. Idempotent. */
  close(): Promise<void>;
  /** Called once if the child exits before close() (a crash, an OOM kill): the feed is gone for good. */
  onUnexpectedExit(listener: (why: string) => void): void;
}

/** A child that neither listens nor fails within this long is treated as failed. */
const START_TIMEOUT_MS = 30_000;
/** After `stop`, how long the child has to close its sockets before it is killed. */
const STOP_TIMEOUT_MS = 5_000;

const ENTRY = fileURLToPath(new URL('./feed-child.js', import.meta.url));

function embeddedFeedSpec(venue: 'replay' | 'synthetic', config: Config): EmbeddedFeedSpec {
  if (venue === 'synthetic') return { venue, rate: config.feeds.synthetic.rate, seed: config.feeds.synthetic.seed };
  const { fixtures, speed, loop } = config.feeds.replay;
  return { venue, fixtures, speed, loop };
}

export function startEmbeddedFeed(venue: 'replay' | 'synthetic', config: Config): Promise<EmbeddedFeed> {
  const spec = embeddedFeedSpec(venue, config);
  // stdout is not the child's to write to (the runner's terminal); stderr is kept for a crash's cause.
  const child = fork(ENTRY, [JSON.stringify(spec)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: [] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const failed = (why: string): TraderError => new TraderError('E_INPUT', `the embedded ${venue} feed did not start: ${why}`);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      done();
      child.kill('SIGKILL');
      reject(failed(`no answer within ${START_TIMEOUT_MS / 1000} s`));
    }, START_TIMEOUT_MS);
    const onMessage = (m: ChildMessage): void => {
      done();
      if (m.type === 'ready') {
        resolve(handle(child, m.url, m.pid));
        return;
      }
      child.kill('SIGKILL');
      reject(failed(m.message));
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      done();
      const last = stderr.trim().split('\n').filter((l) => l.trim() && !/^\s+at /.test(l)).pop();
      reject(failed(last ?? `the feed process exited (${signal ?? `code ${code}`})`));
    };
    const onError = (err: Error): void => {
      done();
      reject(failed(err.message));
    };
    function done(): void {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      child.off('error', onError);
    }
    child.on('message', onMessage);
    child.on('exit', onExit);
    child.on('error', onError);
  });
}

function handle(child: ChildProcess, url: string, pid: number): EmbeddedFeed {
  let closing: Promise<void> | undefined;
  let unexpected: ((why: string) => void) | undefined;
  // A `stop` sent as the child dies fails with EPIPE/ERR_IPC_CHANNEL_CLOSED; its exit is what counts.
  child.on('error', () => undefined);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else
      child.once('exit', (code, signal) => {
        if (!closing) unexpected?.(signal ? `killed by ${signal}` : `exited with code ${code}`);
        resolve();
      });
  });
  return {
    url,
    pid,
    close: () => {
      closing ??= (async () => {
        if (child.connected) child.send({ type: 'stop' }, () => undefined);
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
        child.stderr?.destroy();
      })();
      return closing;
    },
    onUnexpectedExit: (listener) => {
      unexpected = listener;
    },
  };
}
