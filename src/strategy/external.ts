/**
 * A strategy in any language: a child process speaking JSON lines over stdin/stdout (the protocol
 * is in strategies/README.md). From the caller's view decide() is synchronous, like every other
 * strategy: a worker thread (bridge-worker.ts) owns the process and its pipes, and the caller
 * blocks with Atomics.wait on a SharedArrayBuffer until the answer or the time budget. That works
 * on the main thread and inside a worker thread (validate's pool) alike.
 *
 * The budget is measured with performance.now(), a monotonic clock: it only decides whether to
 * stop waiting, never what the decision is.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { configError, type TraderError } from '../errors.js';
import { BRIDGE_WORKER_SOURCE } from './bridge-worker.js';
import { StrategyFailure } from './failures.js';
import { checkOutput } from './output.js';
import { parseLookback, parseParamsSchema } from './params.js';
import { STRATEGY_NAME } from './sandbox.js';
import type { LookbackSpec, ParamsSchema, StrategyInputs, StrategyOutput, StrategyParams } from './types.js';

const PROTOCOL = 'trader-strategy/1';
/** Per-call budget, in ms: a process round trip on a loaded machine, not a computation. */
const DEFAULT_COMMAND_BUDGET_MS = 50;
/** How long a process may take to say hello (an interpreter starting on a busy machine). */
const DEFAULT_HELLO_TIMEOUT_MS = 10_000;
/** After stdin closes, how long the process has to exit before it is killed. */
const CLOSE_GRACE_MS = 1000;
const ANSWER_BYTES = 256 * 1024;

/** Int32 slots at the start of the shared buffer; bridge-worker.ts uses the same numbers. */
const SLOT = { SEQ: 0, RESP_ID: 1, KIND: 2, LEN: 3, CURRENT: 4, DEAD: 5 } as const;
const KIND_ERROR = 2;
const HEADER_BYTES = 32;

export interface ExternalOptions {
  /** The working directory of the process; relative script paths are resolved against it. */
  cwd: string;
  budgetMs?: number;
  helloTimeoutMs?: number;
  /** Each line the process writes to stderr (the host rate-limits them into its log). */
  onStderr?: (line: string) => void;
  /** The process ended after its hello (every later decide() fails fast). */
  onExit?: (description: string) => void;
}

export interface ExternalStrategy {
  name: string;
  version: string;
  lookback: LookbackSpec;
  paramsSchema: ParamsSchema;
  /** sha256 of the one script file the command names, or of the `sha256sum`-style list of several. */
  digest: string | null;
  /** The files the digest covers, as named in the command. */
  files: string[];
  decide(inputs: StrategyInputs, params: StrategyParams): StrategyOutput;
  close(): void;
}

type BridgeMessage =
  | { type: 'hello'; line: string }
  | { type: 'spawn-error'; code: string | null; message: string }
  | { type: 'stderr'; line: string }
  | { type: 'exit'; text: string }
  | { type: 'stale'; id: number }
  | { type: 'unsolicited'; line: string };

