/**
 * The HTTP face of the metrics: `GET /metrics` (Prometheus text format) and `GET /healthz` (200 or
 * 503 with a JSON body naming the reason). It serves what the bus folds hold; it never reaches
 * into the runner. Bound to loopback unless told otherwise; `listen` fails with one usage line
 * (exit 2) on a busy port or a host it cannot bind, before the run has written anything.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { usageError } from '../errors.js';
import type { Health } from './metrics-health.js';

interface MetricsSource {
  text(): Promise<{ contentType: string; body: string }>;
  health(): Health;
}

interface MetricsServer {
  /** The /metrics URL with the port actually bound (port 0 picks one). */
  url: string;
  close(): Promise<void>;
}

/** A URL's host part: an IPv6 address goes in brackets. */
const urlHost = (host: string): string => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);

export async function startMetricsServer(host: string, port: number, source: MetricsSource): Promise<MetricsServer> {
  const server = createServer((req, res) => void handle(req, res, source));
  // A scraper's keep-alive socket must not keep a stopped runner alive.
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: host.replace(/^\[(.*)\]$/, '$1'), port }, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE') throw usageError(`--metrics-port ${port}: already in use on ${host}; choose another port (0 = any free port)`);
    if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN' || err.code === 'EACCES' || err.code === 'EINVAL') {
      throw usageError(`--metrics-host ${host} --metrics-port ${port}: cannot listen there (${err.code})`);
    }
    throw err;
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${urlHost(host)}:${bound}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, source: MetricsSource): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
    return;
  }
  try {
    if (path === '/metrics') {
      const { contentType, body } = await source.text();
      res.writeHead(200, { 'content-type': contentType }).end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (path === '/healthz') {
      const health = source.health();
      res.writeHead(health.ok ? 200 : 503, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : `${JSON.stringify({ status: health.ok ? 'ok' : 'unhealthy', ...health })}\n`);
      return;
    }
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('trader run: /metrics (Prometheus), /healthz\n');
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: try /metrics or /healthz\n');
  } catch (err) {
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`metrics unavailable: ${(err as Error).message}\n`);
  }
}
