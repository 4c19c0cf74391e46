/**
 * The per-symbol sequence rule. Events are taken in the order received; the highest seq taken is
 * the ceiling. Below it, a seq is a `duplicate` when that seq was taken with the same exchange
 * time, `out_of_order` when it was never taken and is within the last 4096. What no single frame
 * may do is move the ceiling far, and no new numbering may be mistaken for old events. A seq is
 * held as a suspect, not taken, when it is more than `maxJump` ahead of the ceiling (e.g. 2^53),
 * further behind than the remembered window, or a seq already taken with a different exchange
 * time (a venue that restarted its numbering reuses seqs). The next event decides:
 * - it continues from the ceiling (above it, within maxJump of the highest seq judged): the suspect was a lone
 *   bad frame — dropped as `bad_value`, and the event is judged as usual;
 * - else it continues from the suspect (seq in (suspect, suspect + maxJump]): the numbering
 *   really moved — SEQUENCE_RESET, the suspect is taken first, then the event;
 * - neither: the older suspect is dropped as `bad_value` and the event is judged as usual (it may
 *   become the suspect).
 * So a lone far-off seq costs one dropped frame and a real renumbering costs one frame's delay.
 * Only what the rest of the pipeline accepts moves the ceiling (`commit`): a frame whose content
 * is bad is not trusted for its seq either, so it cannot push the ceiling over the good events
 * that follow. A gap is what the venue did not deliver: it is measured from the highest seq judged
 * in order, so a rejected event (counted under its own kind) is not reported as missing too.
 * Generic over what is carried with the seq, and pure: the pipeline owns the events.
 */
import { append, NONE } from '../util/lists.js';
export interface SequenceGap {
  expected: number;
  received: number;
  missing: number;
}

export interface SequenceReset {
  /** The ceiling before the reset (0: none yet). */
  from: number;
  /** The confirmed suspect's seq, the new ceiling. */
  to: number;
}

type SequenceDrop = 'duplicate' | 'out_of_order' | 'bad_value';

interface SequenceStep<T> {
  /** Items to process further, in order (a confirmed suspect before the item that confirmed it). */
  take: T[];
  dropped: Array<{ item: T; kind: SequenceDrop; detail: string }>;
  /** The item is held as a suspect until the next one. */
  held: boolean;
  gap?: SequenceGap;
  reset?: SequenceReset;
}

/** How many recent sequence numbers are remembered to tell a duplicate from an out-of-order event. */
const SEEN_WINDOW = 4096;

export class SequenceGuard<T extends { seq: number; ts: number }> {
  private ceiling = 0;
  /** The highest seq that passed the ordering check, accepted downstream or not: gaps count from here. */
  private judgedHigh = 0;
  private readonly seen = new SeenWindow();
  private suspect: T | undefined;

  constructor(private readonly maxJump: number) {}

  /** Judges one item. Items without a sequence (seq 0) are always taken. */
  check(item: T): SequenceStep<T> {
    const step: SequenceStep<T> = { take: NONE, dropped: NONE, held: false };
    const seq = item.seq;
    if (seq <= 0) {
      step.take = append(step.take, item);
      return step;
    }
    const suspect = this.suspect;
    if (suspect !== undefined) {
      if (seq === suspect.seq) {
        step.dropped = append(step.dropped, { item, kind: 'duplicate', detail: `seq=${seq} repeats the suspect seq` });
        return step;
      }
      const continuesCeiling = this.ceiling > 0 && seq > this.ceiling && seq <= this.high + this.maxJump;
      if (!continuesCeiling && seq > suspect.seq && seq - suspect.seq <= this.maxJump) {
        // The numbering really moved: the suspect is the new ceiling and both are taken.
        this.suspect = undefined;
        step.reset = { from: this.ceiling, to: suspect.seq };
        this.ceiling = suspect.seq;
        this.judgedHigh = suspect.seq;
        this.seen.clear();
        step.take = append(step.take, suspect);
        this.judge(item, step);
        return step;
      }
      this.suspect = undefined;
      step.dropped = append(step.dropped, { item: suspect, kind: 'bad_value', detail: `seq=${suspect.seq} jumped from ${this.ceiling} and nothing followed it` });
    }
    this.judge(item, step);
    return step;
  }