/** Starts `command`, waits for its hello and checks it. Start-up problems are one E_CONFIG line naming the command. */
export async function startExternalStrategy(command: readonly string[], options: ExternalOptions): Promise<ExternalStrategy> {
  const shown = command.join(' ');
  const fail = (what: string): TraderError => configError(`strategy command ${shown}: ${what}`);
  if (command.length === 0 || command.some((part) => typeof part !== 'string' || part.length === 0)) throw fail('expected a non-empty list of non-empty strings');
  const { files, digest } = scriptDigest(command, options.cwd);
  const budgetMs = options.budgetMs ?? DEFAULT_COMMAND_BUDGET_MS;

  const sab = new SharedArrayBuffer(HEADER_BYTES + ANSWER_BYTES);
  const header = new Int32Array(sab, 0, 8);
  const answer = new Uint8Array(sab, HEADER_BYTES);
  const worker = new Worker(BRIDGE_WORKER_SOURCE, {
    eval: true,
    workerData: { command: [...command], cwd: options.cwd, sab, maxLineBytes: ANSWER_BYTES },
    resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 },
  });
  let started = false;
  // After close() the process ending is expected, not news for the host.
  let closed = false;
  let gone: string | undefined;
  const stopProcess = (graceMs: number): void => worker.postMessage({ type: 'close', graceMs });

  const helloLine = await new Promise<string>((resolveHello, rejectHello) => {
    const timer = setTimeout(() => rejectHello(fail(`no hello within ${options.helloTimeoutMs ?? DEFAULT_HELLO_TIMEOUT_MS} ms`)), options.helloTimeoutMs ?? DEFAULT_HELLO_TIMEOUT_MS);
    const settle = (): void => clearTimeout(timer);
    worker.on('message', (m: BridgeMessage) => {
      if (m.type === 'hello' && !started) {
        settle();
        resolveHello(m.line);
      } else if (m.type === 'spawn-error') {
        settle();
        rejectHello(fail(m.code === 'ENOENT' ? 'not found' : `cannot be started (${m.code ?? m.message})`));
      } else if (m.type === 'exit') {
        gone = m.text;
        if (!started) {
          settle();
          rejectHello(fail(`${m.text} before its hello`));
        } else if (!closed) {
          options.onExit?.(m.text);
        }
      } else if (m.type === 'stderr') {
        options.onStderr?.(m.line);
      }
    });
    worker.on('error', (e) => {
      settle();
      rejectHello(fail(`its bridge thread failed: ${e.message}`));
    });
    // The bridge thread itself ending (it should not while the process lives) must not leave
    // every later call waiting out its budget: the process is as good as gone.
    worker.on('exit', () => {
      if (Atomics.load(header, SLOT.DEAD) === 1) return;
      Atomics.store(header, SLOT.DEAD, 1);
      gone = 'its bridge thread ended';
      if (started && !closed) options.onExit?.(gone);
    });
  }).catch((e: unknown) => {
    stopProcess(0);
    throw e;
  });
  // The runner's lifetime is decided by the runner: a strategy left open must not keep it alive.
  // (After the listeners: adding a 'message' listener refs the worker again.)
  worker.unref();

  const hello = checkHello(helloLine);
  if (!hello.ok) {
    stopProcess(0);
    throw fail(hello.error);
  }
  started = true;

  let nextId = 0;
  return {
    ...hello.hello,
    digest,
    files,
    decide(inputs, params) {
      if (closed) throw new StrategyFailure('gone', `strategy command ${shown} is closed`);
      if (Atomics.load(header, SLOT.DEAD) === 1) throw new StrategyFailure('gone', `strategy command ${shown}: ${gone ?? 'process ended'}`);
      nextId += 1;
      const id = nextId;
      Atomics.store(header, SLOT.CURRENT, id);
      let seen = Atomics.load(header, SLOT.SEQ);
      worker.postMessage({ type: 'request', line: JSON.stringify({ id, inputs, params }) });
      const deadline = performance.now() + budgetMs;
      for (;;) {
        const now = Atomics.load(header, SLOT.SEQ);
        if (now === seen) {
          const remaining = deadline - performance.now();
          if (remaining <= 0) {
            // The process may have ended just as the request went out, too late to fail it.
            if (Atomics.load(header, SLOT.DEAD) === 1) throw new StrategyFailure('gone', `strategy command ${shown}: ${gone ?? 'process ended'}`);
            throw new StrategyFailure('timeout', `strategy command ${shown}: no answer to request ${id} within its time budget of ${budgetMs} ms`);
          }
          Atomics.wait(header, SLOT.SEQ, seen, remaining);
          continue;
        }
        seen = now;
        if (Atomics.load(header, SLOT.RESP_ID) !== id) {
          if (Atomics.load(header, SLOT.DEAD) === 1) throw new StrategyFailure('gone', `strategy command ${shown}: process ended`);
          continue;
        }
        // slice() copies out of the shared memory before the bytes are decoded.
        const text = Buffer.from(answer.slice(0, Atomics.load(header, SLOT.LEN))).toString('utf8');
        if (Atomics.load(header, SLOT.KIND) === KIND_ERROR) {
          throw new StrategyFailure(Atomics.load(header, SLOT.DEAD) === 1 ? 'gone' : 'protocol', `strategy command ${shown}: ${text}`);
        }
        return checkOutput(JSON.parse(text), ['id']);
      }
    },
    close() {
      if (closed) return;
      closed = true;
      stopProcess(CLOSE_GRACE_MS);
    },
  };
}

type Hello = Pick<ExternalStrategy, 'name' | 'version' | 'lookback' | 'paramsSchema'>;

/** The process's first line, checked: `{ protocol, name, version, lookback, params }`. */
function checkHello(line: string): { ok: true; hello: Hello } | { ok: false; error: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, error: `its first line is not a JSON hello: ${JSON.stringify(line.slice(0, 80))}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, error: 'its hello is not a JSON object' };
  const h = value as Record<string, unknown>;
  if (h.protocol !== PROTOCOL) return { ok: false, error: `speaks protocol ${JSON.stringify(h.protocol) ?? 'none'}, expected "${PROTOCOL}"` };
  if (typeof h.name !== 'string' || !STRATEGY_NAME.test(h.name)) return { ok: false, error: `its hello has no usable name, got ${JSON.stringify(h.name) ?? 'nothing'}` };
  if (typeof h.version !== 'string' || h.version.length === 0 || h.version.length > 64) return { ok: false, error: `its hello has no usable version, got ${JSON.stringify(h.version) ?? 'nothing'}` };
  const schema = parseParamsSchema(h.params);
  if (!schema.ok) return { ok: false, error: `its hello has a bad ${schema.error}` };
  const lookback = parseLookback(h.lookback, schema.schema);
  if (!lookback.ok) return { ok: false, error: `its hello has a bad ${lookback.error}` };
  return { ok: true, hello: { name: h.name, version: h.version, lookback: lookback.lookback, paramsSchema: schema.schema } };
}

/**
 * The files named in the command that exist: one
 * file's digest is its sha256 as `sha256sum` prints it; several are digested as their
 * `sha256sum` listing, so an operator can check either by hand.
 */
function scriptDigest(command: readonly string[], cwd: string): { files: string[]; digest: string | null } {
  const hashed: Array<[string, string]> = [];
  // The program itself only counts when nothing after it is a file (a compiled strategy, a
  // script run through its shebang); an interpreter is not the strategy.
  const scripts = command.slice(1).filter((part) => isFile(resolve(cwd, part)));
  for (const part of scripts.length > 0 ? scripts : command.slice(0, 1)) {
    const path = resolve(cwd, part);
    if (!isFile(path)) continue;
    hashed.push([part, createHash('sha256').update(readFileSync(path)).digest('hex')]);
  }
  if (hashed.length === 0) return { files: [], digest: null };
  const only = hashed.length === 1 ? hashed[0] : undefined;
  const digest = only ? only[1] : createHash('sha256').update(hashed.map(([p, h]) => `${h}  ${p}\n`).join('')).digest('hex');
  return { files: hashed.map(([p]) => p), digest };
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
