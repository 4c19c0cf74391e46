/**
 * The worker thread behind an external strategy (see external.ts): it owns the child process and
 * its pipes, so the caller can block on a SharedArrayBuffer while the I/O goes on here.
 *
 * It is source text run with `new Worker(code, { eval: true })` rather than a file of its own:
 * the same code then runs from dist/ and from the TypeScript sources under vitest, and nothing
 * has to find a path relative to a build layout.
 *
 * The shared buffer: Int32 slots (see SLOT in external.ts) then the answer's bytes. The caller
 * writes CURRENT (the id it waits for) before it sends a request; this thread publishes at most
 * one result per CURRENT (the answer line, or an error text) and bumps SEQ, which the caller
 * waits on. An answer to an older id (the caller gave up on it) is dropped, so a process that
 * was once late cannot hand its stale answer to the next decision.
 */
export const BRIDGE_WORKER_SOURCE = String.raw`'use strict';
// import() rather than require: eval'd worker code is CommonJS or ESM depending on the host's
// --input-type, and dynamic import works in both.
Promise.all([import('node:worker_threads'), import('node:child_process')]).then(([{ parentPort, workerData }, { spawn }]) => {
const { command, cwd, sab, maxLineBytes } = workerData;
const SEQ = 0, RESP_ID = 1, KIND = 2, LEN = 3, CURRENT = 4, DEAD = 5;
const ANSWER = 1, ERROR = 2;
const header = new Int32Array(sab, 0, 8);
const data = new Uint8Array(sab, 32);
const encoder = new TextEncoder();
let answered = 0;
let hello = false;
let exitText = null;

const preview = (s) => JSON.stringify(s.length > 80 ? s.slice(0, 77) + '...' : s);

function publish(id, kind, text) {
  let bytes = encoder.encode(text);
  if (bytes.length > data.length) {
    kind = ERROR;
    bytes = encoder.encode('answer of ' + bytes.length + ' bytes is too long');
  }
  data.set(bytes);
  Atomics.store(header, LEN, bytes.length);
  Atomics.store(header, KIND, kind);
  Atomics.store(header, RESP_ID, id);
  Atomics.add(header, SEQ, 1);
  Atomics.notify(header, SEQ);
}

/** Fails the request being waited for, if any is still unanswered. */
function failPending(text) {
  const current = Atomics.load(header, CURRENT);
  if (current > answered) {
    answered = current;
    publish(current, ERROR, text);
  }
}

function onAnswer(line) {
  const current = Atomics.load(header, CURRENT);
  let id;
  try {
    const value = JSON.parse(line);
    id = value !== null && typeof value === 'object' ? value.id : undefined;
  } catch (e) {
    failPending('malformed answer (not JSON): ' + preview(line));
    return;
  }
  if (Number.isInteger(id) && id > 0 && id < current) {
    parentPort.postMessage({ type: 'stale', id });
    return;
  }
  if (current <= answered) {
    parentPort.postMessage({ type: 'unsolicited', line: line.slice(0, 200) });
    return;
  }
  answered = current;
  if (id !== current) publish(current, ERROR, 'answer with id ' + JSON.stringify(id) + ', expected ' + current);
  else publish(current, ANSWER, line);
}

function lines(stream, onLine) {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    buffered += chunk;
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl).replace(/\r$/, '');
      buffered = buffered.slice(nl + 1);
      onLine(line);
    }
    if (buffered.length > maxLineBytes) {
      const line = buffered;
      buffered = '';
      onLine(line);
    }
  });
}

let child;
try {
  child = spawn(command[0], command.slice(1), { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
} catch (e) {
  parentPort.postMessage({ type: 'spawn-error', code: e.code || null, message: String(e.message) });
}
if (child) {
  child.on('error', (e) => {
    exitText = 'could not be started (' + (e.code || e.message) + ')';
    parentPort.postMessage({ type: 'spawn-error', code: e.code || null, message: String(e.message) });
  });
  child.stdin.on('error', () => { /* EPIPE: the exit handler reports the process gone */ });
  lines(child.stdout, (line) => {
    if (!hello) {
      hello = true;
      parentPort.postMessage({ type: 'hello', line });
    } else {
      onAnswer(line);
    }
  });
  lines(child.stderr, (line) => parentPort.postMessage({ type: 'stderr', line: line.slice(0, 1000) }));
  child.on('exit', (code, signal) => {
    exitText = signal ? 'killed by ' + signal : 'exited with code ' + code;
  });
  child.on('close', () => {
    const text = 'process ' + (exitText || 'ended');
    Atomics.store(header, DEAD, 1);
    failPending(text);
    Atomics.add(header, SEQ, 1);
    Atomics.notify(header, SEQ);
    parentPort.postMessage({ type: 'exit', text });
    parentPort.close();
  });
  parentPort.on('message', (m) => {
    if (m.type === 'request') {
      child.stdin.write(m.line + '\n');
    } else if (m.type === 'close') {
      child.stdin.end();
      const t = setTimeout(() => child.kill('SIGKILL'), m.graceMs);
      child.on('close', () => clearTimeout(t));
    }
  });
}
});
`;
