import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ml_kem1024 } from '@noble/post-quantum/ml-kem.js';
import { describe, expect, it } from 'vitest';
import { encapsulate } from '../../../electron/main/crypto/hybrid-kem';

/** A subset of NIST's ACVP vectors for ML-KEM-1024 (provenance, licence and scope in the file). */
const vectors = JSON.parse(readFileSync(join(__dirname, 'vectors', 'ml-kem-1024-acvp.json'), 'utf8')) as {
  source: string;
  licence: string;
  tests: { tcId: number; ek: string; m: string; c: string; k: string }[];
};
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();

describe('ML-KEM-1024 against NIST ACVP (FIPS 203 encapsulation)', () => {
  it('ships its provenance and licence', () => {
    expect(vectors.source).toMatch(/ACVP-Server/);
    expect(vectors.licence).toMatch(/[Pp]ublic domain/);
    expect(vectors.tests.length).toBeGreaterThan(0);
  });

  for (const t of vectors.tests) {
    it(`tcId ${t.tcId}: ek and the message m give NIST's ciphertext and shared secret`, () => {
      const r = ml_kem1024.encapsulate(Buffer.from(t.ek, 'hex'), Buffer.from(t.m, 'hex'));
      expect(hex(r.cipherText)).toBe(t.c);
      expect(hex(r.sharedSecret)).toBe(t.k);
      // The wrapper the product uses accepts NIST's key (FIPS 203 §7.2 input check) and encapsulates to it.
      expect(encapsulate(Buffer.from(t.ek, 'hex')).ciphertext.length).toBe(1568);
      // A different message gives a different ciphertext: the vector is not matched by accident.
      const m2 = Buffer.from(t.m, 'hex');
      m2[0]! ^= 1;
      expect(hex(ml_kem1024.encapsulate(Buffer.from(t.ek, 'hex'), m2).cipherText)).not.toBe(t.c);
    });
  }
});
