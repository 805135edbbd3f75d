/**
 * Wrapping the cache's data key to public keys (docs/cache.md, "Key wrapping").
 *
 *   EC recipient  (card 9D key, or an EC recovery key): a fresh ephemeral key on the recipient's
 *                 curve; Z = ECDH(ephemeral, recipient) — on the card: C_DeriveKey CKM_ECDH1_DERIVE,
 *                 CKD_NULL, which returns the raw x-coordinate, as node:crypto's diffieHellman does.
 *   RSA recipient (card 9D key, or an RSA recovery key): Z = 32 random bytes, sent as
 *                 RSA-OAEP(SHA-1, MGF1-SHA-1) to the recipient — on the card: C_Decrypt CKM_RSA_PKCS_OAEP.
 *                 SHA-1 is the OAEP hash every PKCS#11 module supports (SoftHSM2 2.6 accepts no other);
 *                 OAEP needs no collision resistance, and Z only feeds HKDF.
 *
 *   KEK = HKDF-SHA-256(ikm Z, salt 32 random bytes, info "arx-cache key wrap v1")
 *   wrapped = nonce(12) ‖ AES-256-GCM(KEK, nonce, data key, aad = cacheId ‖ generation ‖ recipient ‖ ephemeral/OAEP blob)
 *
 * The sealing itself is crypto/recipient-wrap.ts, shared with the operators' database credentials.
 *
 * The AEAD (rather than RFC 3394 key wrap) binds the wrap to this cache, this key generation and
 * this recipient: a wrap copied from another cache or generation does not open.
 */
import {
  X509Certificate,
  constants,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  privateDecrypt,
  type KeyObject,
} from 'node:crypto';
import { ArxFailure } from '../../../shared/contract';
import {
  openWithKey,
  pointToKey,
  recipientKind,
  sealToKey,
  spkiSha256,
  type KeyUnwrapper,
  type RecipientKind,
} from '../crypto/recipient-wrap';
import { decapsulate, generateMlKemKey, splitMlKemPem } from '../crypto/hybrid-kem';
import { DataKey } from './envelope';

export { spkiSha256, type RecipientKind };

export type RecipientRole = 'card' | 'recovery';

export interface Recipient {
  role: RecipientRole;
  kind: RecipientKind;
  /**
   * Who it is, for the unlocked user: a card's certificate subject CN (for a CAC: name and EDIPI),
   * or "organisation recovery key". Never stored in clear (docs/cache.md, "Key wraps").
   */
  label: string;
  /** SHA-256 of the SubjectPublicKeyInfo (DER), hex. */
  id: string;
  publicKey: KeyObject;
  /** The recovery key's ML-KEM-1024 encapsulation key, when it has one: its wraps are hybrid. */
  pq?: Uint8Array | null;
}

/**
 * A recipient as the unlocked cache knows it: a card wrap migrated from format 1 has lost its
 * label and public key until that card opens the cache again (publicKey null, label by fingerprint).
 */
export interface StoredRecipient extends Omit<Recipient, 'publicKey'> {
  publicKey: KeyObject | null;
}

/** The label of a card whose certificate the cache does not know (yet): its key fingerprint. */
export const fingerprintLabel = (id: string) => `key ${id.slice(0, 16)}…`;

/** What is sealed about a card recipient (key_wraps.about_cell): its label and public key. */
export function aboutRecipient(r: Recipient): Buffer {
  return Buffer.from(
    JSON.stringify({
      v: 1,
      label: r.label,
      spki: r.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    }),
    'utf8',
  );
}

/** Reads a sealed about cell back; the public key must hash to the wrap's recipient id. */
export function recipientFromAbout(
  plain: Buffer,
  w: { role: RecipientRole; kind: RecipientKind; recipient: string },
): StoredRecipient {
  let about: { label?: unknown; spki?: unknown };
  try {
    about = JSON.parse(plain.toString('utf8')) as typeof about;
  } finally {
    plain.fill(0);
  }
  const publicKey =
    typeof about.spki === 'string'
      ? createPublicKey({ key: Buffer.from(about.spki, 'base64'), format: 'der', type: 'spki' })
      : null;
  if (!publicKey || spkiSha256(publicKey) !== w.recipient || typeof about.label !== 'string') {
    throw new ArxFailure('CACHE_VALUE_MISPLACED', 'A key wrap describes another key than the one it is wrapped to.', {
      recipient: w.recipient,
    });
  }
  return { role: w.role, kind: w.kind, label: about.label, id: w.recipient, publicKey };
}

export interface WrapRecord {
  generation: number;
  recipient: string;
  role: RecipientRole;
  kind: RecipientKind;
  /** EC: the ephemeral public key (uncompressed point). RSA: the OAEP ciphertext of Z. */
  exchange: Buffer;
  salt: Buffer;
  wrapped: Buffer;
  /** Hybrid wraps (a recovery key with an ML-KEM-1024 key): the ML-KEM ciphertext; null for classical ones. */
  pq_ciphertext?: Buffer | null;
}

/** The card or a recovery key, as the cache knows it. */
export interface Unwrapper extends KeyUnwrapper {
  /** SHA-256 of its SubjectPublicKeyInfo, hex. */
  id: string;
  /**
   * The card's own recipient (public key and label, from the certificate it presents): at unlock,
   * a wrap of it that does not hold them sealed yet (migrated from format 1) gets them.
   */
  self?: Recipient;
}

