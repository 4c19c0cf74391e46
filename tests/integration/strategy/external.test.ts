/**
 * External strategies against real child processes: the shipped Python example and small Node
 * scripts that misbehave on purpose. Budgets are wide (a loaded 2-core machine) except where the
 * budget itself is under test.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { TraderError } from '../../../src/errors.js';
import { startExternalStrategy, type ExternalStrategy } from '../../../src/strategy/external.js';
import { StrategyFailure } from '../../../src/strategy/failures.js';
import { resolveStrategy } from '../../../src/strategy/registry.js';
import type { StrategyInputs } from '../../../src/strategy/types.js';
import { vwapMomentum } from '../../../src/strategy/vwap-momentum.js';
import { REPO } from '../../helpers/cli.js';
import { waitFor } from '../../helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'trader-external-'));
const WIDE = 5000;
const open: Array<{ close(): void }> = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

const HELLO = { protocol: 'trader-strategy/1', name: 'fake', version: '0.0.1', lookback: 2, params: { k: { type: 'number', default: 1 } } };

/** A Node script speaking the protocol; `answer(request)` is JS source returning the answer line (or a promise of it). */
function fake(label: string, options: { hello?: string; before?: string; answer?: string } = {}): string[] {
  const file = join(dir, `${label}.cjs`);
  writeFileSync(
    file,
    `${options.before ?? ''}
process.stdout.write(${options.hello ?? JSON.stringify(JSON.stringify(HELLO))} + '\\n');
const answer = ${options.answer ?? "(r) => JSON.stringify({ id: r.id, action: 'HOLD', confidence: r.params.k / 2 })"};
let chain = Promise.resolve();
let buffered = '';
process.stdin.on('data', (d) => {
  buffered += d;
  let nl;
  while ((nl = buffered.indexOf('\\n')) >= 0) {
    const r = JSON.parse(buffered.slice(0, nl));
    buffered = buffered.slice(nl + 1);
    chain = chain.then(() => answer(r)).then((line) => { if (line !== undefined) process.stdout.write(line + '\\n'); });
  }
});
`,
  );
  return [process.execPath, file];
}

const start = async (command: string[], options: { budgetMs?: number; helloTimeoutMs?: number; onStderr?: (l: string) => void; onExit?: (d: string) => void } = {}): Promise<ExternalStrategy> => {
  const s = await startExternalStrategy(command, { cwd: dir, budgetMs: WIDE, helloTimeoutMs: 30_000, ...options });
  open.push(s);
  return s;
};

const inputs = (symbol: string, closes: number[], vwap = 100): StrategyInputs => ({
  symbol,
  bars: closes.map((close, i) => ({ start: i * 60_000, end: (i + 1) * 60_000, open: close, high: close, low: close, close, volume: 100, vwap: close, trades: 1, quotes: 0 })),
  session_vwap: vwap,
  session_volume: 100 * closes.length,
  quote: { ask: 100.01, bid: 99.99 },
});

async function startError(command: string[], helloTimeoutMs = 30_000): Promise<TraderError> {
  try {
    open.push(await startExternalStrategy(command, { cwd: dir, helloTimeoutMs }));
  } catch (e) {
    if (e instanceof TraderError) return e;
    throw e;
  }
  throw new Error('started');
}

function failure(s: ExternalStrategy, i: StrategyInputs = inputs('SPY', [100])): StrategyFailure {
  try {
    s.decide(i, { k: 1 });
  } catch (e) {
    if (e instanceof StrategyFailure) return e;
    throw e;
  }
  throw new Error('decide did not fail');
}

