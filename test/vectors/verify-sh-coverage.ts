/**
 * The finding codes the manual check (docs/verify.sh) covers: a conformance vector that carries one of
 * them must make verify.sh exit non-zero; a vector carrying none of them is left to `arx bundle
 * verify`, and verify.sh passes it. docs/conformance/README.md lists both sets.
 */
export const VERIFY_SH_CODES = [
  // container and members
  'BUNDLE_NOT_A_BUNDLE',
  'BUNDLE_VERSION_UNKNOWN',
  'BUNDLE_TRUNCATED',
  'BUNDLE_HEADER_NONCANONICAL',
  'BUNDLE_PADDING_NONZERO',
  'BUNDLE_TRAILING_DATA',
  'BUNDLE_PATH_TRAVERSAL',
  'BUNDLE_PATH_ABSOLUTE',
  'BUNDLE_MEMBER_NAME_INVALID',
  'BUNDLE_MEMBER_LINK',
  'BUNDLE_MEMBER_TYPE',
  'BUNDLE_MEMBER_DUPLICATE',
  'BUNDLE_MEMBER_ORDER',
  'BUNDLE_COMPRESSION_INVALID',
  'BUNDLE_MANIFEST_MISSING',
  'BUNDLE_MANIFEST_INVALID',
  'BUNDLE_NUMBER_TOO_LARGE',
  'BUNDLE_JSON_TOO_DEEP',
  'BUNDLE_UTF8_INVALID',
  'BUNDLE_MEMBER_MISSING',
  'BUNDLE_MEMBER_UNLISTED',
  'BUNDLE_MEMBER_SIZE_MISMATCH',
  'BUNDLE_MEMBER_DIGEST_MISMATCH',
  'BUNDLE_SUMS_MISMATCH',
  'MANIFEST_RANGE_MISMATCH',
  // manifest signature and the exporter's path
  'MANIFEST_ENVELOPE_MISMATCH',
  'MANIFEST_SIGNATURE_INVALID',
  'BUNDLE_EXPORTER_MISMATCH',
  'CERT_MALFORMED',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_INVALID',
  'CERT_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_WRONG_KEY_USAGE',
  'CERT_POLICY_MISSING',
  // gateway keys, checkpoints, proofs
  'GATEWAY_KEYS_UNPINNED',
  'GATEWAY_KEY_INVALID',
  'GATEWAY_KEY_NOT_PINNED',
  'CHECKPOINT_KEY_UNKNOWN',
  'CHECKPOINT_SIGNATURE_INVALID',
  'CHECKPOINT_MALFORMED',
  'CHECKPOINT_KEY_OUTSIDE_WINDOW',
  'GATEWAY_KEY_OUTSIDE_PINNED_WINDOW',
  'CHECKPOINT_CONSISTENCY_INVALID',
  'PROOF_INVALID',
  'PROOF_MISSING',
  // the chain
  'EVENT_DIGEST_MISMATCH',
  'CHAIN_LINK_MISMATCH',
  'ANCHOR_MISMATCH',
  'CHAIN_TRUNCATED',
  'EVENTS_MALFORMED',
  'EVENTS_RANGE_MISMATCH',
  'SEQ_GAP',
  'SEQ_OUT_OF_ORDER',
  'SEQ_RENUMBERED',
] as const;

/** Whether verify.sh is expected to fail a vector with these finding codes. */
export function verifyShCovers(codes: readonly string[]): boolean {
  return codes.some((c) => (VERIFY_SH_CODES as readonly string[]).includes(c));
}
