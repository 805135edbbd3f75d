import { constants, createHash, generateKeyPairSync, publicDecrypt, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { digestInfo, ecdsaRawToDer } from '../../../electron/main/card/signature-encoding';

describe('ECDSA r‖s to DER', () => {
  for (const [curve, nodeCurve] of [
    ['P-256', 'prime256v1'],
    ['P-384', 'secp384r1'],
  ] as const) {
    it(`${curve}: the DER form verifies where the raw form does`, () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: nodeCurve });
      const msg = Buffer.from('statement');
      const raw = sign('sha256', msg, { key: privateKey, dsaEncoding: 'ieee-p1363' });
      const der = ecdsaRawToDer(curve, raw);
      expect(der[0]).toBe(0x30);
      expect(verify('sha256', msg, publicKey, der)).toBe(true);
      const flipped = Buffer.from(der);
      flipped[flipped.length - 1]! ^= 1;
      expect(verify('sha256', msg, publicKey, flipped)).toBe(false);
    });
  }

  it('refuses a value of the wrong length', () => {
    expect(() => ecdsaRawToDer('P-256', new Uint8Array(63))).toThrow(/63 bytes/);
  });
});

describe('DigestInfo for CKM_RSA_PKCS', () => {
  it('matches what RSASSA-PKCS1-v1_5 with SHA-256 signs', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const msg = Buffer.from('statement');
    const sig = sign('sha256', msg, privateKey);
    const di = digestInfo(createHash('sha256').update(msg).digest());
    // The RSA public operation with PKCS#1 v1.5 type 1 padding recovers exactly the DigestInfo.
    expect(Buffer.from(publicDecrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, sig))).toEqual(
      Buffer.from(di),
    );
  });

  it('refuses a digest of a length no SHA-2 hash has', () => {
    expect(() => digestInfo(new Uint8Array(20))).toThrow(/32, 48 or 64/);
  });
});
