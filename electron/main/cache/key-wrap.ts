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
 * The AEAD (rather than RFC 3394 key wrap) binds the wrap to this cache, this key generation and
 * this recipient: a wrap copied from another cache or generation does not open.
 */
import {
  X509Certificate,
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { ArxFailure } from '../../../shared/contract';
import { DataKey, nodeAead } from './envelope';

export type RecipientKind = 'ec' | 'rsa';
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
}

/** What unwrapping needs from whoever holds the private key: the card, or a recovery key file. */
export interface Unwrapper {
  /** SHA-256 of its SubjectPublicKeyInfo, hex. */
  id: string;
  kind: RecipientKind;
  describe: string;
  /**
   * The card's own recipient (public key and label, from the certificate it presents): at unlock,
   * a wrap of it that does not hold them sealed yet (migrated from format 1) gets them.
   */
  self?: Recipient;
  /** EC: the raw ECDH shared secret with the given uncompressed point. */
  deriveSharedSecret?(point: Uint8Array): Promise<Uint8Array>;
  /** RSA: OAEP (SHA-1, MGF1-SHA-1) decryption. */
  decryptOaep?(ciphertext: Uint8Array): Promise<Uint8Array>;
}

export const spkiSha256 = (key: KeyObject) =>
  createHash('sha256')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest('hex');

function kindOf(key: KeyObject): RecipientKind {
  if (key.asymmetricKeyType === 'ec') return 'ec';
  if (key.asymmetricKeyType === 'rsa') return 'rsa';
  throw new ArxFailure(
    'CARD_KEY_UNSUPPORTED',
    `A ${key.asymmetricKeyType ?? 'unknown'} key cannot receive the cache key (EC or RSA only).`,
  );
}

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
export function recipientFromRecoveryFile(content: Buffer, file: string): Recipient {
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
  };
}

/** The recovery private key (PEM, optionally encrypted) as an Unwrapper. */
export function recoveryUnwrapper(content: Buffer, passphrase: string | null, file: string): Unwrapper {
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
  return {
    id: spkiSha256(publicKey),
    kind,
    describe: 'recovery key',
    async deriveSharedSecret(point) {
      return diffieHellman({ privateKey, publicKey: pointToKey(point, publicKey.asymmetricKeyDetails!.namedCurve!) });
    },
    async decryptOaep(ciphertext) {
      return privateDecrypt(
        { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
        ciphertext,
      );
    },
  };
}

const CURVE_JWK: Record<string, { crv: string; size: number }> = {
  prime256v1: { crv: 'P-256', size: 32 },
  secp384r1: { crv: 'P-384', size: 48 },
  secp521r1: { crv: 'P-521', size: 66 },
};

function keyToPoint(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  return Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
}

function pointToKey(point: Uint8Array, namedCurve: string): KeyObject {
  const c = CURVE_JWK[namedCurve];
  if (!c || point.length !== 1 + 2 * c.size || point[0] !== 4)
    throw new ArxFailure('CACHE_KEY_UNWRAP_FAILED', 'The key wrap holds a malformed ephemeral key.');
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

const kek = (z: Uint8Array, salt: Buffer) => Buffer.from(hkdfSync('sha256', z, salt, 'arx-cache key wrap v1', 32));

export function wrapKey(cacheId: string, key: DataKey, to: Recipient): WrapRecord {
  let z: Buffer;
  let exchange: Buffer;
  if (to.kind === 'ec') {
    const curve = to.publicKey.asymmetricKeyDetails?.namedCurve;
    if (!curve || !CURVE_JWK[curve])
      throw new ArxFailure('CARD_KEY_UNSUPPORTED', `The EC curve ${curve ?? '?'} is not supported for the cache key.`);
    const eph = generateKeyPairSync('ec', { namedCurve: curve });
    z = diffieHellman({ privateKey: eph.privateKey, publicKey: to.publicKey });
    exchange = keyToPoint(eph.publicKey);
  } else {
    z = randomBytes(32);
    exchange = publicEncrypt({ key: to.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, z);
  }
  const salt = randomBytes(32);
  const k = kek(z, salt);
  z.fill(0);
  const nonce = randomBytes(12);
  const wrapped = Buffer.concat([
    nonce,
    nodeAead.seal(k, nonce, key.bytes(), aad(cacheId, key.generation, to.id, exchange)),
  ]);
  k.fill(0);
  return { generation: key.generation, recipient: to.id, role: to.role, kind: to.kind, exchange, salt, wrapped };
}

/** Unwraps with the card or the recovery key; CACHE_KEY_UNWRAP_FAILED when the key does not open it. */
export async function unwrapKey(cacheId: string, record: WrapRecord, by: Unwrapper): Promise<DataKey> {
  let z: Uint8Array;
  if (record.kind === 'ec') {
    if (!by.deriveSharedSecret)
      throw new ArxFailure('CARD_MECHANISM_UNSUPPORTED', `The ${by.describe} cannot do ECDH.`);
    z = await by.deriveSharedSecret(record.exchange);
  } else {
    if (!by.decryptOaep)
      throw new ArxFailure('CARD_MECHANISM_UNSUPPORTED', `The ${by.describe} cannot do RSA-OAEP decryption.`);
    try {
      z = await by.decryptOaep(record.exchange);
    } catch (err) {
      if (err instanceof ArxFailure && !['CARD_ERROR'].includes(err.code)) throw err;
      throw new ArxFailure('CACHE_KEY_UNWRAP_FAILED', `The ${by.describe} could not decrypt the cache key.`, {
        recipient: record.recipient,
      });
    }
  }
  const k = kek(z, record.salt);
  z.fill(0);
  const plain = nodeAead.open(
    k,
    record.wrapped.subarray(0, 12),
    record.wrapped.subarray(12),
    aad(cacheId, record.generation, record.recipient, record.exchange),
  );
  k.fill(0);
  if (!plain || plain.length !== 32)
    throw new ArxFailure('CACHE_KEY_UNWRAP_FAILED', `The ${by.describe} does not open this cache's key.`, {
      recipient: record.recipient,
    });
  const raw = Buffer.alloc(32);
  Buffer.from(plain).copy(raw);
  plain.fill(0);
  return new DataKey(record.generation, raw);
}
