/**
 * The post-quantum signature on a bundle manifest (docs/bundle-format.md §11): a second DSSE
 * signature in manifest.dsse.json, ML-DSA-87 by the exporter's companion key (docs/companion-keys.md),
 * whose key attestation — signed by the same card that signs the manifest — travels as a listed member.
 */

/** The listed member holding the exporter's companion key attestation (a DSSE envelope). */
export const COMPANION_ATTESTATION_MEMBER = 'companion-attestation.dsse.json';

/** The keyid of the ML-DSA-87 signature: this prefix and the companion key id (64 hex digits). */
export const PQ_KEYID_PREFIX = 'mldsa87:';
export const isPqKeyId = (keyid: string) => keyid.startsWith(PQ_KEYID_PREFIX);

/**
 * The post-quantum result, reported apart from the classical checks: `absent` (no ML-DSA-87
 * signature: fails only `--require-pq`), `valid`, or `invalid` (a signature or attestation that
 * does not hold: fails the bundle). `code` says why for absent and invalid.
 */
export interface BundlePqResult {
  state: 'absent' | 'valid' | 'invalid';
  code: string | null;
  message: string | null;
  /** The companion key id the signature names (when present). */
  keyId: string | null;
}
