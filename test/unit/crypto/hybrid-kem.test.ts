import {
  constants,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  privateDecrypt,
  type KeyObject,
} from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { shake256 } from '@noble/hashes/sha3.js';
import { createKitchenSink } from '@noble/post-quantum/hybrid.js';
import { describe, expect, it } from 'vitest';
import {
  combineSecrets,
  decapsulate,
  generateMlKemKey,
  mlKemFromPkcs8,
  mlKemFromSpki,
  mlKemPkcs8,
  mlKemSpki,
  type MlKemKeyPair,
} from '../../../electron/main/crypto/hybrid-kem';
import { openWithKey, pointToKey, sealToKey, type KeyUnwrapper } from '../../../electron/main/crypto/recipient-wrap';

/** A component KEM with fixed outputs, so noble's KitchenSink computes its combiner over known values. */
function fixedKem(tag: number, pkLen: number, ctLen: number) {
  const pk = new Uint8Array(pkLen).fill(tag);
  const ct = new Uint8Array(ctLen).fill(tag + 1);
  const ss = new Uint8Array(32).fill(tag + 2);
  return {
    values: { pk, ct, ss },
    kem: {
      lengths: { seed: 32, publicKey: pkLen, secretKey: 32, cipherText: ctLen, msg: 32 },
      keygen: () => ({ secretKey: new Uint8Array(32), publicKey: pk.slice() }),
      getPublicKey: () => pk.slice(),
      encapsulate: () => ({ cipherText: ct.slice(), sharedSecret: ss.slice() }),
      decapsulate: () => ss.slice(),
    },
  };
}

function holder(kind: 'ec' | 'rsa', pq: MlKemKeyPair | null): { publicKey: KeyObject; by: KeyUnwrapper } {
  const pair =
    kind === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'secp384r1' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const by: KeyUnwrapper = {
    kind,
    describe: 'test key',
    publicKey: pair.publicKey,
    async deriveSharedSecret(point) {
      return diffieHellman({ privateKey: pair.privateKey, publicKey: pointToKey(point, 'secp384r1', 'X') });
    },
    async decryptOaep(c) {
      return privateDecrypt({ key: pair.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, c);
    },
  };
  if (pq) by.pq = { encapsulationKey: pq.encapsulationKey, decapsulate: async (ct) => decapsulate(ct, pq.seed) };
  return { publicKey: pair.publicKey, by };
}

const ctx = {
  info: 'test wrap',
  aad: (e: Buffer) => Buffer.concat([Buffer.from('aad\0'), e]),
  failureCode: 'TEST_FAIL',
};
const secret = Buffer.alloc(32, 0x5a);

describe('hybrid KEM combiner', () => {
  it('is the KitchenSink combiner of draft-irtf-cfrg-hybrid-kems as @noble/post-quantum computes it', () => {
    const pq = fixedKem(1, 1568, 1568);
    const t = fixedKem(7, 97, 97);
    const ks = createKitchenSink('arx test label', pq.kem as never, t.kem as never, shake256, sha256);
    const theirs = ks.encapsulate(ks.keygen(new Uint8Array(32)).publicKey, new Uint8Array(64)).sharedSecret;
    const ours = combineSecrets({
      ssPq: pq.values.ss,
      ssT: t.values.ss,
      ctPq: pq.values.ct,
      ekPq: pq.values.pk,
      ctT: t.values.ct,
      ekT: t.values.pk,
      label: 'arx test label',
    });
    expect(ours.toString('hex')).toBe(Buffer.from(theirs).toString('hex'));
  });

  it('binds every input: changing any one changes the secret', () => {
    const base = {
      ssPq: new Uint8Array(32).fill(1),
      ssT: new Uint8Array(48).fill(2),
      ctPq: new Uint8Array(1568).fill(3),
      ekPq: new Uint8Array(1568).fill(4),
      ctT: new Uint8Array(97).fill(5),
      ekT: new Uint8Array(97).fill(6),
    };
    const ref = combineSecrets(base).toString('hex');
    for (const k of Object.keys(base) as (keyof typeof base)[]) {
      const changed = { ...base, [k]: Uint8Array.from(base[k]) };
      changed[k][0]! ^= 1;
      expect(combineSecrets(changed).toString('hex'), k).not.toBe(ref);
    }
  });

  it('encodes ML-KEM-1024 keys as SPKI and seed-form PKCS#8 and reads them back', () => {
    const k = generateMlKemKey();
    expect(Buffer.from(mlKemFromSpki(mlKemSpki(k.encapsulationKey))!)).toEqual(Buffer.from(k.encapsulationKey));
    expect(Buffer.from(mlKemFromPkcs8(mlKemPkcs8(k.seed))!)).toEqual(Buffer.from(k.seed));
    // An EC SPKI is not taken for an ML-KEM key.
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({
      type: 'spki',
      format: 'der',
    });
    expect(mlKemFromSpki(ec)).toBeNull();
    expect(createPublicKey({ key: ec, format: 'der', type: 'spki' }).asymmetricKeyType).toBe('ec');
  });
});

describe('hybrid recipient wrap', () => {
  for (const kind of ['ec', 'rsa'] as const) {
    it(`${kind}: opens with both halves, fails when either half is wrong`, async () => {
      const pq = generateMlKemKey();
      const h = holder(kind, pq);
      const s = sealToKey(h.publicKey, secret, ctx, 'a test', pq.encapsulationKey);
      expect(s.pqCiphertext?.length).toBe(1568);
      expect(await openWithKey(s, h.by, ctx)).toEqual(secret);

      // The ML-KEM part wrong: another ML-KEM key with the right classical key.
      const otherPq = generateMlKemKey();
      const wrongPq = {
        ...h.by,
        pq: {
          encapsulationKey: pq.encapsulationKey,
          decapsulate: async (ct: Uint8Array) => decapsulate(ct, otherPq.seed),
        },
      };
      expect(await openWithKey(s, wrongPq, ctx)).toBeNull();
      // The ECDH/OAEP part wrong: another classical key holding the right ML-KEM key.
      const other = holder(kind, pq);
      const wrongT = openWithKey(s, { ...other.by, publicKey: h.publicKey }, ctx);
      if (kind === 'ec') expect(await wrongT).toBeNull();
      else await expect(wrongT).rejects.toMatchObject({ code: 'TEST_FAIL' });
      // A flipped bit in the ML-KEM ciphertext (implicit rejection: another secret).
      const flipped = { ...s, pqCiphertext: Buffer.from(s.pqCiphertext!) };
      flipped.pqCiphertext[100]! ^= 1;
      expect(await openWithKey(flipped, h.by, ctx)).toBeNull();
      // A holder without an ML-KEM key cannot open a hybrid wrap.
      const classical = { ...h.by };
      delete classical.pq;
      await expect(openWithKey(s, classical, ctx)).rejects.toMatchObject({ code: 'TEST_FAIL' });
    });
  }

  it('a classical-only wrap still opens, with or without an ML-KEM key at hand', async () => {
    const pq = generateMlKemKey();
    const h = holder('ec', pq);
    const s = sealToKey(h.publicKey, secret, ctx);
    expect(s.pqCiphertext).toBeUndefined();
    expect(await openWithKey(s, h.by, ctx)).toEqual(secret);
  });
});