describe('the Python example, strategies/momentum.py', () => {
  it('says hello and decides like the built-in vwap_momentum', async () => {
    const py = await resolveStrategy({ command: ['python3', 'strategies/momentum.py'], params: { lookback_bars: 2 } }, REPO, { budgetMs: WIDE, helloTimeoutMs: 30_000 });
    open.push(py);
    expect(py.identity).toMatchObject({ kind: 'command', name: 'momentum_py', version: '1.0.0', source: ['python3', 'strategies/momentum.py'] });
    expect(py.identity.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(py.lookback).toBe(3);
    expect(py.params).toEqual({ lookback_bars: 2, momentum_bps: 2, vwap_band_bps: 1 });
    const cases: StrategyInputs[] = [
      inputs('SPY', [100, 100.05, 100.1]),
      inputs('SPY', [100, 99.95, 99.9]),
      inputs('QQQ', [99, 99.05, 99.1]),
      inputs('QQQ', [100, 100, 100]),
      inputs('TSLA', [100, 101]),
      inputs('TSLA', [100, 100.01, 100.025]),
      inputs('TSLA', [100, 100.5, 101]),
      inputs('SPY', [250.12, 250.31, 250.07], 250.2),
    ];
    // A deterministic walk adds a few hundred ordinary bars.
    let price = 400;
    for (let i = 0; i < 200; i += 1) {
      price = Math.round((price + ((i * 7919) % 13) / 100 - 0.06) * 100) / 100;
      cases.push(inputs('SPY', [price - ((i % 5) - 2) * 0.03, price - ((i % 3) - 1) * 0.02, price], price - ((i % 7) - 3) * 0.01));
    }
    for (const c of cases) expect(py.decide(c, py.params)).toEqual(vwapMomentum(c, py.params));
  });
});

describe('external strategy protocol', () => {
  it('answers each request with its own id and hands stderr to the callback', async () => {
    const lines: string[] = [];
    const s = await start(fake('ok', { before: "process.stderr.write('warming up\\n');" }), { onStderr: (l) => lines.push(l) });
    expect(s).toMatchObject({ name: 'fake', version: '0.0.1', lookback: 2, files: [join(dir, 'ok.cjs')] });
    for (let k = 0; k < 20; k += 1) expect(s.decide(inputs('SPY', [100]), { k: k / 20 })).toEqual({ action: 'HOLD', confidence: k / 40 });
    await waitFor(() => lines.includes('warming up'), 20_000);
  });

  it('a late answer is a timeout, and it does not leak into the next decision', async () => {
    const s = await start(fake('late', { answer: "(r) => new Promise((ok) => setTimeout(() => ok(JSON.stringify({ id: r.id, action: r.inputs.symbol === 'LATE' ? 'SELL' : 'BUY', confidence: 0.5 })), r.inputs.symbol === 'LATE' ? 600 : 0))" }), { budgetMs: 100 });
    const late = failure(s, inputs('LATE', [100]));
    expect(late.kind).toBe('timeout');
    expect(late.message).toContain('100 ms');
    // The process answers the late request first, then this one: the stale SELL is dropped.
    let answer;
    for (let attempt = 0; ; attempt += 1) {
      try {
        answer = s.decide(inputs('SPY', [100]), { k: 1 });
        break;
      } catch (e) {
        // Only a loaded machine makes this one late too; then try again, it must never be SELL.
        if (!(e instanceof StrategyFailure && e.kind === 'timeout') || attempt > 50) throw e;
      }
    }
    expect(answer).toEqual({ action: 'BUY', confidence: 0.5 });
  });

  it('garbage is a protocol failure and the process keeps serving', async () => {
    const s = await start(fake('garbage', { answer: "(r) => r.inputs.symbol === 'BAD' ? 'this is not json' : JSON.stringify({ id: r.id, action: 'HOLD', confidence: 1 })" }));
    const f = failure(s, inputs('BAD', [100]));
    expect(f.kind).toBe('protocol');
    expect(f.message).toContain('malformed answer (not JSON): "this is not json"');
    expect(s.decide(inputs('SPY', [100]), { k: 1 })).toEqual({ action: 'HOLD', confidence: 1 });
  });

  it('an answer with the wrong id or a bad decision fails', async () => {
    const wrong = await start(fake('wrong-id', { answer: "(r) => JSON.stringify({ id: r.id + 100, action: 'HOLD', confidence: 1 })" }));
    const f = failure(wrong);
    expect(f.kind).toBe('protocol');
    expect(f.message).toContain('answer with id 101, expected 1');
    const bad = await start(fake('bad-output', { answer: "(r) => JSON.stringify({ id: r.id, action: 'MAYBE', confidence: 1 })" }));
    expect(failure(bad).kind).toBe('bad_output');
  });

  it('a process that crashes mid-run fails the call in flight and every later one, fast', async () => {
    const exits: string[] = [];
    const s = await start(fake('crash', { answer: "(r) => { if (r.id === 3) process.exit(3); return JSON.stringify({ id: r.id, action: 'HOLD', confidence: 1 }); }" }), { onExit: (d) => exits.push(d) });
    expect(s.decide(inputs('SPY', [100]), { k: 1 }).action).toBe('HOLD');
    expect(s.decide(inputs('QQQ', [100]), { k: 1 }).action).toBe('HOLD');
    const f = failure(s);
    expect(f.kind).toBe('gone');
    expect(f.fatal).toBe(true);
    expect(f.message).toContain('exited with code 3');
    const again = failure(s);
    expect(again.kind).toBe('gone');
    await waitFor(() => exits.length === 1, 20_000);
    expect(exits[0]).toContain('exited with code 3');
  });

  it('a process killed from outside is gone for every symbol', async () => {
    const s = await start(fake('killed', { before: "require('node:fs').writeFileSync(process.argv[1] + '.pid', String(process.pid));" }));
    expect(s.decide(inputs('SPY', [100]), { k: 1 }).action).toBe('HOLD');
    const pid = Number(readFileSync(join(dir, 'killed.cjs.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    let f: StrategyFailure | undefined;
    await waitFor(() => {
      f = failure(s);
      return f.kind === 'gone';
    }, 20_000);
    expect(f?.message).toContain('killed by SIGKILL');
  });

  it.each([
    ['a command that is not found', () => ['definitely-not-a-trader-strategy'], /strategy command definitely-not-a-trader-strategy: not found$/],
    ['a process that exits at start', () => fake('exits', { before: "process.stderr.write('no model\\n'); process.exit(4);" }), /exited with code 4 before its hello$/],
    ['a wrong protocol version', () => fake('v0', { hello: JSON.stringify(JSON.stringify({ ...HELLO, protocol: 'trader-strategy/0' })) }), /speaks protocol "trader-strategy\/0", expected "trader-strategy\/1"$/],
    ['a hello that is not JSON', () => fake('nojson', { hello: "'hello there'" }), /its first line is not a JSON hello/],
    ['a hello with a bad params schema', () => fake('badschema', { hello: JSON.stringify(JSON.stringify({ ...HELLO, params: { k: { type: 'number', min: 2, max: 1 } } })) }), /its hello has a bad params schema k: min is above max$/],
  ])('refuses %s with one E_CONFIG line naming the command', async (_what, command, message) => {
    const e = await startError(command());
    expect(e.code).toBe('E_CONFIG');
    expect(e.message).toMatch(/^strategy command /);
    expect(e.message).toMatch(message);
    expect(e.message).not.toContain('\n');
  });

  it('refuses a process that never says hello, within the bound', async () => {
    const e = await startError(fake('silent', { before: 'process.stdout.write = () => true; setInterval(() => 0, 1000);' }), 500);
    expect(e.message).toMatch(/no hello within 500 ms$/);
  });
});

describe('lifetime', () => {
  it('a strategy left open keeps no process alive, and its child goes with the host', async () => {
    const registry = join(REPO, 'dist/strategy/registry.js');
    expect(existsSync(registry), 'build first: make build').toBe(true);
    const [node, script] = fake('orphan', { before: "require('node:fs').writeFileSync(process.argv[1] + '.pid', String(process.pid));" });
    const host = `
      const { resolveStrategy } = await import(${JSON.stringify(pathToFileURL(registry).href)});
      const s = await resolveStrategy({ command: [${JSON.stringify(node)}, ${JSON.stringify(script)}] }, ${JSON.stringify(dir)}, { budgetMs: 5000, helloTimeoutMs: 30000, params: undefined });
      console.log(JSON.stringify(s.decide({ symbol: 'SPY', bars: [], session_vwap: 1, session_volume: 1, quote: null }, s.params)));`;
    const result = await new Promise<{ code: number | null; out: string }>((ok) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', host], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('close', (code) => ok({ code, out }));
    });
    expect(result).toEqual({ code: 0, out: '{"action":"HOLD","confidence":0.5}\n' });
    const pid = Number(readFileSync(`${script}.pid`, 'utf8'));
    await waitFor(() => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    }, 20_000);
  });

  it('close() stops the process without reporting it as gone', async () => {
    const exits: string[] = [];
    const [node, script] = fake('closed', { before: "require('node:fs').writeFileSync(process.argv[1] + '.pid', String(process.pid));" });
    const s = await startExternalStrategy([node as string, script as string], { cwd: dir, budgetMs: WIDE, helloTimeoutMs: 30_000, onExit: (d) => exits.push(d) });
    s.close();
    const pid = Number(readFileSync(`${script}.pid`, 'utf8'));
    await waitFor(() => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    }, 20_000);
    expect(exits).toEqual([]);
    expect(failure(s).kind).toBe('gone');
  });
});

describe('the synchronous bridge inside a worker thread (as validate runs it)', () => {
  it('decides through the Python example and a sandboxed module from a worker_threads Worker', async () => {
    const registry = join(REPO, 'dist/strategy/registry.js');
    expect(existsSync(registry), 'build first: make build').toBe(true);
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      import(workerData.registry).then(async ({ resolveStrategy }) => {
        const s = await resolveStrategy({ command: ['python3', 'strategies/momentum.py'], params: { lookback_bars: 2 } }, workerData.repo, { budgetMs: 5000, helloTimeoutMs: 30000 });
        const m = await resolveStrategy({ module: 'strategies/vwap_momentum.mjs', params: { lookback_bars: 2 } }, workerData.repo, { budgetMs: 5000 });
        const out = workerData.cases.map((c) => s.decide(c, s.params));
        const fromModule = workerData.cases.map((c) => m.decide(c, m.params));
        s.close();
        m.close();
        parentPort.postMessage([out, fromModule]);
      }).catch((e) => parentPort.postMessage({ error: String(e && e.stack || e) }));`;
    const cases = [inputs('SPY', [100, 100.05, 100.1]), inputs('SPY', [100, 99.95, 99.9]), inputs('QQQ', [100, 100, 100])];
    const worker = new Worker(code, { eval: true, workerData: { registry: pathToFileURL(registry).href, repo: REPO, cases } });
    const result = await new Promise<unknown>((ok, fail) => {
      worker.once('message', ok);
      worker.once('error', fail);
    });
    await worker.terminate();
    const expected = cases.map((c) => vwapMomentum(c, { lookback_bars: 2, momentum_bps: 2, vwap_band_bps: 1 }));
    expect(result).toEqual([expected, expected]);
  });
});
