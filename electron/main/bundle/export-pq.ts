import { utf8 } from '../../../shared/bytes';
import { ArxFailure } from '../../../shared/contract';
import { COMPANION_ATTESTATION_MEMBER, PQ_KEYID_PREFIX } from '../../../shared/bundle';
import type { HeldCompanion } from '../companion/companion-service';
import type { BundleTarWriter } from './tar-writer';

/**
 * The exporter's post-quantum half (docs/bundle-format.md §11): their companion key attestation as
 * the last listed member, and an ML-DSA-87 signature over the manifest's PAE as a second DSSE
 * signature. Absent when the exporter has no companion key open: the bundle is then classical only.
 */
export async function addCompanionAttestation(w: BundleTarWriter, companion: HeldCompanion | null): Promise<void> {
  if (companion) await w.add(COMPANION_ATTESTATION_MEMBER, utf8(JSON.stringify(companion.attestation)));
}

/** The ML-DSA-87 signature entry for the envelope (made before the card signs: a lock in between wipes the key). */
export function pqSignatureOf(
  companion: HeldCompanion | null,
  signingInput: Uint8Array,
): { keyid: string; sig: Uint8Array } | null {
  if (!companion) return null;
  return { keyid: `${PQ_KEYID_PREFIX}${companion.keys.keyId}`, sig: companion.keys.signMlDsa87(signingInput) };
}

/**
 * The card that signed the manifest must be the one that attested the companion key: otherwise the
 * bundle would fail verification (BUNDLE_PQ_ATTESTATION_OTHER_CARD), so nothing is written.
 */
export function checkCompanionSigner(companion: HeldCompanion | null, signerSha256: string): void {
  if (companion && companion.statement.signingCertificateSha256 !== signerSha256)
    throw new ArxFailure(
      'COMPANION_ATTESTATION_OTHER_CARD',
      'Your companion key was attested by another signing certificate than the one that signed: enrol a new companion key.',
    );
}
