import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { describe, expect, it } from 'vitest';
import { verifyMlDsa87 } from '../../../electron/main/companion/companion-keys';

/** NIST ACVP ML-DSA-87 signature cases, pure interface (provenance, licence and scope in the file). */
const vectors = JSON.parse(readFileSync(join(__dirname, 'vectors', 'ml-dsa-87-sig-acvp.json'), 'utf8')) as {
  source: string;
  licence: string;
  blobs: Record<string, string>;
  sigGen: {
    tcId: number;
    deterministic: boolean;
    message: string;
    context: string;
    rnd?: string;
    sk: string;
    signature: string;
  }[];
  sigVer: {
    tcId: number;
    pk: string;
    message: string;
    context: string;
    signature: string;
    testPassed: boolean;
    reason: string;
  }[];
};
const b = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const hex = (x: Uint8Array) => Buffer.from(x).toString('hex').toUpperCase();
const flip = (x: Uint8Array, i: number) => {
  const y = Uint8Array.from(x);
  y[i]! ^= 1;
  return y;
};

describe('ML-DSA-87 against NIST ACVP (FIPS 204 signature generation and verification)', () => {
  it('ships its provenance and licence, and cases that must pass and cases that must fail', () => {
    expect(vectors.source).toMatch(/ACVP-Server.*975de31eb83d87039ec88934fdc47d8c312b892d/);
    expect(vectors.licence).toMatch(/[Pp]ublic domain/);
    expect(Object.keys(vectors.blobs)).toHaveLength(5);
    expect(vectors.sigGen.some((t) => t.deterministic) && vectors.sigGen.some((t) => !t.deterministic)).toBe(true);
    expect(vectors.sigVer.filter((t) => t.testPassed).length).toBeGreaterThan(0);
    expect(vectors.sigVer.filter((t) => !t.testPassed).length).toBeGreaterThan(2);
  });

  for (const t of vectors.sigGen) {
    const kind = t.deterministic ? 'deterministic' : 'hedged, with its rnd';
    it(`sigGen tcId ${t.tcId} (${kind}, ${t.context.length / 2}-byte context): NIST's signature, byte for byte`, () => {
      const sk = b(t.sk);
      const opts = { context: b(t.context), extraEntropy: t.rnd ? b(t.rnd) : (false as const) };
      const sig = ml_dsa87.sign(b(t.message), sk, opts);
      expect(sig).toHaveLength(4627);
      expect(hex(sig)).toBe(t.signature);
      const pk = ml_dsa87.getPublicKey(sk);
      expect(ml_dsa87.verify(sig, b(t.message), pk, { context: b(t.context) })).toBe(true);
      // The verifier the product uses (pure, empty context) agrees exactly where the context is empty.
      expect(verifyMlDsa87(pk, b(t.message), sig)).toBe(t.context === '');
      // Another rnd, or another message, gives another signature: the vector is not matched by accident.
      const other = t.rnd ? { ...opts, extraEntropy: flip(b(t.rnd), 0) } : opts;
      const msg2 = t.rnd ? b(t.message) : flip(b(t.message), 0);
      expect(hex(ml_dsa87.sign(msg2, sk, other))).not.toBe(t.signature);
    });
  }

  for (const t of vectors.sigVer) {
    const verdict = t.testPassed ? 'verifies' : 'is refused';
    it(`sigVer tcId ${t.tcId} ${verdict} (${t.reason})`, () => {
      const ctx = { context: b(t.context) };
      expect(ml_dsa87.verify(b(t.signature), b(t.message), b(t.pk), ctx)).toBe(t.testPassed);
      // The product's verifier has no context: with one, even a valid signature must not verify.
      if (t.context !== '') expect(verifyMlDsa87(b(t.pk), b(t.message), b(t.signature))).toBe(false);
      if (t.testPassed) {
        // A valid case stops verifying under a flipped bit in the signature, the message or the context.
        expect(ml_dsa87.verify(flip(b(t.signature), 100), b(t.message), b(t.pk), ctx)).toBe(false);
        expect(ml_dsa87.verify(b(t.signature), flip(b(t.message), 0), b(t.pk), ctx)).toBe(false);
        if (t.context !== '')
          expect(ml_dsa87.verify(b(t.signature), b(t.message), b(t.pk), { context: flip(b(t.context), 0) })).toBe(
            false,
          );
      }
    });
  }
});
