import { X509Certificate, constants, createHash, verify } from 'node:crypto';
import { openAttestation, type AttestationProblem, type OpenedAttestation } from '../../../shared/companion';

/**
 * Checks a companion key attestation against the Digital Signature certificate (DER) expected to
 * have signed it: the statement (shared/companion) and the card's signature, SHA-256 over the PAE,
 * ECDSA (DER) for EC keys, RSASSA-PKCS1-v1_5 for RSA keys (docs/companion-keys.md). Never throws.
 */
export function verifyAttestation(
  envelope: unknown,
  signingCertificateDer: Uint8Array,
): { ok: true; value: OpenedAttestation } | { ok: false; code: AttestationProblem; message: string } {
  const sha = createHash('sha256').update(signingCertificateDer).digest('hex');
  const opened = openAttestation(envelope, sha);
  if (!opened.ok) return opened;
  if (!cardSignatureValid(signingCertificateDer, opened.value.signingInput, opened.value.signature))
    return {
      ok: false,
      code: 'COMPANION_ATTESTATION_SIGNATURE_INVALID',
      message: "the card's signature on the attestation does not verify",
    };
  return opened;
}

function cardSignatureValid(der: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    const key = new X509Certificate(Buffer.from(der)).publicKey;
    if (key.asymmetricKeyType === 'ec') return verify('sha256', data, { key, dsaEncoding: 'der' }, signature);
    if (key.asymmetricKeyType === 'rsa')
      return verify('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
    return false;
  } catch {
    return false;
  }
}