const kindOf = (key: KeyObject) => recipientKind(key);

export function recipientFromCertificate(der: Uint8Array, role: RecipientRole): Recipient {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch {
    throw new ArxFailure('CARD_CERT_INVALID', 'The Key Management certificate cannot be parsed.');
  }
  const publicKey = cert.publicKey;
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1] ?? cert.subject;
  return { role, kind: kindOf(publicKey), label: cn, id: spkiSha256(publicKey), publicKey };
}

/** The organisation recovery key from a PEM/DER public key or certificate file's content. */
export function recipientFromRecoveryFile(fileContent: Buffer, file: string): Recipient {
  const { classical: content, mlKem } = splitMlKemPem(fileContent, 'public');
  let publicKey: KeyObject;
  try {
    publicKey = content.includes('-----BEGIN CERTIFICATE-----')
      ? new X509Certificate(content).publicKey
      : createPublicKey(content.includes('-----BEGIN') ? content : { key: content, format: 'der', type: 'spki' });
  } catch {
    throw new ArxFailure(
      'CACHE_RECOVERY_KEY_INVALID',
      `The recovery public key ${file} is not a PEM/DER public key or certificate.`,
      { file },
    );
  }
  return {
    role: 'recovery',
    kind: kindOf(publicKey),
    label: 'organisation recovery key',
    id: spkiSha256(publicKey),
    publicKey,
    pq: mlKem,
  };
}

/** The recovery private key (PEM, optionally encrypted; optionally with an ML-KEM-1024 seed) as an Unwrapper. */
export function recoveryUnwrapper(fileContent: Buffer, passphrase: string | null, file: string): Unwrapper {
  const { classical: content, mlKem: seed } = splitMlKemPem(fileContent, 'private');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(passphrase === null ? content : { key: content, passphrase });
  } catch {
    throw new ArxFailure(
      'CACHE_RECOVERY_KEY_INVALID',
      `The recovery private key ${file} cannot be read (wrong file or passphrase).`,
      { file },
    );
  }
  const publicKey = createPublicKey(privateKey);
  const kind = kindOf(publicKey);
  const pq = seed
    ? {
        encapsulationKey: generateMlKemKey(seed).encapsulationKey,
        decapsulate: async (ct: Uint8Array) => decapsulate(ct, seed),
      }
    : null;
  return {
    id: spkiSha256(publicKey),
    kind,
    describe: 'recovery key',
    publicKey,
    ...(pq ? { pq } : {}),
    async deriveSharedSecret(point) {
      return diffieHellman({
        privateKey,
        publicKey: pointToKey(point, publicKey.asymmetricKeyDetails!.namedCurve!, 'CACHE_KEY_UNWRAP_FAILED'),
      });
    },
    async decryptOaep(ciphertext) {
      return privateDecrypt(
        { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
        ciphertext,
      );
    },
  };
}

function aad(cacheId: string, generation: number, recipient: string, exchange: Buffer): Buffer {
  const g = Buffer.alloc(4);
  g.writeUInt32BE(generation);
  return Buffer.concat([
    Buffer.from(`arx-cache key wrap v1\0${cacheId}\0`),
    g,
    Buffer.from(`\0${recipient}\0`),
    exchange,
  ]);
}

const INFO = 'arx-cache key wrap v1';

export function wrapKey(cacheId: string, key: DataKey, to: Recipient): WrapRecord {
  const s = sealToKey(
    to.publicKey,
    key.bytes(),
    { info: INFO, aad: (exchange) => aad(cacheId, key.generation, to.id, exchange) },
    undefined,
    to.pq ?? undefined,
  );
  return {
    generation: key.generation,
    recipient: to.id,
    role: to.role,
    kind: s.kind,
    exchange: s.exchange,
    salt: s.salt,
    wrapped: s.sealed,
    pq_ciphertext: s.pqCiphertext ?? null,
  };
}

/** Unwraps with the card or the recovery key; CACHE_KEY_UNWRAP_FAILED when the key does not open it. */
export async function unwrapKey(cacheId: string, record: WrapRecord, by: Unwrapper): Promise<DataKey> {
  const sealed = {
    kind: record.kind,
    exchange: record.exchange,
    salt: record.salt,
    sealed: record.wrapped,
    ...(record.pq_ciphertext ? { pqCiphertext: record.pq_ciphertext } : {}),
  };
  let plain: Buffer | null;
  try {
    plain = await openWithKey(sealed, by, {
      info: INFO,
      aad: (exchange) => aad(cacheId, record.generation, record.recipient, exchange),
      failureCode: 'CACHE_KEY_UNWRAP_FAILED',
    });
  } catch (err) {
    if (err instanceof ArxFailure && err.code === 'CACHE_KEY_UNWRAP_FAILED')
      throw new ArxFailure(err.code, `The ${by.describe} could not decrypt the cache key.`, {
        recipient: record.recipient,
      });
    throw err;
  }
  if (!plain || plain.length !== 32) {
    plain?.fill(0);
    throw new ArxFailure('CACHE_KEY_UNWRAP_FAILED', `The ${by.describe} does not open this cache's key.`, {
      recipient: record.recipient,
    });
  }
  const raw = Buffer.alloc(32);
  plain.copy(raw);
  plain.fill(0);
  return new DataKey(record.generation, raw);
}
