/**
 * Sealing a secret to a public key whose private half lives on a card (PIV 9D) or in a recovery
 * key file: the cache's data key and an operator's database password both use it.
 *
 *   EC recipient:  a fresh ephemeral key on the recipient's curve; Z = ECDH(ephemeral, recipient) —
 *                  on the card C_DeriveKey CKM_ECDH1_DERIVE, CKD_NULL, which returns the raw
 *                  x-coordinate, as node:crypto's diffieHellman does. exchange = the ephemeral point.
 *   RSA recipient: Z = 32 random bytes; exchange = RSA-OAEP(SHA-1, MGF1-SHA-1)(Z) — on the card
 *                  C_Decrypt CKM_RSA_PKCS_OAEP. SHA-1 is the OAEP hash every PKCS#11 module supports
 *                  (SoftHSM2 2.6 accepts no other); OAEP needs no collision resistance, Z only feeds HKDF.
 *
 *   Hybrid (when the recipient also has an ML-KEM-1024 key): (ct_PQ, ss_PQ) = ML-KEM.Encaps(ek_PQ)
 *                  and Z becomes combineSecrets(ss_PQ, Z, ct_PQ, ek_PQ, exchange, ek_T) (hybrid-kem.ts),
 *                  ek_T the recipient's point (EC) or SubjectPublicKeyInfo DER (RSA).
 *
 *   KEK = HKDF-SHA-256(ikm Z, salt 32 random bytes, info)
 *   sealed = nonce(12) ‖ AES-256-GCM(KEK, nonce, secret, aad(exchange))
 *
 * `info` names the use (so a wrap of one kind never opens as another) and `aad` binds the wrap to
 * what it is for: each caller defines both.
 */
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHash,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  publicEncrypt,
  randomBytes,
  createPublicKey,
  type KeyObject,
} from 'node:crypto';
import { ArxFailure } from '../../../shared/contract';
import { combineSecrets, encapsulate } from './hybrid-kem';

export type RecipientKind = 'ec' | 'rsa';

/** What unwrapping needs from whoever holds the private key: the card, or a recovery key file. */
export interface KeyUnwrapper {
  kind: RecipientKind;
  /** Named in messages: "card", "recovery key". */
  describe: string;
  /** EC: the raw ECDH shared secret with the given uncompressed point. */
  deriveSharedSecret?(point: Uint8Array): Promise<Uint8Array>;
  /** RSA: OAEP (SHA-1, MGF1-SHA-1) decryption. */
  decryptOaep?(ciphertext: Uint8Array): Promise<Uint8Array>;
  /** The classical public key: a hybrid wrap binds it into the combiner. */
  publicKey?: KeyObject;
  /** The ML-KEM-1024 half, when this holder has one (opens hybrid wraps). */
  pq?: PqUnwrapper;
}

export interface PqUnwrapper {
  encapsulationKey: Uint8Array;
  decapsulate(ciphertext: Uint8Array): Promise<Uint8Array>;
}

export interface SealedSecret {
  kind: RecipientKind;
  /** EC: the ephemeral public key (uncompressed point). RSA: the OAEP ciphertext of Z. */
  exchange: Buffer;
  salt: Buffer;
  /** nonce ‖ ciphertext ‖ GCM tag */
  sealed: Buffer;
  /** Hybrid wraps: the ML-KEM-1024 ciphertext. */
  pqCiphertext?: Buffer;
}

export interface SealContext {
  info: string;
  aad: (exchange: Buffer) => Buffer;
  /** The code of every failure to open (a wrong key, a malformed exchange). */
  failureCode: string;
}

export const spkiSha256 = (key: KeyObject) =>
  createHash('sha256')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest('hex');

export function recipientKind(key: KeyObject, what = 'the cache key'): RecipientKind {
  if (key.asymmetricKeyType === 'ec') return 'ec';
  if (key.asymmetricKeyType === 'rsa') return 'rsa';
  throw new ArxFailure(
    'CARD_KEY_UNSUPPORTED',
    `A ${key.asymmetricKeyType ?? 'unknown'} key cannot receive ${what} (EC or RSA only).`,
  );
}

const CURVE_JWK: Record<string, { crv: string; size: number }> = {
  prime256v1: { crv: 'P-256', size: 32 },
  secp384r1: { crv: 'P-384', size: 48 },
  secp521r1: { crv: 'P-521', size: 66 },
};

export function keyToPoint(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  return Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
}

/** The public key of an uncompressed point on `namedCurve`; `failureCode` when it is malformed. */
export function pointToKey(point: Uint8Array, namedCurve: string, failureCode: string): KeyObject {
  const c = CURVE_JWK[namedCurve];
  if (!c || point.length !== 1 + 2 * c.size || point[0] !== 4)
    throw new ArxFailure(failureCode, 'The key wrap holds a malformed ephemeral key.');
  const b = Buffer.from(point);
  return createPublicKey({
    key: {
      kty: 'EC',
      crv: c.crv,
      x: b.subarray(1, 1 + c.size).toString('base64url'),
      y: b.subarray(1 + c.size).toString('base64url'),
    },
    format: 'jwk',
  });
}

const kek = (z: Uint8Array, salt: Buffer, info: string) => Buffer.from(hkdfSync('sha256', z, salt, info, 32));

