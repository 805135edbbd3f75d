/**
 * Finding a fixed byte string (the verifier's decision needle `"type":"com.arx.policy.decided"`)
 * in event bytes: Boyer–Moore–Horspool. Why not Buffer#indexOf: it is as fast once warm, but its
 * first thousands of calls in a fresh process are slow, and a verification runs once per process
 * (docs/benchmarks.md, "Measurements behind code choices").
 * Tested against Buffer#indexOf on random and adversarial inputs (test/unit/bundle/needle.test.ts).
 */
export class Needle {
  private readonly shift = new Uint8Array(256);
  readonly length: number;

  constructor(readonly bytes: Uint8Array) {
    const m = bytes.length;
    if (m < 1 || m > 255) throw new RangeError('Needle: 1 to 255 bytes');
    this.length = m;
    this.shift.fill(m);
    for (let k = 0; k < m - 1; k++) this.shift[bytes[k]!] = m - 1 - k;
  }

  /** The first offset ≥ from where the needle starts and ends before `to`, or -1. */
  indexIn(b: Uint8Array, from = 0, to = b.length): number {
    const d = this.bytes;
    const m = this.length;
    const last = d[m - 1]!;
    const shift = this.shift;
    let i = from;
    while (i + m <= to) {
      const c = b[i + m - 1]!;
      if (c === last) {
        let k = m - 2;
        while (k >= 0 && b[i + k] === d[k]) k--;
        if (k < 0) return i;
      }
      i += shift[c]!;
    }
    return -1;
  }
}
