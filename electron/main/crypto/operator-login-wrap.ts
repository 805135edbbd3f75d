/**
 * An operator's database password, wrapped to their card's key-management key (PIV 9D) with the
 * cache's sealing (recipient-wrap.ts). Stored in arx.operator_logins.wrap as
 *
 *   0x01 ‖ kind (0x01 EC, 0x02 RSA) ‖ u16be exchange length ‖ exchange ‖ salt (32) ‖ nonce (12) ‖ ciphertext ‖ tag (16)
 *
 * HKDF info "arx operator login wrap v1"; the AEAD's associated data is that info, the login role
 * and the SHA-256 of the recipient's SubjectPublicKeyInfo, then the exchange: a wrap copied to
 * another role or made for another key does not open.
 */
import { X509Certificate, createHash, randomBytes } from 'node:crypto';
import { ArxFailure } from '../../../shared/contract';
import { openWithKey, sealToKey, spkiSha256, type KeyUnwrapper, type SealedSecret } from './recipient-wrap';
import { scramSha256Verifier } from './scram';

const INFO = 'arx operator login wrap v1';
const VERSION = 1;
const FAILED = 'OPERATOR_LOGIN_UNWRAP_FAILED';

const aad = (dbRole: string, spki: string) => (exchange: Buffer) =>
  Buffer.concat([Buffer.from(`${INFO}\0${dbRole}\0${spki}\0`), exchange]);

function keyManagementKey(certificateDer: Uint8Array) {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certificateDer);
  } catch {
    throw new ArxFailure('CARD_CERT_INVALID', 'The Key Management certificate cannot be parsed.');
  }
  return { publicKey: cert.publicKey, spki: spkiSha256(cert.publicKey) };
}

/** SHA-256 of a key-management certificate's DER: what arx.operator_logins.wrap_key_sha256 records. */
export const keyManagementCertificateSha256 = (der: Uint8Array): Uint8Array =>
  new Uint8Array(createHash('sha256').update(der).digest());

function encode(s: SealedSecret): Uint8Array {
  const head = Buffer.alloc(4);
  head[0] = VERSION;
  head[1] = s.kind === 'ec' ? 1 : 2;
  head.writeUInt16BE(s.exchange.length, 2);
  return new Uint8Array(Buffer.concat([head, s.exchange, s.salt, s.sealed]));
}

function decode(wrap: Uint8Array): SealedSecret {
  const b = Buffer.from(wrap);
  const bad = () => new ArxFailure(FAILED, 'The wrapped database credential is malformed.');
  if (b.length < 4 || b[0] !== VERSION || (b[1] !== 1 && b[1] !== 2)) throw bad();
  const n = b.readUInt16BE(2);
  if (b.length < 4 + n + 32 + 12 + 16) throw bad();
  return {
    kind: b[1] === 1 ? 'ec' : 'rsa',
    exchange: b.subarray(4, 4 + n),
    salt: b.subarray(4 + n, 4 + n + 32),
    sealed: b.subarray(4 + n + 32),
  };
}

/** Wraps `password` for `dbRole` to the key of a key-management certificate: the card is not needed. */
export function wrapOperatorPassword(
  password: Uint8Array,
  dbRole: string,
  keyManagementCertificateDer: Uint8Array,
): { wrap: Uint8Array; wrapKeySha256: Uint8Array } {
  const { publicKey, spki } = keyManagementKey(keyManagementCertificateDer);
  const sealed = sealToKey(publicKey, password, { info: INFO, aad: aad(dbRole, spki) }, 'the database credential');
  return { wrap: encode(sealed), wrapKeySha256: keyManagementCertificateSha256(keyManagementCertificateDer) };
}

/**
 * Unwraps on the card: the password's bytes (the caller wipes them). OPERATOR_LOGIN_UNWRAP_FAILED
 * when the card's key does not open the wrap.
 */
export async function unwrapOperatorPassword(
  wrap: Uint8Array,
  dbRole: string,
  keyManagementCertificateDer: Uint8Array,
  card: KeyUnwrapper,
): Promise<Buffer> {
  const { spki } = keyManagementKey(keyManagementCertificateDer);
  const sealed = decode(wrap);
  if (sealed.kind !== card.kind)
    throw new ArxFailure(FAILED, 'The database credential is wrapped to another kind of key than this card holds.');
  const plain = await openWithKey(sealed, card, { info: INFO, aad: aad(dbRole, spki), failureCode: FAILED });
  if (!plain) throw new ArxFailure(FAILED, `The ${card.describe} does not open this database credential.`);
  return plain;
}

export interface PreparedOperatorLogin {
  /** What PostgreSQL stores: the server never receives the password. */
  scramVerifier: string;
  wrap: Uint8Array;
  wrapKeySha256: Uint8Array;
}

/**
 * A fresh credential for `dbRole`: 256 random bits (as base64url text, what the SCRAM exchange
 * sends), its SCRAM verifier and its wrap. The password exists only inside this call.
 */
export function prepareOperatorLogin(dbRole: string, keyManagementCertificateDer: Uint8Array): PreparedOperatorLogin {
  const raw = randomBytes(32);
  const password = Buffer.from(raw.toString('base64url'), 'ascii');
  raw.fill(0);
  try {
    const scramVerifier = scramSha256Verifier(password);
    return { scramVerifier, ...wrapOperatorPassword(password, dbRole, keyManagementCertificateDer) };
  } finally {
    password.fill(0);
  }
}