/** ek_T of the combiner: the recipient's uncompressed point (EC) or its SubjectPublicKeyInfo DER (RSA). */
export const classicalEncapsulationKey = (key: KeyObject): Buffer =>
  key.asymmetricKeyType === 'ec' ? keyToPoint(key) : key.export({ type: 'spki', format: 'der' });

/**
 * Seals `secret` to `publicKey` (only the public key is needed: an administrator can wrap without
 * the card); with `pqKey` (an ML-KEM-1024 encapsulation key) the wrap is hybrid.
 */
export function sealToKey(
  publicKey: KeyObject,
  secret: Uint8Array,
  ctx: Omit<SealContext, 'failureCode'>,
  what?: string,
  pqKey?: Uint8Array,
): SealedSecret {
  const kind = recipientKind(publicKey, what);
  let z: Buffer;
  let exchange: Buffer;
  if (kind === 'ec') {
    const curve = publicKey.asymmetricKeyDetails?.namedCurve;
    if (!curve || !CURVE_JWK[curve])
      throw new ArxFailure(
        'CARD_KEY_UNSUPPORTED',
        `The EC curve ${curve ?? '?'} is not supported for ${what ?? 'the cache key'}.`,
      );
    const eph = generateKeyPairSync('ec', { namedCurve: curve });
    z = diffieHellman({ privateKey: eph.privateKey, publicKey });
    exchange = keyToPoint(eph.publicKey);
  } else {
    z = randomBytes(32);
    exchange = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, z);
  }
  let pqCiphertext: Buffer | undefined;
  if (pqKey) {
    const e = encapsulate(pqKey);
    pqCiphertext = Buffer.from(e.ciphertext);
    const ekT = classicalEncapsulationKey(publicKey);
    const combined = combineSecrets({
      ssPq: e.sharedSecret,
      ssT: z,
      ctPq: pqCiphertext,
      ekPq: pqKey,
      ctT: exchange,
      ekT,
    });
    e.sharedSecret.fill(0);
    z.fill(0);
    z = combined;
  }
  const salt = randomBytes(32);
  const k = kek(z, salt, ctx.info);
  z.fill(0);
  const nonce = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', k, nonce, { authTagLength: 16 });
  c.setAAD(ctx.aad(exchange));
  const sealed = Buffer.concat([nonce, c.update(secret), c.final(), c.getAuthTag()]);
  k.fill(0);
  return pqCiphertext ? { kind, exchange, salt, sealed, pqCiphertext } : { kind, exchange, salt, sealed };
}

/**
 * Opens a sealed secret with the card or a recovery key: the secret, or null when the key derives
 * but the AEAD does not open (another key, another binding). A card that cannot decrypt the OAEP
 * blob fails with `failureCode`; a missing mechanism with CARD_MECHANISM_UNSUPPORTED.
 */
export async function openWithKey(s: SealedSecret, by: KeyUnwrapper, ctx: SealContext): Promise<Buffer | null> {
  let z: Uint8Array;
  if (s.kind === 'ec') {
    if (!by.deriveSharedSecret)
      throw new ArxFailure('CARD_MECHANISM_UNSUPPORTED', `The ${by.describe} cannot do ECDH.`);
    z = await by.deriveSharedSecret(s.exchange);
  } else {
    if (!by.decryptOaep)
      throw new ArxFailure('CARD_MECHANISM_UNSUPPORTED', `The ${by.describe} cannot do RSA-OAEP decryption.`);
    try {
      z = await by.decryptOaep(s.exchange);
    } catch (err) {
      if (err instanceof ArxFailure && err.code !== 'CARD_ERROR') throw err;
      throw new ArxFailure(ctx.failureCode, `The ${by.describe} could not decrypt the key wrap.`);
    }
  }
  if (s.pqCiphertext) z = await combineWithPq(s, by, z, ctx.failureCode);
  const k = kek(z, s.salt, ctx.info);
  z.fill(0);
  if (s.sealed.length < 12 + 16) return null;
  try {
    const d = createDecipheriv('aes-256-gcm', k, s.sealed.subarray(0, 12), { authTagLength: 16 });
    d.setAAD(ctx.aad(s.exchange));
    d.setAuthTag(s.sealed.subarray(s.sealed.length - 16));
    return Buffer.concat([d.update(s.sealed.subarray(12, s.sealed.length - 16)), d.final()]);
  } catch {
    return null;
  } finally {
    k.fill(0);
  }
}

/** The hybrid half of opening: ML-KEM decapsulation on the holder's side, then the combiner. */
async function combineWithPq(s: SealedSecret, by: KeyUnwrapper, z: Uint8Array, failureCode: string): Promise<Buffer> {
  if (!by.pq || !by.publicKey) {
    z.fill(0);
    throw new ArxFailure(
      failureCode,
      `The key wrap is hybrid and the ${by.describe} has no ML-KEM-1024 key to open it.`,
    );
  }
  const ssPq = await by.pq.decapsulate(s.pqCiphertext!);
  const combined = combineSecrets({
    ssPq,
    ssT: z,
    ctPq: s.pqCiphertext!,
    ekPq: by.pq.encapsulationKey,
    ctT: s.exchange,
    ekT: classicalEncapsulationKey(by.publicKey),
  });
  ssPq.fill(0);
  z.fill(0);
  return combined;
}
