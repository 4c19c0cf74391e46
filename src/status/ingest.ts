/**
 * One running `trader ingest` for `trader status`: its registry entry, then from the tail of its
 * trace the last INGEST_HEARTBEAT (events published, the rate, per symbol what it published and
 * how old its data is now), and whether the venue and the NATS server are connected.
 */
import type { IngestEntry } from '../runtime/registry.js';
import { EV } from '../core/events.js';
import { feedConnection, readTraceEnds, type Rec } from './trace-tail.js';

interface IngestSymbolStatus {
  symbol: string;
  published: number | null;
  /** Age of the symbol's last event, now; null before its first. */
  data_age_s: number | null;
}

export interface IngestStatus extends Omit<IngestEntry, 'symbols'> {
  uptime_s: number;
  feed_connected: boolean | null;
  nats_connected: boolean | null;
  published: number | null;
  rate_per_s: number | null;
  /** How long ago the last heartbeat was written (its interval is the config's heartbeat_interval). */
  heartbeat_age_s: number | null;
  symbols: IngestSymbolStatus[];
  /** Why the figures are missing (an unreadable trace). */
  source_note: string | null;
}

export function ingestStatus(entry: IngestEntry, nowMs: number): IngestStatus {
  const out: IngestStatus = {
    ...entry,
    uptime_s: Math.max(0, (nowMs - Date.parse(entry.started_at)) / 1000),
    feed_connected: null,
    nats_connected: null,
    published: null,
    rate_per_s: null,
    heartbeat_age_s: null,
    symbols: entry.symbols.map((symbol) => ({ symbol, published: null, data_age_s: null })),
    source_note: null,
  };
  let records: Rec[];
  try {
    records = readTraceEnds(entry.trace, false).records;
  } catch (err) {
    out.source_note = `trace ${entry.trace} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
    return out;
  }
  for (const r of records) {
    out.feed_connected = feedConnection(r) ?? out.feed_connected;
    switch (r.event) {
      case EV.INGEST_STARTED:
      case EV.NATS_RECONNECTED:
        out.nats_connected = true;
        break;
      case EV.NATS_DISCONNECTED:
        out.nats_connected = false;
        break;
      case EV.INGEST_HEARTBEAT:
        heartbeat(out, r, nowMs);
        break;
      default:
        break;
    }
  }
  return out;
}

function heartbeat(out: IngestStatus, r: Rec, nowMs: number): void {
  const atMs = Date.parse(typeof r.ts === 'string' ? r.ts : '');
  if (!Number.isFinite(atMs)) return;
  out.heartbeat_age_s = Math.max(0, (nowMs - atMs) / 1000);
  out.published = typeof r.published === 'number' ? r.published : null;
  out.rate_per_s = typeof r.rate_per_s === 'number' ? r.rate_per_s : null;
  const per = typeof r.symbols === 'object' && r.symbols !== null ? (r.symbols as Record<string, { published?: unknown; age_ms?: unknown }>) : {};
  out.symbols = Object.entries(per).map(([symbol, v]) => ({
    symbol,
    published: typeof v.published === 'number' ? v.published : null,
    data_age_s: typeof v.age_ms === 'number' ? Math.max(0, v.age_ms + nowMs - atMs) / 1000 : null,
  }));
}
