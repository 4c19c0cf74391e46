/** The cluster flags' defaults, apart from the NATS client so the command table does not load it. */
export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';
export const DEFAULT_STREAM = 'TRADER_MD';
