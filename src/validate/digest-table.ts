/**
 * "Equal inputs gave equal outputs" over millions of decisions in a few bytes each: an
 * open-addressing table from a 64-bit prefix of the inputs digest to a 32-bit prefix of the output
 * digest, in typed arrays (a Map of a million entries would cost ~100 MB of boxed numbers).
 */
export class DigestTable {
  private hi = new Uint32Array(1 << 16);
  private lo = new Uint32Array(1 << 16);
  private out = new Uint32Array(1 << 16);
  private used = new Uint8Array(1 << 16);
  private size = 0;

  /** Records inputs → output by their digestKey; false when the same inputs were seen with another output. */
  check(hi: number, lo: number, out: number): boolean {
    if ((this.size + 1) * 2 > this.used.length) this.grow();
    const slot = this.find(hi, lo);
    if (this.used[slot]) return this.out[slot] === out;
    this.place(slot, hi, lo, out);
    return true;
  }

  private find(hi: number, lo: number): number {
    const mask = this.used.length - 1;
    // The digest is already uniformly random: its low bits are a fine hash.
    let slot = lo & mask;
    while (this.used[slot] && (this.hi[slot] !== hi || this.lo[slot] !== lo)) slot = (slot + 1) & mask;
    return slot;
  }

  private place(slot: number, hi: number, lo: number, out: number): void {
    this.used[slot] = 1;
    this.hi[slot] = hi;
    this.lo[slot] = lo;
    this.out[slot] = out;
    this.size += 1;
  }

  private grow(): void {
    const { hi, lo, out, used } = this;
    const n = used.length * 2;
    this.hi = new Uint32Array(n);
    this.lo = new Uint32Array(n);
    this.out = new Uint32Array(n);
    this.used = new Uint8Array(n);
    this.size = 0;
    for (let i = 0; i < used.length; i += 1) {
      if (used[i]) this.place(this.find(hi[i] as number, lo[i] as number), hi[i] as number, lo[i] as number, out[i] as number);
    }
  }
}

/** The table's key of an inputs → output pair: the inputs digest's first 64 bits, the output's first 32. */
export function digestKey(inputsDigest: string, outputDigest: string): [number, number, number] {
  return [Number.parseInt(inputsDigest.slice(0, 8), 16) >>> 0, Number.parseInt(inputsDigest.slice(8, 16), 16) >>> 0, Number.parseInt(outputDigest.slice(0, 8), 16) >>> 0];
}
