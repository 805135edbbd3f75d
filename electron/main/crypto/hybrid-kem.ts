/**
 * ML-KEM-1024 (FIPS 203, `@noble/post-quantum`) beside a classical key exchange, and the one
 * combiner that joins their shared secrets.
 *
 * The combiner is the KitchenSink construction of draft-irtf-cfrg-hybrid-kems (HKDF over both
 * shared secrets, both ciphertexts and both encapsulation keys, with a label), instantiated with
 * HKDF-SHA-256 as in `@noble/post-quantum`'s `createKitchenSink`:
 *
 *   ikm = "hybrid_prk" ‖ ss_PQ ‖ ss_T ‖ ct_PQ ‖ ek_PQ ‖ ct_T ‖ ek_T ‖ label
 *   ss  = HKDF-Expand(HKDF-Extract(salt = "", ikm), info = u16be(32) ‖ "shared_secret", 32)
 *
 * Keys travel in the encodings of draft-ietf-lamps-kyber-certificates: a SubjectPublicKeyInfo
 * with the id-alg-ml-kem-1024 OID, and a PKCS#8 OneAsymmetricKey holding the 64-byte seed (d ‖ z).
 */
import { hkdfSync, randomBytes } from 'node:crypto';
import { ml_kem1024 } from '@noble/post-quantum/ml-kem.js';
import { ArxFailure } from '../../../shared/contract';

export const ML_KEM_1024 = {
  encapsulationKeyBytes: 1568,
  ciphertextBytes: 1568,
  seedBytes: 64,
} as const;

/** The label of this product's instance of the combiner. */
export const COMBINER_LABEL = 'arx-hybrid-kem/v1 ML-KEM-1024+classical';

// id-alg-ml-kem-1024 = 2.16.840.1.101.3.4.4.3; the DER around a fixed-length key is fixed too.
const ALG_ID = Buffer.from('300b0609608648016503040403', 'hex');
const SPKI_PREFIX = Buffer.concat([Buffer.from('30820632', 'hex'), ALG_ID, Buffer.from('0382062100', 'hex')]);
const PKCS8_PREFIX = Buffer.concat([Buffer.from('3054020100', 'hex'), ALG_ID, Buffer.from('04428040', 'hex')]);

export interface MlKemKeyPair {
  /** The 64-byte seed (d ‖ z): the private key. Wipe with `.fill(0)` when done. */
  seed: Uint8Array;
  encapsulationKey: Uint8Array;
}

export function generateMlKemKey(seed: Uint8Array = randomBytes(ML_KEM_1024.seedBytes)): MlKemKeyPair {
  if (seed.length !== ML_KEM_1024.seedBytes)
    throw new ArxFailure('PQ_KEY_INVALID', `An ML-KEM-1024 seed is ${ML_KEM_1024.seedBytes} bytes.`);
  const { publicKey } = ml_kem1024.keygen(seed);
  return { seed: Uint8Array.from(seed), encapsulationKey: publicKey };
}

export function encapsulate(encapsulationKey: Uint8Array): { ciphertext: Uint8Array; sharedSecret: Uint8Array } {
  try {
    const { cipherText, sharedSecret } = ml_kem1024.encapsulate(encapsulationKey);
    return { ciphertext: cipherText, sharedSecret };
  } catch {
    throw new ArxFailure('PQ_KEY_INVALID', 'The ML-KEM-1024 encapsulation key is malformed (FIPS 203 §7.2 check).');
  }
}

/** ML-KEM's implicit rejection: a wrong ciphertext or key gives a different secret, never an error. */
export function decapsulate(ciphertext: Uint8Array, seed: Uint8Array): Uint8Array {
  if (ciphertext.length !== ML_KEM_1024.ciphertextBytes)
    throw new ArxFailure('PQ_KEY_INVALID', `An ML-KEM-1024 ciphertext is ${ML_KEM_1024.ciphertextBytes} bytes.`);
  const { secretKey } = ml_kem1024.keygen(seed);
  try {
    return ml_kem1024.decapsulate(ciphertext, secretKey);
  } finally {
    secretKey.fill(0);
  }
}

