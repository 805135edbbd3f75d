import { createHash, X509Certificate as NodeCertificate, constants as cryptoConstants, verify } from 'node:crypto';

/**
 * The signatures the console makes on a card (OperatorAuth.sign over SHA-256 of the DSSE PAE),
 * checked with node:crypto: ECDSA with SHA-256 (DER ECDSA-Sig-Value), or RSASSA-PSS with SHA-256,
 * MGF1-SHA-256 and a 32-byte salt (the card service's default). The same parameters appear in the
 * exported `openssl` commands (export.ts).
 */
export type CardKeyKind = 'ec' | 'rsa';

export function certificateKeyKind(certificateDer: Uint8Array): CardKeyKind | null {
  try {
    const t = new NodeCertificate(certificateDer).publicKey.asymmetricKeyType;
    return t === 'ec' ? 'ec' : t === 'rsa' || t === 'rsa-pss' ? 'rsa' : null;
  } catch {
    return null;
  }
}

/** Does `signature` verify over `data` with the key of `certificateDer`? Never throws. */
export function verifyCardSignature(certificateDer: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    const key = new NodeCertificate(certificateDer).publicKey;
    if (key.asymmetricKeyType === 'ec') return verify('sha256', data, { key, dsaEncoding: 'der' }, signature);
    if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') {
      return verify('sha256', data, { key, padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature);
    }
    return false;
  } catch {
    return false;
  }
}

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
export const sha256 = (bytes: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(bytes).digest());
