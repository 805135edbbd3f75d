import {
  COMPANION_ATTESTATION_MEMBER,
  PQ_KEYID_PREFIX,
  isPqKeyId,
  manifestPayloadType,
  parseStrictJson,
  type BundlePqResult,
  type Manifest,
} from '../../../../shared/bundle';
import { fromBase64 } from '../../../../shared/bytes';
import { DsseEnvelopeSchema, pae } from '../../../../shared/dsse';
import { verifyAttestation } from '../../companion/attestation-verify';
import { verifyMlDsa87 } from '../../companion/companion-keys';
import type { VerifyState } from './state';

const result = (state: BundlePqResult['state'], code: string | null, message: string | null, keyId: string | null) => ({
  state,
  code,
  message,
  keyId,
});

/** The ML-DSA-87 signature (keyid mldsa87:<key id>) of manifest.dsse.json, or why there is none to judge. */
function pqSignature(s: VerifyState): { keyid: string; sig: string } | BundlePqResult {
  const bytes = s.small.get('manifest.dsse.json');
  const parsed = bytes ? parseStrictJson(bytes, 'manifest.dsse.json', s.limits.maxJsonDepth) : null;
  const env = parsed?.ok ? DsseEnvelopeSchema.safeParse(parsed.value) : null;
  // An unreadable envelope is the classical check's finding; there is no PQ signature to judge.
  const pq = env?.success ? env.data.signatures.filter((x) => isPqKeyId(x.keyid)) : [];
  if (pq.length > 1)
    return result(
      'invalid',
      'BUNDLE_PQ_SIGNATURE_INVALID',
      'manifest.dsse.json has more than one ML-DSA-87 signature',
      null,
    );
  if (pq.length === 0)
    return result('absent', 'BUNDLE_PQ_SIGNATURE_MISSING', 'the manifest has no ML-DSA-87 signature', null);
  return pq[0]!;
}

/**
 * The post-quantum signature on the manifest (docs/bundle-format.md §11), judged apart from the
 * classical checks: the ML-DSA-87 signature over the same PAE the card signed, by the key that
 * companion-attestation.dsse.json attests; the attestation signed by the card whose certificate is
 * manifest-signer.der (whose path the classical checks judge), for the exporter the manifest names.
 */
export function checkPq(s: VerifyState, manifest: Manifest): BundlePqResult {
  const found = pqSignature(s);
  const attBytes = s.small.get(COMPANION_ATTESTATION_MEMBER);
  if ('state' in found) {
    if (found.state === 'absent' && attBytes)
      return result(
        'absent',
        'BUNDLE_PQ_SIGNATURE_MISSING',
        `${COMPANION_ATTESTATION_MEMBER} without an ML-DSA-87 signature`,
        null,
      );
    return found;
  }
  const keyId = found.keyid.slice(PQ_KEYID_PREFIX.length);
  const bad = (code: string, message: string) => result('invalid', code, message, keyId);
  if (!attBytes) return bad('BUNDLE_PQ_ATTESTATION_INVALID', `the bundle has no ${COMPANION_ATTESTATION_MEMBER}`);
  const signerDer = s.small.get('manifest-signer.der');
  if (!signerDer) return bad('BUNDLE_PQ_ATTESTATION_INVALID', 'manifest-signer.der is missing');
  const att = parseStrictJson(attBytes, COMPANION_ATTESTATION_MEMBER, s.limits.maxJsonDepth);
  const checked = att.ok ? verifyAttestation(att.value, signerDer) : null;
  if (!checked?.ok)
    return checked?.code === 'COMPANION_ATTESTATION_OTHER_CARD'
      ? bad(
          'BUNDLE_PQ_ATTESTATION_OTHER_CARD',
          `the companion key was attested by another card than manifest-signer.der: ${checked.message}`,
        )
      : bad('BUNDLE_PQ_ATTESTATION_INVALID', `${COMPANION_ATTESTATION_MEMBER}: ${checked?.message ?? 'not JSON'}`);
  const st = checked.value.statement;
  if (st.operatorId !== manifest.exporter.operatorId || st.edipi !== manifest.exporter.edipi)
    return bad('BUNDLE_PQ_ATTESTATION_OTHER_CARD', 'the attestation names another operator than the exporter');
  if (st.keyId !== keyId)
    return bad('BUNDLE_PQ_SIGNATURE_INVALID', 'the ML-DSA-87 signature names another key than the attested one');
  const sig = fromBase64(found.sig);
  const manifestBytes = s.small.get('manifest.json')!;
  const input = pae(manifestPayloadType(s.version ?? 1), manifestBytes);
  if (!sig || !verifyMlDsa87(checked.value.mlDsa87, input, sig))
    return bad('BUNDLE_PQ_SIGNATURE_INVALID', 'the ML-DSA-87 signature does not verify with the attested key');
  return result('valid', null, null, keyId);
}
