/**
 * `trader run --metrics-port`: the metrics and health folds behind their HTTP server, as one
 * thing the run starts before it writes anything (a busy port is bad input) and attaches to its
 * bus once the bus exists.
 */
import type { Bus } from '../core/bus.js';
import { usageError } from '../errors.js';
import { isLoopback } from '../util/loopback.js';
import type { Redact } from '../util/redact.js';
import { HealthFold } from './metrics-health.js';
import { RunMetrics } from './metrics.js';
import { startMetricsServer } from './metrics-server.js';

export interface MetricsEndpoint {
  /** The /metrics URL actually bound. */
  url: string;
  /** The /healthz URL beside it. */
  healthUrl: string;
  attach(bus: Bus): void;
  close(): Promise<void>;
}

/** `redact` masks the run's credentials in everything served (a venue's refusal can quote its URL). */
export async function startMetricsEndpoint(host: string, port: number, now: () => number, redact: Redact, warn: (line: string) => void): Promise<MetricsEndpoint> {
  if (host.trim() === '') throw usageError('--metrics-host: expected a host name or address, got ""');
  const metrics = new RunMetrics(now);
  const health = new HealthFold();
  const server = await startMetricsServer(host, port, {
    text: async () => {
      const { contentType, body } = await metrics.text();
      return { contentType, body: redact(body) };
    },
    health: () => {
      const h = health.check();
      return { ...h, reason: redact(h.reason) };
    },
  });
  if (!isLoopback(host)) warn(`--metrics-host ${host} is not loopback: anyone who can reach this machine can read the run's metrics`);
  const detach: Array<() => void> = [];
  let closed: Promise<void> | undefined;
  return {
    url: server.url,
    healthUrl: server.url.replace(/\/metrics$/, '/healthz'),
    attach(bus) {
      detach.push(metrics.attach(bus), health.attach(bus));
    },
    close() {
      closed ??= (async () => {
        for (const off of detach) off();
        await server.close();
      })();
      return closed;
    },
  };
}
