/**
 * The trace's hash chain: what makes a removed, inserted, swapped, duplicated or edited record
 * visible. Every record carries `rec_seq` (1 for the run record, then +1 a record) and
 * `rec_chain` = H(previous rec_chain ‖ canonical JSON of the record without its rec_chain), the
 * run record's predecessor being 64 zeros. The record is hashed as canonical JSON, not as bytes, so
 * a trace re-serialized with other spacing or key order verifies the same.
 *
 * H is SHA-256, or HMAC-SHA256 keyed with TRADER_TRACE_KEY when it is set: without the key nobody
 * can re-chain an edited file. The run record says which (`chain`), never the key.
 *
 * The writer lays each line out as that canonical text with rec_chain appended, so a reader first
 * hashes the line as it stands (no re-serialization); only a line that does not verify that way
 * (re-serialized, or tampered with) is re-serialized canonically and hashed again.
 *
 * Readers verify on the worker threads: each chunk checks every link whose predecessor is in the
 * chunk and hands back its first record (checked at the ordered merge against the previous chunk's
 * last) — so the main thread does one hash per chunk, not per record.
 */
import { createHmac } from 'node:crypto';
import { canonicalJson, sha256Hex } from '../util/canonical.js';
import { EV } from '../core/events.js';

export type ChainAlgo = 'sha256' | 'hmac-sha256';
const SEQ_FIELD = 'rec_seq';
export const CHAIN_FIELD = 'rec_chain';
export const GENESIS = '0'.repeat(64);
const TRACE_KEY_ENV = 'TRADER_TRACE_KEY';
/** RUN_STOPPED's seal: the chain head and the record count before it. */
export const SEAL_HEAD = 'chain_head';
export const SEAL_RECORDS = 'chain_records';

/** The chain key from the environment; an empty value counts as unset. */
export function traceKey(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const key = env[TRACE_KEY_ENV];
  return key === undefined || key === '' ? undefined : key;
}

const algoFor = (key: string | undefined): ChainAlgo => (key === undefined ? 'sha256' : 'hmac-sha256');

/** One link: H(prev ‖ canonical). */
export function chainStep(key: string | undefined, prev: string, canonical: string): string {
  return key === undefined ? sha256Hex(prev + canonical) : createHmac('sha256', key).update(prev).update(canonical).digest('hex');
}

/** The writer's side: numbers and chains each record and gives back its trace line. */
export class ChainWriter {
  readonly algo: ChainAlgo;
  /** The last record's rec_chain (GENESIS before the first). */
  head = GENESIS;
  /** Records written so far. */
  count = 0;

  constructor(private readonly key: string | undefined) {
    this.algo = algoFor(key);
  }

  /** The record's line (without the newline): its canonical JSON, rec_seq included, then rec_chain. */
  line(record: object): string {
    return this.lineOfText(canonicalJson({ ...record, [SEQ_FIELD]: this.count + 1 }));
  }

  /** The same, for a record the caller has already laid out: `canonical` must be its canonical JSON with rec_seq = count + 1. */
  lineOfText(canonical: string): string {
    const chain = chainStep(this.key, this.head, canonical);
    this.count += 1;
    this.head = chain;
    return `${canonical.slice(0, -1)}${CHAIN_SUFFIX}${chain}"}`;
  }
}

const CHAIN_SUFFIX = `,"${CHAIN_FIELD}":"`;
const SUFFIX_LENGTH = CHAIN_SUFFIX.length + 64 + 2;

/** The hashed text of a line as the writer laid it out, if it looks like that; else null. */
function asWritten(raw: string | undefined): string | null {
  if (raw === undefined || !raw.endsWith('"}') || raw.length <= SUFFIX_LENGTH) return null;
  const at = raw.length - SUFFIX_LENGTH;
  return raw.startsWith(CHAIN_SUFFIX, at) ? `${raw.slice(0, at)}}` : null;
}

/** What the chain says about one record, for a check against its predecessor. */
interface Link {
  line: number;
  seq: unknown;
  stored: unknown;
  /** The line as written, minus its rec_chain: hashed first. */
  written: string | null;
  /** The record's canonical text; computed only when `written` does not verify (always, for a chunk's head). */
  canonical: string | null;
  /** RUN_STOPPED's claim: the chain head and record count before it. */
  seal?: { head: unknown; records: unknown };
}

interface ChainBreak {
  line: number;
  what: string;
}

/** A chunk's part of the verification (line numbers local to the chunk). Structured-clone safe. */
export interface ChainChunk {
  records: number;
  /** The chunk's first record, checked at the merge against the previous chunk's last. */
  head: Link | null;
  /** The chunk's last record. */
  tail: { seq: number; stored: string } | null;
  /** The first link inside the chunk that does not hold. */
  broken: ChainBreak | null;
  /** The chunk's first RUN_STOPPED: its line and its place among the chunk's records (1-based). */
  stop: { line: number; ordinal: number; head: unknown } | null;
}

/** Why `link` cannot follow `prev`; undefined when it can. `record` gives the canonical text when the link has none yet. */
function linkIssue(key: string | undefined, prev: { seq: number; stored: string }, link: Link, record?: Record<string, unknown>): string | undefined {
  if (typeof link.stored !== 'string') return `no ${CHAIN_FIELD} (not written by this trader, or a record added by hand)`;
  if (link.seq !== prev.seq + 1) return `${SEQ_FIELD} is ${JSON.stringify(link.seq)}, expected ${prev.seq + 1} (a record removed, inserted, duplicated or moved)`;
  const fast = link.written !== null && chainStep(key, prev.stored, link.written) === link.stored;
  const canonical = fast ? null : (link.canonical ?? (record ? canonicalOf(record) : ''));
  if (canonical !== null && (canonical === link.written || chainStep(key, prev.stored, canonical) !== link.stored)) return `${CHAIN_FIELD} does not match: this record or the one before it was edited, moved or re-chained`;
  if (link.seal && (link.seal.records !== prev.seq || link.seal.head !== prev.stored)) return `RUN_STOPPED's seal (${SEAL_HEAD}, ${SEAL_RECORDS}) does not match the chain before it`;
  return undefined;
}

