/**
 * The per-symbol sequence rule. Events are taken in the order received; the highest seq taken is
 * the ceiling. What no single frame may do is move that ceiling far: a seq further than
 * `maxJump` from it (ahead, e.g. 2^53, or behind, e.g. a venue that restarted its numbering) is
 * held as a suspect, not taken. The next event decides:
 * - it continues from the suspect (seq in (suspect, suspect + maxJump]): the numbering really
 *   moved — SEQUENCE_RESET, the suspect is taken first, then the event;
 * - it continues from the ceiling: the suspect was a lone bad frame — dropped as `bad_value`;
 * - neither: the older suspect is dropped as `bad_value` and the event becomes the suspect.
 * So a lone far-off seq costs one dropped frame and a real renumbering costs one frame's delay.
 * Only what the rest of the pipeline accepts moves the ceiling (`commit`): a frame whose content
 * is bad is not trusted for its seq either, so it cannot push the ceiling over the good events
 * that follow. A gap is what the venue did not deliver: it is measured from the highest seq judged
 * in order, so a rejected event (counted under its own kind) is not reported as missing too.
 * Generic over what is carried with the seq, and pure: the pipeline owns the events.
 */
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

export type SequenceDrop = 'duplicate' | 'out_of_order' | 'bad_value';

export interface SequenceStep<T> {
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

export class SequenceGuard<T extends { seq: number }> {
  private ceiling = 0;
  /** The highest seq that passed the ordering check, accepted downstream or not: gaps count from here. */
  private judgedHigh = 0;
  private readonly seen = new Set<number>();
  private suspect: T | undefined;

  constructor(private readonly maxJump: number) {}

  /** Judges one item. Items without a sequence (seq 0) are always taken. */
  check(item: T): SequenceStep<T> {
    const step: SequenceStep<T> = { take: [], dropped: [], held: false };
    const seq = item.seq;
    if (seq <= 0) {
      step.take.push(item);
      return step;
    }
    const suspect = this.suspect;
    if (suspect !== undefined) {
      if (seq === suspect.seq) {
        step.dropped.push({ item, kind: 'duplicate', detail: `seq=${seq} repeats the suspect seq` });
        return step;
      }
      if (seq > suspect.seq && seq - suspect.seq <= this.maxJump) {
        // The numbering really moved: the suspect is the new ceiling and both are taken.
        this.suspect = undefined;
        step.reset = { from: this.ceiling, to: suspect.seq };
        this.ceiling = suspect.seq;
        this.judgedHigh = suspect.seq;
        this.seen.clear();
        this.seen.add(suspect.seq);
        step.take.push(suspect);
        this.judge(item, step);
        return step;
      }
      this.suspect = undefined;
      step.dropped.push({ item: suspect, kind: 'bad_value', detail: `seq=${suspect.seq} jumped from ${this.ceiling} and nothing followed it` });
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
    if (this.ceiling > 0 && Math.abs(seq - this.ceiling) > this.maxJump) {
      this.suspect = item;
      step.held = true;
      return;
    }
    if (seq <= this.ceiling) {
      step.dropped.push(this.seen.has(seq) ? { item, kind: 'duplicate', detail: `seq=${seq} already seen` } : { item, kind: 'out_of_order', detail: `seq=${seq} below ${this.ceiling}` });
      return;
    }
    const high = Math.max(this.ceiling, this.judgedHigh);
    if (high > 0 && seq > high + 1) step.gap = { expected: high + 1, received: seq, missing: seq - high - 1 };
    if (seq > this.judgedHigh) this.judgedHigh = seq;
    step.take.push(item);
  }

  /**
   * A taken item was accepted by the rest of the pipeline: its seq becomes the ceiling. False when
   * that seq was already committed (a repeat of an event that was held while its twin was judged).
   */
  commit(seq: number): boolean {
    if (seq <= 0) return true;
    if (this.seen.has(seq)) return false;
    if (seq > this.ceiling) this.ceiling = seq;
    this.seen.add(seq);
    if (this.seen.size > 2 * SEEN_WINDOW) {
      for (const old of this.seen) if (old <= this.ceiling - SEEN_WINDOW) this.seen.delete(old);
    }
    return true;
  }
}