  /** A new source (failover) numbers its events afresh; returns a held suspect of the old one, now dropped. */
  reset(): T | undefined {
    const held = this.suspect;
    this.suspect = undefined;
    this.ceiling = 0;
    this.judgedHigh = 0;
    this.seen.clear();
    return held;
  }

  /** Whether an item is held as a suspect. */
  get holding(): boolean {
    return this.suspect !== undefined;
  }

  private judge(item: T, step: SequenceStep<T>): void {
    const seq = item.seq;
    if (this.ceiling > 0 && this.suspicious(item)) {
      this.suspect = item;
      step.held = true;
      return;
    }
    if (seq <= this.ceiling) {
      step.dropped = append(step.dropped, this.seen.timeOf(seq) !== undefined ? { item, kind: 'duplicate', detail: `seq=${seq} already seen` } : { item, kind: 'out_of_order', detail: `seq=${seq} below ${this.ceiling}` });
      return;
    }
    const high = this.high;
    if (high > 0 && seq > high + 1) step.gap = { expected: high + 1, received: seq, missing: seq - high - 1 };
    if (seq > this.judgedHigh) this.judgedHigh = seq;
    step.take = append(step.take, item);
  }

  /**
   * Where the numbering has got to: the highest seq judged in order, accepted or not. A jump is
   * measured from here, so a stream whose events are all rejected downstream (they never move the
   * ceiling) is not taken for a new numbering every `maxJump` events.
   */
  private get high(): number {
    return Math.max(this.ceiling, this.judgedHigh);
  }

  /** Too far from the ceiling to be a reorder, or a taken seq with other content: a possible renumbering. */
  private suspicious(item: T): boolean {
    const { seq } = item;
    if (seq > this.high + this.maxJump) return true;
    if (seq > this.ceiling) return false;
    const ts = this.seen.timeOf(seq);
    if (ts !== undefined) return ts !== item.ts;
    return this.ceiling - seq > Math.min(this.maxJump, SEEN_WINDOW);
  }

  /**
   * A taken item was accepted by the rest of the pipeline: its seq becomes the ceiling. False when
   * that seq was already committed (a repeat of an event that was held while its twin was judged).
   */
  commit(item: { seq: number; ts: number }): boolean {
    const { seq } = item;
    if (seq <= 0) return true;
    if (this.seen.timeOf(seq) !== undefined) return false;
    if (seq > this.ceiling) this.ceiling = seq;
    this.seen.add(seq, item.ts);
    return true;
  }
}

/**
 * The last SEEN_WINDOW taken seqs and their exchange times, in two fixed typed arrays indexed by
 * seq modulo the window: O(1), and allocated once per symbol at the start, so it never grows
 * during a run (the report judges the runner's retained memory after warm-up).
 */
class SeenWindow {
  private readonly seqs = new Float64Array(SEEN_WINDOW);
  private readonly times = new Float64Array(SEEN_WINDOW);

  /** The exchange time `seq` was taken with, if it is still remembered. */
  timeOf(seq: number): number | undefined {
    const i = slot(seq);
    return this.seqs[i] === seq ? this.times[i] : undefined;
  }

  add(seq: number, ts: number): void {
    const i = slot(seq);
    this.seqs[i] = seq;
    this.times[i] = ts;
  }

  clear(): void {
    this.seqs.fill(0);
  }
}

/** Modulo, not a bit mask: seqs run up to 2^53, past what 32-bit operators keep. */
const slot = (seq: number): number => Math.floor(seq % SEEN_WINDOW);
