/**
 * "Equal inputs gave equal outputs" over millions of decisions in 10 bytes a slot: an
 * open-addressing table from a 64-bit prefix of the inputs digest to the output, in typed arrays
 * (a Map of a million entries would cost ~100 MB of boxed numbers). Outputs are few (an action and
 * a two-decimal confidence), so a slot holds a 16-bit number for the output's digest prefix,
 * given out in order of first sight; 0 marks an empty slot.
 */
export class DigestTable {
  /**
   * 64 open-addressing tables chosen by the digest's top bits, each growing on its own: growing one
   * table of millions of slots held the old and the new arrays at once (30 MB at 1M decisions, at
   * the peak of validate's RSS); a segment's growth is 1/64 of that.
   */
  private readonly segments = Array.from({ length: SEGMENTS }, () => new Slots());
  private readonly outputIds = new Map<number, number>();
  /** Outputs past 65,535 distinct ones: held in a Map (never seen from a real strategy). */
  private readonly overflow = new Map<string, number>();

  /** Records inputs → output by their digestKey; false when the same inputs were seen with another output. */
  check(hi: number, lo: number, out: number): boolean {
    const slots = this.segments[hi >>> SEGMENT_SHIFT] as Slots;
    let id = this.outputIds.get(out);
    if (id === undefined) {
      if (this.outputIds.size >= 0xffff) return this.checkOverflow(slots, hi, lo, out);
      id = this.outputIds.size + 1;
      this.outputIds.set(out, id);
    }
    slots.reserve();
    const slot = slots.find(hi, lo);
    const seen = slots.out[slot] as number;
    if (seen !== 0) return seen === id;
    if (this.overflow.size > 0 && this.overflow.has(`${hi}:${lo}`)) return false; // seen with an unnumbered output
    slots.place(slot, hi, lo, id);
    return true;
  }

  private checkOverflow(slots: Slots, hi: number, lo: number, out: number): boolean {
    if (slots.out[slots.find(hi, lo)] !== 0) return false; // these inputs were seen with one of the numbered outputs
    const key = `${hi}:${lo}`;
    const seen = this.overflow.get(key);
    if (seen === undefined) this.overflow.set(key, out);
    return seen === undefined || seen === out;
  }
}

const SEGMENTS = 64;
const SEGMENT_SHIFT = 26;

/** One segment: 64-bit keys and 16-bit output numbers in typed arrays, at most half full. */
class Slots {
  hi = new Uint32Array(1 << 10);
  lo = new Uint32Array(1 << 10);
  out = new Uint16Array(1 << 10);
  private size = 0;

  /** Room for one more entry. */
  reserve(): void {
    if ((this.size + 1) * 2 > this.out.length) this.grow();
  }

  find(hi: number, lo: number): number {
    const mask = this.out.length - 1;
    // The digest is already uniformly random: its low bits are a fine hash.
    let slot = lo & mask;
    while (this.out[slot] !== 0 && (this.hi[slot] !== hi || this.lo[slot] !== lo)) slot = (slot + 1) & mask;
    return slot;
  }

  place(slot: number, hi: number, lo: number, id: number): void {
    this.hi[slot] = hi;
    this.lo[slot] = lo;
    this.out[slot] = id;
    this.size += 1;
  }

  private grow(): void {
    const { hi, lo, out } = this;
    const n = out.length * 2;
    this.hi = new Uint32Array(n);
    this.lo = new Uint32Array(n);
    this.out = new Uint16Array(n);
    this.size = 0;
    for (let i = 0; i < out.length; i += 1) {
      const id = out[i] as number;
      if (id !== 0) this.place(this.find(hi[i] as number, lo[i] as number), hi[i] as number, lo[i] as number, id);
    }
  }
}

/** The table's key of an inputs → output pair: the inputs digest's first 64 bits, the output's first 32. */
export function digestKey(inputsDigest: string, outputDigest: string): [number, number, number] {
  return [Number.parseInt(inputsDigest.slice(0, 8), 16) >>> 0, Number.parseInt(inputsDigest.slice(8, 16), 16) >>> 0, Number.parseInt(outputDigest.slice(0, 8), 16) >>> 0];
}

/** A chunk's inputs → output keys (digestKey), each with its line and symbol, for DigestTable.check in file order. */
export interface DigestPairs {
  count: number;
  hi: Uint32Array;
  lo: Uint32Array;
  out: Uint32Array;
  line: Uint32Array;
  /** Index into `symbols`. */
  symbol: Uint16Array;
  symbols: string[];
}

/** The inputs → output pairs of a chunk, with line and symbol, in growable typed arrays. */
export class PairBuffer {
  private n = 0;
  private hi = new Uint32Array(1024);
  private lo = new Uint32Array(1024);
  private out = new Uint32Array(1024);
  private line = new Uint32Array(1024);
  private symbol = new Uint16Array(1024);
  private readonly symbols: string[] = [];

  push([hi, lo, out]: [number, number, number], line: number, symbol: string): void {
    if (this.n === this.hi.length) this.grow();
    let s = this.symbols.indexOf(symbol);
    if (s < 0) s = this.symbols.push(symbol) - 1;
    this.hi[this.n] = hi;
    this.lo[this.n] = lo;
    this.out[this.n] = out;
    this.line[this.n] = line;
    this.symbol[this.n] = s;
    this.n += 1;
  }

  take(): DigestPairs {
    const n = this.n;
    return { count: n, hi: this.hi.slice(0, n), lo: this.lo.slice(0, n), out: this.out.slice(0, n), line: this.line.slice(0, n), symbol: this.symbol.slice(0, n), symbols: this.symbols };
  }

  private grow(): void {
    const widen = <T extends Uint32Array | Uint16Array>(a: T, make: (n: number) => T): T => {
      const b = make(a.length * 2);
      b.set(a);
      return b;
    };
    this.hi = widen(this.hi, (n) => new Uint32Array(n));
    this.lo = widen(this.lo, (n) => new Uint32Array(n));
    this.out = widen(this.out, (n) => new Uint32Array(n));
    this.line = widen(this.line, (n) => new Uint32Array(n));
    this.symbol = widen(this.symbol, (n) => new Uint16Array(n));
  }
}
