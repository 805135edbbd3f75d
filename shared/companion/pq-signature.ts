/**
 * The post-quantum companion signature on a DSSE envelope (docs/companion-keys.md §7): a second
 * signature, pure ML-DSA-87 over the same PAE the card signs, by the signer's companion key, whose
 * key attestation the same card signed. Used by bundle manifests, fidelity certificates and the
 * artefacts that follow them; each names its codes `<PREFIX>_PQ_…`.
 */

/** The keyid of the ML-DSA-87 signature: this prefix and the companion key id (64 hex digits). */
export const PQ_KEYID_PREFIX = 'mldsa87:';
export const isPqKeyId = (keyid: string) => keyid.startsWith(PQ_KEYID_PREFIX);

/** Why a post-quantum result is not `valid`; the artefact's prefix makes the code (BUNDLE_PQ_…, REVIEW_PQ_…). */
export type PqProblem =
  'PQ_SIGNATURE_MISSING' | 'PQ_SIGNATURE_INVALID' | 'PQ_ATTESTATION_OTHER_CARD' | 'PQ_ATTESTATION_INVALID';

/**
 * The post-quantum result, reported apart from the classical checks: `absent` (no ML-DSA-87
 * signature: fails only a verifier that requires one), `valid`, or `invalid` (a signature or
 * attestation that does not hold: tampering, fails the artefact). `code` says why for absent and invalid.
 */
export interface PqResult {
  state: 'absent' | 'valid' | 'invalid';
  code: string | null;
  message: string | null;
  /** The companion key id the signature names (when present). */
  keyId: string | null;
}
