import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { describe, expect, it } from 'vitest';
import { CompanionKeys, verifyMlDsa87 } from '../../../electron/main/companion/companion-keys';

/** A subset of NIST's ACVP vectors for ML-DSA-87 key generation (provenance, licence and scope in the file). */
const vectors = JSON.parse(readFileSync(join(__dirname, 'vectors', 'ml-dsa-87-acvp.json'), 'utf8')) as {
  source: string;
  licence: string;
  tests: { tcId: number; seed: string; pk: string; skPrefix: string }[];
};
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();

describe('ML-DSA-87 against NIST ACVP (FIPS 204 key generation)', () => {
  it('ships its provenance and licence', () => {
    expect(vectors.source).toMatch(/ACVP-Server/);
    expect(vectors.licence).toMatch(/[Pp]ublic domain/);
    expect(vectors.tests.length).toBeGreaterThan(0);
  });

  for (const t of vectors.tests) {
    it(`tcId ${t.tcId}: the seed ξ gives NIST's public key and secret key`, () => {
      const kp = ml_dsa87.keygen(Buffer.from(t.seed, 'hex'));
      expect(hex(kp.publicKey)).toBe(t.pk);
      expect(kp.secretKey).toHaveLength(4896);
      expect(hex(kp.secretKey).startsWith(t.skPrefix)).toBe(true);
      // The companion key derives its ML-DSA-87 pair the same way, from the seed's second half.
      const keys = new CompanionKeys(Buffer.concat([Buffer.alloc(32), Buffer.from(t.seed, 'hex')]));
      expect(hex(keys.mlDsa87Public)).toBe(t.pk);
      const sig = keys.signMlDsa87(new TextEncoder().encode('ACVP'));
      expect(verifyMlDsa87(Buffer.from(t.pk, 'hex'), new TextEncoder().encode('ACVP'), sig)).toBe(true);
      // Another seed gives another key: the vector is not matched by accident.
      const s2 = Buffer.from(t.seed, 'hex');
      s2[0]! ^= 1;
      expect(hex(ml_dsa87.keygen(s2).publicKey)).not.toBe(t.pk);
    });
  }
});
