/**
 * `trader halt --nats-url` / `trader resume --nats-url`: set or clear the cluster's halt key
 * (NATS KV TRADER_CONTROL/halt) that every `trader run --feed nats` shard watches, on every host.
 * The note written is the same as the file's: who, when and why.
 */
import { hostname, userInfo } from 'node:os';
import { connectNats, firstLine, type NatsEndpoint } from '../../cluster/nats-connect.js';
import { controlBucket, CONTROL_BUCKET, HALT_KEY } from '../../cluster/stream.js';
import { usageError } from '../../errors.js';

export async function haltCluster(endpoint: NatsEndpoint, reason: string | undefined): Promise<number> {
  const nc = await connectNats(endpoint, 'trader halt');
  try {
    const kv = await controlBucket(nc);
    const note = `halted by ${userInfo().username}@${hostname()} pid ${process.pid} at ${new Date().toISOString()}${reason ? `: ${reason}` : ''}`;
    try {
      await kv.put(HALT_KEY, note);
    } catch (err) {
      throw usageError(`cannot set ${CONTROL_BUCKET}/${HALT_KEY} at ${endpoint.url} (${firstLine(err)})`);
    }
    process.stdout.write(`trader halt: set ${CONTROL_BUCKET}/${HALT_KEY} at ${endpoint.url}; every shard watching it halts (${note})\n`);
    return 0;
  } finally {
    await nc.close();
  }
}

export async function resumeCluster(endpoint: NatsEndpoint): Promise<number> {
  const nc = await connectNats(endpoint, 'trader resume');
  try {
    const kv = await controlBucket(nc);
    const entry = await kv.get(HALT_KEY);
    if (!entry || entry.operation !== 'PUT') {
      process.stdout.write(`trader resume: ${CONTROL_BUCKET}/${HALT_KEY} at ${endpoint.url} is not set; nothing to clear\n`);
      return 0;
    }
    await kv.delete(HALT_KEY);
    process.stdout.write(`trader resume: cleared ${CONTROL_BUCKET}/${HALT_KEY} at ${endpoint.url}; shards resume only where kill_switch.allow_resume is true\n`);
    return 0;
  } finally {
    await nc.close();
  }
}