function canonicalOf(record: Record<string, unknown>): string {
  const { [CHAIN_FIELD]: _stored, ...rest } = record;
  return canonicalJson(rest);
}

/**
 * A record's link; `eager` computes its canonical text now (a chunk's head, checked on another
 * thread). `canonical`, when the reader has it, is the record's canonical text (without rec_chain).
 */
function linkOf(record: Record<string, unknown>, line: number, raw: string | undefined, eager: boolean, canonical?: string): Link {
  if (canonical !== undefined) return withSeal(record, { line, seq: record[SEQ_FIELD], stored: record[CHAIN_FIELD], written: canonical, canonical });
  return withSeal(record, { line, seq: record[SEQ_FIELD], stored: record[CHAIN_FIELD], written: asWritten(raw), canonical: eager ? canonicalOf(record) : null });
}

function withSeal(record: Record<string, unknown>, link: Link): Link {
  if (record.event === EV.RUN_STOPPED) link.seal = { head: record[SEAL_HEAD], records: record[SEAL_RECORDS] };
  return link;
}

const usable = (link: Link): { seq: number; stored: string } | null => (typeof link.stored === 'string' && typeof link.seq === 'number' ? { seq: link.seq, stored: link.stored } : null);

/** Verifies the links of one chunk (on a worker). */
export class ChainChunkVerifier {
  private records = 0;
  private head: Link | null = null;
  private tail: { seq: number; stored: string } | null = null;
  private broken: ChainBreak | null = null;
  private stop: { line: number; ordinal: number; head: unknown } | null = null;

  constructor(private readonly key: string | undefined) {}

  /**
   * `raw`, the line as it stands in the file, lets an untouched line verify without re-serializing;
   * `canonical`, the record's canonical text when the reader has it (src/offline/canonical-line.ts),
   * is the hashed text itself.
   */
  add(record: Record<string, unknown>, line: number, raw?: string, canonical?: string): void {
    this.records += 1;
    if (this.stop === null && record.event === EV.RUN_STOPPED) this.stop = { line, ordinal: this.records, head: record[SEAL_HEAD] };
    if (this.broken) return;
    const link = linkOf(record, line, raw, this.records === 1, canonical);
    if (this.records === 1) {
      // Checked at the merge; a head that cannot be linked at all ends the chunk's checks here.
      this.head = link;
      this.tail = usable(link);
      if (!this.tail) this.broken = { line, what: `no ${CHAIN_FIELD}` };
      return;
    }
    const issue = this.tail ? linkIssue(this.key, this.tail, link, record) : 'unlinked';
    if (issue !== undefined) this.broken = { line, what: issue };
    else this.tail = usable(link);
  }

  finish(): ChainChunk {
    return { records: this.records, head: this.head, tail: this.tail, broken: this.broken, stop: this.stop };
  }
}

export interface ChainResult {
  algo: ChainAlgo;
  /** Records in the trace, the run record included. */
  records: number;
  /** The last record's rec_chain, when the whole chain holds. */
  head: string | null;
  broken: ChainBreak | null;
  /**
   * The first RUN_STOPPED, if any: how many records follow it, and its seal (the chain head and
   * record count before it) when the chain holds, i.e. when the seal was checked.
   */
  stop: { line: number; recordsAfter: number; seal: { head: string; records: number } | null } | null;
}

/** The ordered half: the run record, then each chunk in file order. */
export class ChainVerifier {
  private records = 0;
  private tail: { seq: number; stored: string } | null = null;
  private broken: ChainBreak | null = null;
  private stop: { line: number; ordinal: number; head: unknown } | null = null;

  constructor(
    readonly algo: ChainAlgo,
    private readonly key: string | undefined,
  ) {}

  /** The run record (line 1, as parsed and as written), chained from GENESIS. */
  start(run: Record<string, unknown>, raw: string): void {
    this.records = 1;
    const link = linkOf(run, 1, raw, true);
    const issue = linkIssue(this.key, { seq: 0, stored: GENESIS }, link);
    if (issue !== undefined) this.broken = { line: 1, what: issue };
    else this.tail = usable(link);
  }

  merge(c: ChainChunk, lineOffset: number): void {
    if (this.stop === null && c.stop) this.stop = { ...c.stop, line: c.stop.line + lineOffset, ordinal: this.records + c.stop.ordinal };
    this.records += c.records;
    if (this.broken || !this.tail) return;
    if (c.head) {
      const issue = linkIssue(this.key, this.tail, c.head);
      if (issue !== undefined) {
        this.broken = { line: c.head.line + lineOffset, what: issue };
        return;
      }
    }
    if (c.broken) {
      this.broken = { line: c.broken.line + lineOffset, what: c.broken.what };
      return;
    }
    if (c.tail) this.tail = c.tail;
  }

  finish(): ChainResult {
    const ok = !this.broken;
    const s = this.stop;
    const stop = s ? { line: s.line, recordsAfter: this.records - s.ordinal, seal: ok && typeof s.head === 'string' ? { head: s.head, records: s.ordinal - 1 } : null } : null;
    return { algo: this.algo, records: this.records, head: ok ? (this.tail?.stored ?? null) : null, broken: this.broken, stop };
  }
}
