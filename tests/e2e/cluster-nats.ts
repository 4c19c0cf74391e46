/**
 * A real nats-server for the cluster tests: JetStream on, a temporary store, a free port chosen
 * by the server (-p -1) and read from its log; restartable on the same port and store, as an
 * operator would restart it. The binary is required: a missing one fails the test, never skips it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../helpers/wait.js';

const BINARY = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'].find((p) => existsSync(p));

export class NatsServer {
  private child: ChildProcess | undefined;
  private port = -1;
  readonly store = mkdtempSync(join(tmpdir(), 'trader-nats-store-'));

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (!BINARY) throw new Error('nats-server is not installed (apt-get install nats-server); the cluster tests need it');
    const child = spawn(BINARY, ['-js', '-a', '127.0.0.1', '-p', String(this.port), '-sd', this.store], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    let log = '';
    child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    await waitFor(() => /Server is ready/.test(log) || child.exitCode !== null, 30_000);
    if (child.exitCode !== null) throw new Error(`nats-server exited: ${log}`);
    const port = /Listening for client connections on [\d.]+:(\d+)/.exec(log)?.[1];
    if (!port) throw new Error(`nats-server did not say its port: ${log}`);
    this.port = Number(port);
  }

  /** Stops the server (SIGKILL: an outage, not a goodbye); the store stays for a restart. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  }
}
