/**
 * Signature encodings. PKCS#11 CKM_ECDSA returns r‖s (PKCS#11 v2.40 §2.3.1); X.509, CMS and
 * OpenSSL want an ECDSA-Sig-Value DER SEQUENCE (RFC 3279 §2.2.3). @noble/curves converts.
 * CKM_RSA_PKCS signs a DigestInfo (RFC 8017 §9.2): the prefixes are from its Note 1.
 */
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { ArxFailure } from '../../../shared/contract';

export type EcCurve = 'P-256' | 'P-384' | 'P-521';

const CURVES = { 'P-256': p256, 'P-384': p384, 'P-521': p521 } as const;

/** Node's names (KeyObject.asymmetricKeyDetails.namedCurve) to ours. */
export function curveOf(namedCurve: string | undefined): EcCurve | null {
  switch (namedCurve) {
    case 'prime256v1':
    case 'P-256':
      return 'P-256';
    case 'secp384r1':
    case 'P-384':
      return 'P-384';
    case 'secp521r1':
    case 'P-521':
      return 'P-521';
    default:
      return null;
  }
}

export function ecdsaRawToDer(curve: EcCurve, raw: Uint8Array): Uint8Array {
  try {
    return CURVES[curve].Signature.fromBytes(raw, 'compact').toBytes('der');
  } catch {
    throw new ArxFailure(
      'CARD_ERROR',
      `The card returned an ECDSA signature of ${raw.length} bytes, not a ${curve} r‖s value.`,
    );
  }
}

const DIGEST_INFO_PREFIX: Readonly<Record<number, string>> = {
  32: '3031300d060960864801650304020105000420', // SHA-256
  48: '3041300d060960864801650304020205000430', // SHA-384
  64: '3051300d060960864801650304020305000440', // SHA-512
};

export function hashNameOfDigest(digest: Uint8Array): 'sha256' | 'sha384' | 'sha512' {
  if (digest.length === 32) return 'sha256';
  if (digest.length === 48) return 'sha384';
  if (digest.length === 64) return 'sha512';
  throw new ArxFailure(
    'INVALID_REQUEST',
    `A digest must be 32, 48 or 64 bytes (SHA-256/384/512); got ${digest.length}.`,
  );
}

/** DER DigestInfo for CKM_RSA_PKCS. */
export function digestInfo(digest: Uint8Array): Uint8Array {
  hashNameOfDigest(digest);
  const prefix = Buffer.from(DIGEST_INFO_PREFIX[digest.length]!, 'hex');
  return new Uint8Array(Buffer.concat([prefix, digest]));
}
