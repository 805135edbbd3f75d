import { fromBase64 } from '../../../shared/bytes';
import { PQ_KEYID_PREFIX, isPqKeyId, type PqProblem, type PqResult } from '../../../shared/companion';
import { verifyAttestation } from './attestation-verify';
import type { FidelityEnvelope, FidelityStatement } from '../../../shared/review';
import type { HeldCompanion } from './companion-enrol';
import { verifyMlDsa87 } from './companion-keys';

/**
 * The companion signature on an artefact (docs/companion-keys.md §7): made beside the card's, and
 * judged apart from it — the ML-DSA-87 signature over the same PAE, by the key the attestation
 * names, the attestation signed by the same card certificate for the same operator.
 */

/** The second DSSE signature for `signingInput` (the PAE the card signs), by the held companion key. */
export function pqSignatureEntry(held: HeldCompanion, signingInput: Uint8Array): { keyid: string; sig: Uint8Array } {
  return { keyid: `${PQ_KEYID_PREFIX}${held.keys.keyId}`, sig: held.keys.signMlDsa87(signingInput) };
}

export interface PqSubject {
  /** The artefact's code prefix: `BUNDLE`, `REVIEW`, … (codes `<prefix>_PQ_…`). */
  prefix: string;
  /** What is judged, for messages: "the manifest", "fidelity certificate <id>". */
  what: string;
  signatures: readonly { keyid: string; sig: string }[];
  /** The PAE the card signed. */
  signingInput: Uint8Array;
  /** The attestation envelope the artefact carries, or undefined. */
  attestation: unknown;
  /** The card's signing certificate (DER) that signed the artefact; the attestation must be its. */
  signerCertificateDer: Uint8Array;
  /** Who the artefact says signed it: the attestation must name the same operator. */
  signer: { operatorId: string; edipi: string };
}

/** Judges the companion signature of an artefact; never throws. */
export function judgePqSignature(p: PqSubject): PqResult {
  const out = (state: PqResult['state'], problem: PqProblem | null, message: string | null, keyId: string | null) => ({
    state,
    code: problem ? `${p.prefix}_${problem}` : null,
    message,
    keyId,
  });
  const pq = p.signatures.filter((x) => isPqKeyId(x.keyid));
  if (pq.length > 1)
    return out('invalid', 'PQ_SIGNATURE_INVALID', `${p.what} has more than one ML-DSA-87 signature`, null);
  if (pq.length === 0) {
    const why =
      p.attestation === undefined ? 'no ML-DSA-87 signature' : 'a companion attestation but no ML-DSA-87 signature';
    return out('absent', 'PQ_SIGNATURE_MISSING', `${p.what} has ${why}`, null);
  }
  const keyId = pq[0]!.keyid.slice(PQ_KEYID_PREFIX.length);
  const bad = (problem: PqProblem, message: string) => out('invalid', problem, message, keyId);
  if (p.attestation === undefined) return bad('PQ_ATTESTATION_INVALID', `${p.what} carries no companion attestation`);
  const checked = verifyAttestation(p.attestation, p.signerCertificateDer);
  if (!checked.ok)
    return checked.code === 'COMPANION_ATTESTATION_OTHER_CARD'
      ? bad(
          'PQ_ATTESTATION_OTHER_CARD',
          `the companion key was attested by another card than ${p.what}'s signer: ${checked.message}`,
        )
      : bad('PQ_ATTESTATION_INVALID', `the companion attestation of ${p.what}: ${checked.message}`);
  const st = checked.value.statement;
  if (st.operatorId !== p.signer.operatorId || st.edipi !== p.signer.edipi)
    return bad('PQ_ATTESTATION_OTHER_CARD', `the attestation names another operator than ${p.what}'s signer`);
  if (st.keyId !== keyId)
    return bad('PQ_SIGNATURE_INVALID', 'the ML-DSA-87 signature names another key than the attested one');
  const sig = fromBase64(pq[0]!.sig);
  if (!sig || !verifyMlDsa87(checked.value.mlDsa87, p.signingInput, sig))
    return bad('PQ_SIGNATURE_INVALID', `the ML-DSA-87 signature on ${p.what} does not verify with the attested key`);
  return out('valid', null, null, keyId);
}

/**
 * A fidelity certificate's companion signature (docs/fidelity-certificates.md): the attestation is
 * the statement's `reviewer.companionAttestation`, the signer its reviewer. Codes REVIEW_PQ_….
 */
export function judgeReviewPq(
  envelope: Pick<FidelityEnvelope, 'signatures'>,
  st: FidelityStatement,
  signingInput: Uint8Array,
  certificateDer: Uint8Array,
): PqResult {
  const r = st.predicate.reviewer;
  return judgePqSignature({
    prefix: 'REVIEW',
    what: `fidelity certificate ${st.predicate.reviewId}`,
    signatures: envelope.signatures,
    signingInput,
    attestation: r.companionAttestation,
    signerCertificateDer: certificateDer,
    signer: { operatorId: r.operatorId, edipi: r.edipi },
  });
}
