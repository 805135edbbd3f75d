/** Stable codes of companion keys (docs/companion-keys.md) and of the post-quantum bundle signature. */
export const COMPANION_ERROR_CODES = [
  /** The operator has no companion key (enrol one), or it was revoked. */
  'COMPANION_KEY_NONE',
  /** The companion key is not in memory: the console is locked, logged out or the card left. */
  'COMPANION_KEY_LOCKED',
  /** The card's Key Management key does not open the wrap, or what it opens is not the attested key. */
  'COMPANION_KEY_UNWRAP_FAILED',
  /** The attestation envelope or statement is malformed (or its key id is not its keys'). */
  'COMPANION_ATTESTATION_INVALID',
  /** The attestation names or is signed by another card's signing certificate than the one expected. */
  'COMPANION_ATTESTATION_OTHER_CARD',
  /** The card's signature on the attestation does not verify. */
  'COMPANION_ATTESTATION_SIGNATURE_INVALID',
  // the ML-DSA-87 signature on a bundle manifest (docs/bundle-format.md, "Post-quantum signature")
  /** --require-pq: the manifest has no ML-DSA-87 signature (or no attestation for it). */
  'BUNDLE_PQ_SIGNATURE_MISSING',
  /** The ML-DSA-87 signature on the manifest does not verify with the attested key. */
  'BUNDLE_PQ_SIGNATURE_INVALID',
  /** The attestation of the signing key was signed by another card than the manifest's signer. */
  'BUNDLE_PQ_ATTESTATION_OTHER_CARD',
  /** The attestation of the signing key is malformed or its card signature does not verify. */
  'BUNDLE_PQ_ATTESTATION_INVALID',
  // the ML-DSA-87 signature on a fidelity certificate (docs/fidelity-certificates.md), same meanings
  'REVIEW_PQ_SIGNATURE_MISSING',
  'REVIEW_PQ_SIGNATURE_INVALID',
  'REVIEW_PQ_ATTESTATION_OTHER_CARD',
  'REVIEW_PQ_ATTESTATION_INVALID',
] as const;
