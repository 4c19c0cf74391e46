/** The cluster flags' defaults and their reading, apart from the NATS client so the command table does not load it. */
import type { NatsEndpoint } from './nats-connect.js';

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';
export const DEFAULT_STREAM = 'TRADER_MD';

/** The NATS connection flags every cluster command takes (--nats-url and the credentials/TLS files). */
export interface NatsFlags {
  natsUrl: string;
  natsCreds?: string | undefined;
  natsTlsCa?: string | undefined;
  natsTlsCert?: string | undefined;
  natsTlsKey?: string | undefined;
}

export function natsEndpoint(flags: NatsFlags): NatsEndpoint {
  return { url: flags.natsUrl, credsFile: flags.natsCreds, tlsCa: flags.natsTlsCa, tlsCert: flags.natsTlsCert, tlsKey: flags.natsTlsKey };
}
