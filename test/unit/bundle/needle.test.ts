import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Needle } from '../../../shared/bundle/needle';

/** The verifier's needle search must find exactly what Buffer#indexOf finds. */
describe('Needle', () => {
  const all = (n: Needle, b: Uint8Array) => {
    const out: number[] = [];
    for (let p = n.indexIn(b); p >= 0; p = n.indexIn(b, p + 1)) out.push(p);
    return out;
  };
  const reference = (needle: Uint8Array, b: Uint8Array) => {
    const buf = Buffer.from(b);
    const out: number[] = [];
    for (let p = buf.indexOf(needle); p >= 0; p = buf.indexOf(needle, p + 1)) out.push(p);
    return out;
  };

  it('finds every occurrence Buffer#indexOf finds: the decision needle in text, overlapping and adversarial patterns, random bytes', () => {
    const decided = Buffer.from('"type":"com.arx.policy.decided"');
    const cases: [Uint8Array, Uint8Array][] = [
      [decided, Buffer.from(`x${decided}${decided}"type":"com.arx.policy.decide"${decided.subarray(1)}${decided}`)],
      [decided, decided],
      [decided, decided.subarray(0, 30)],
      [Buffer.from('aa'), Buffer.from('aaaaa')],
      [Buffer.from('aba'), Buffer.from('abababa')],
      [Buffer.from('a'), Buffer.from('banana')],
      [Buffer.from('abcab'), Buffer.from('abcabcababcab')],
    ];
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) / 0x10000;
    for (let k = 0; k < 300; k++) {
      const alphabet = 1 + Math.floor(rand() * 4);
      const hay = Uint8Array.from({ length: Math.floor(rand() * 2000) }, () => 0x61 + Math.floor(rand() * alphabet));
      const needle = Uint8Array.from(
        { length: 1 + Math.floor(rand() * 6) },
        () => 0x61 + Math.floor(rand() * alphabet),
      );
      cases.push([needle, hay]);
    }
    const big = new Uint8Array(randomBytes(1 << 20));
    for (let i = 0; i < 50; i++) big.set(decided, Math.floor(rand() * (big.length - decided.length)));
    cases.push([decided, big]);
    for (const [needle, hay] of cases) expect(all(new Needle(needle), hay)).toEqual(reference(needle, hay));
  });

  it('respects the from/to bounds: an occurrence must end before `to`', () => {
    const n = new Needle(Buffer.from('abc'));
    const b = Buffer.from('xxabcxxabc');
    expect(n.indexIn(b, 0, 4)).toBe(-1);
    expect(n.indexIn(b, 0, 5)).toBe(2);
    expect(n.indexIn(b, 3)).toBe(7);
    expect(n.indexIn(b, 8)).toBe(-1);
  });
});
