import type { PqResult } from '../companion';

/**
 * The post-quantum signature on a bundle manifest (docs/bundle-format.md §11): a second DSSE
 * signature in manifest.dsse.json, ML-DSA-87 by the exporter's companion key (docs/companion-keys.md),
 * whose key attestation — signed by the same card that signs the manifest — travels as a listed member.
 */

export { PQ_KEYID_PREFIX, isPqKeyId } from '../companion';

/** The listed member holding the exporter's companion key attestation (a DSSE envelope). */
export const COMPANION_ATTESTATION_MEMBER = 'companion-attestation.dsse.json';

/** The post-quantum result of the manifest (shared/companion PqResult; codes BUNDLE_PQ_…). */
export type BundlePqResult = PqResult;
