/**
 * Which PKCS#11 mechanism a card key signs or decrypts with, and the software check of a
 * signature it made. Constants are PKCS#11 v2.40's, kept local so that this never loads the
 * native module.
 */
import { constants as cryptoConstants, verify as verifySignature, type KeyObject } from 'node:crypto';
import { ArxFailure } from '../../../shared/contract';
import type { DecryptMechanism, MechanismParams } from './pkcs11-protocol';
import { curveOf, digestInfo, hashNameOfDigest } from './signature-encoding';

export const CKK_RSA = 0;
export const CKK_EC = 3;
const CKM_RSA_PKCS = 0x1;
const CKM_RSA_PKCS_PSS = 0xd;
const CKM_ECDSA = 0x1041;
const CKM_SHA256 = 0x250;
const CKM_SHA384 = 0x260;
const CKM_SHA512 = 0x270;
const CKG_MGF1_SHA256 = 0x2;
const CKG_MGF1_SHA384 = 0x3;
const CKG_MGF1_SHA512 = 0x4;
const CKM_RSA_PKCS_OAEP = 0x9;
const CKM_SHA_1 = 0x220;
const CKG_MGF1_SHA1 = 0x1;

export type SignatureAlgorithm = 'ECDSA' | 'RSASSA-PSS' | 'RSASSA-PKCS1-v1_5';

/** RSA-OAEP with SHA-1 and MGF1-SHA-1, no label: the OAEP every PKCS#11 module offers. */
export const RSA_OAEP_SHA1: DecryptMechanism = {
  mechanism: CKM_RSA_PKCS_OAEP,
  oaep: { hashAlg: CKM_SHA_1, mgf: CKG_MGF1_SHA1 },
};

/** The mechanism and the bytes to hand to C_Sign for a digest, given the certificate's key. */
export function signingPlan(key: KeyObject, keyType: number | undefined, digest: Uint8Array, rsa: 'pss' | 'pkcs1') {
  const hash = hashNameOfDigest(digest);
  if (key.asymmetricKeyType === 'ec') {
    if (keyType !== undefined && keyType !== CKK_EC) return null;
    const curve = curveOf(key.asymmetricKeyDetails?.namedCurve);
    if (!curve)
      throw new ArxFailure(
        'CARD_KEY_UNSUPPORTED',
        `The card's EC curve ${key.asymmetricKeyDetails?.namedCurve ?? '?'} is not supported.`,
      );
    const size = { 'P-256': 64, 'P-384': 96, 'P-521': 132 }[curve];
    return {
      mechanism: { mechanism: CKM_ECDSA } as MechanismParams,
      data: digest,
      maxLength: size,
      curve,
      hash,
      algorithm: 'ECDSA' as const,
    };
  }
  if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') {
    if (keyType !== undefined && keyType !== CKK_RSA) return null;
    const bytes = Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 4096) / 8);
    if (rsa === 'pss') {
      const hashAlg = { sha256: CKM_SHA256, sha384: CKM_SHA384, sha512: CKM_SHA512 }[hash];
      const mgf = { sha256: CKG_MGF1_SHA256, sha384: CKG_MGF1_SHA384, sha512: CKG_MGF1_SHA512 }[hash];
      const mechanism: MechanismParams = { mechanism: CKM_RSA_PKCS_PSS, pss: { hashAlg, mgf, saltLen: digest.length } };
      return { mechanism, data: digest, maxLength: bytes, curve: null, hash, algorithm: 'RSASSA-PSS' as const };
    }
    return {
      mechanism: { mechanism: CKM_RSA_PKCS } as MechanismParams,
      data: digestInfo(digest),
      maxLength: bytes,
      curve: null,
      hash,
      algorithm: 'RSASSA-PKCS1-v1_5' as const,
    };
  }
  throw new ArxFailure('CARD_KEY_UNSUPPORTED', `The card's key type ${key.asymmetricKeyType ?? '?'} is not supported.`);
}

/**
 * Proof of possession: the card signs SHA-256 of a fresh 32-byte challenge, and node:crypto checks
 * the signature over the challenge against the certificate's public key.
 */
export function verifyChallenge(
  key: KeyObject,
  challenge: Uint8Array,
  raw: Uint8Array,
  algorithm: SignatureAlgorithm,
): boolean {
  try {
    if (algorithm === 'ECDSA') return verifySignature('sha256', challenge, { key, dsaEncoding: 'ieee-p1363' }, raw);
    if (algorithm === 'RSASSA-PSS')
      return verifySignature(
        'sha256',
        challenge,
        { key, padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
        raw,
      );
    return verifySignature('sha256', challenge, { key, padding: cryptoConstants.RSA_PKCS1_PADDING }, raw);
  } catch {
    return false;
  }
}