/** draft-irtf-cfrg-hybrid-kems KitchenSink combiner with HKDF-SHA-256 (see the header). */
export function combineSecrets(t: {
  ssPq: Uint8Array;
  ssT: Uint8Array;
  ctPq: Uint8Array;
  ekPq: Uint8Array;
  ctT: Uint8Array;
  ekT: Uint8Array;
  label?: string;
}): Buffer {
  const ikm = Buffer.concat([
    Buffer.from('hybrid_prk'),
    t.ssPq,
    t.ssT,
    t.ctPq,
    t.ekPq,
    t.ctT,
    t.ekT,
    Buffer.from(t.label ?? COMBINER_LABEL),
  ]);
  const info = Buffer.concat([Buffer.from([0, 32]), Buffer.from('shared_secret')]);
  try {
    return Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), info, 32));
  } finally {
    ikm.fill(0);
  }
}

export const mlKemSpki = (ek: Uint8Array) => Buffer.concat([SPKI_PREFIX, ek]);
export const mlKemPkcs8 = (seed: Uint8Array) => Buffer.concat([PKCS8_PREFIX, seed]);

const pem = (label: string, der: Buffer) =>
  `-----BEGIN ${label}-----\n${der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '')}\n-----END ${label}-----\n`;

export const mlKemPublicPem = (ek: Uint8Array) => pem('PUBLIC KEY', mlKemSpki(ek));
export const mlKemPrivatePem = (seed: Uint8Array) => pem('PRIVATE KEY', mlKemPkcs8(seed));

/** The DER blocks of a PEM text, with their labels. */
export function pemBlocks(text: string): { label: string; der: Buffer }[] {
  const out: { label: string; der: Buffer }[] = [];
  for (const m of text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g))
    out.push({ label: m[1]!, der: Buffer.from(m[2]!.replace(/\s+/g, ''), 'base64') });
  return out;
}

/** The encapsulation key of an ML-KEM-1024 SPKI, or null when the DER is another key. */
export function mlKemFromSpki(der: Uint8Array): Uint8Array | null {
  const b = Buffer.from(der);
  if (b.length !== SPKI_PREFIX.length + ML_KEM_1024.encapsulationKeyBytes) return null;
  if (!b.subarray(0, SPKI_PREFIX.length).equals(SPKI_PREFIX)) return null;
  return new Uint8Array(b.subarray(SPKI_PREFIX.length));
}

/** The seed of an ML-KEM-1024 PKCS#8 (seed form), or null when the DER is another key. */
export function mlKemFromPkcs8(der: Uint8Array): Uint8Array | null {
  const b = Buffer.from(der);
  if (b.length !== PKCS8_PREFIX.length + ML_KEM_1024.seedBytes) return null;
  if (!b.subarray(0, PKCS8_PREFIX.length).equals(PKCS8_PREFIX)) return null;
  return new Uint8Array(b.subarray(PKCS8_PREFIX.length));
}

/**
 * A PEM file that may hold an ML-KEM-1024 key beside a classical one (a recovery key, a
 * recipient's certificate): the classical blocks as PEM text, and the ML-KEM key (the
 * encapsulation key of a public file, the seed of a private one) if there is one.
 */
export function splitMlKemPem(
  content: Buffer,
  which: 'public' | 'private',
): { classical: Buffer; mlKem: Uint8Array | null } {
  const text = content.toString('latin1');
  if (!text.includes('-----BEGIN')) return { classical: content, mlKem: null };
  let mlKem: Uint8Array | null = null;
  const rest: string[] = [];
  for (const m of text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g)) {
    const [block] = pemBlocks(m[0]);
    const found = block ? (which === 'public' ? mlKemFromSpki(block.der) : mlKemFromPkcs8(block.der)) : null;
    if (found) mlKem = found;
    else rest.push(m[0]);
  }
  return { classical: Buffer.from(rest.join('\n') + '\n', 'latin1'), mlKem };
}
