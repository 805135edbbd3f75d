import { constants, verify, X509Certificate } from 'node:crypto';
import type { SignatureVerifier } from '../../../shared/policy';

/**
 * The signature check of shared/policy/signed-version.ts with node:crypto: a DSSE signature made
 * on a card is SHA-256 over the PAE, ECDSA (DER) for EC keys, RSASSA-PSS (salt = hash length, the
 * card service's default) or PKCS#1 v1.5 for RSA keys. Never throws: anything unreadable is "no".
 */
export const nodeSignatureVerifier: SignatureVerifier = (certificateDer, data, signature) => {
  try {
    const key = new X509Certificate(Buffer.from(certificateDer)).publicKey;
    if (key.asymmetricKeyType === 'ec') return verify('sha256', data, { key, dsaEncoding: 'der' }, signature);
    if (key.asymmetricKeyType === 'rsa') {
      return (
        verify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature) ||
        verify('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING }, signature)
      );
    }
    return false;
  } catch {
    return false;
  }
};
