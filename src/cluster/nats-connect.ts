/**
 * One way to reach the NATS server for every cluster command (ingest, run --feed nats, halt):
 * the URL, an optional credentials file and TLS files passed through to the client, and a first
 * connection that fails as bad input (one line, exit 2) instead of retrying forever. After the
 * first connection the client reconnects on its own, forever; callers watch `status()`.
 */
import { readFileSync } from 'node:fs';
import { connect, credsAuthenticator, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import { usageError } from '../errors.js';

export interface NatsEndpoint {
  url: string;
  /** A NATS .creds file (JWT + nkey seed); read here, never logged. */
  credsFile?: string | undefined;
  tlsCa?: string | undefined;
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
}

/** How long the first connection may take before the command gives up (the server is not there). */
const FIRST_CONNECT_TIMEOUT_MS = 5000;

function checkNatsUrl(url: string): void {
  // Credentials never travel in the URL (it is printed, logged and traced): they come from --nats-creds.
  // The URL is not echoed back, since it holds them.
  if (/^[a-z]+:\/\/[^/\s]*@/i.test(url)) throw usageError('--nats-url: a user or password in the URL is refused (it would be printed and logged); give the server as nats://host:port and the credentials with --nats-creds FILE');
  if (!/^(nats|tls):\/\/[^\s/]+$/.test(url)) throw usageError(`--nats-url: expected nats://host:port or tls://host:port, got "${url}"`);
}

export async function connectNats(endpoint: NatsEndpoint, name: string): Promise<NatsConnection> {
  checkNatsUrl(endpoint.url);
  const options: NodeConnectionOptions = {
    servers: endpoint.url,
    name,
    timeout: FIRST_CONNECT_TIMEOUT_MS,
    // Once up, a lost server is an outage to ride out, never the end of the run.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    reconnectJitter: 100,
    pingInterval: 2000,
    maxPingOut: 2,
  };
  if (endpoint.credsFile !== undefined) {
    let creds: Uint8Array;
    try {
      creds = readFileSync(endpoint.credsFile);
    } catch (err) {
      throw usageError(`--nats-creds ${endpoint.credsFile}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    options.authenticator = credsAuthenticator(creds);
  }
  if (endpoint.tlsCa !== undefined || endpoint.tlsCert !== undefined || endpoint.tlsKey !== undefined) {
    options.tls = {
      ...(endpoint.tlsCa !== undefined ? { caFile: endpoint.tlsCa } : {}),
      ...(endpoint.tlsCert !== undefined ? { certFile: endpoint.tlsCert } : {}),
      ...(endpoint.tlsKey !== undefined ? { keyFile: endpoint.tlsKey } : {}),
    };
  }
  try {
    return await connect(options);
  } catch (err) {
    throw usageError(`--nats-url ${endpoint.url}: no NATS server answered (${firstLine(err)})`);
  }
}

export function firstLine(err: unknown): string {
  return ((err as Error)?.message ?? String(err)).split('\n')[0] ?? '';
}
