import { fromHex, toHex } from '../../../../shared/bytes';
import { ReviewSchema, type BundleFinding, type BundleRange } from '../../../../shared/bundle';
import { genesisHash } from '../../../../shared/chain';
import type { DsseEnvelope } from '../../../../shared/dsse';
import { openFidelityCertificate } from '../../../../shared/review';
import { judgeReviewPq } from '../../companion/pq-signature';
import { checkReviewSubject } from '../review-subject';
import { verifyDsse, type SignerPaths } from './certificates';
import { memberOf } from './parse';
import type { VerifyState } from './state';

/** review-<id>.json: a fidelity certificate, checked after reading. */
export function readReview(s: VerifyState, name: string, bytes: Uint8Array): void {
  const r = memberOf(s, name, bytes, ReviewSchema);
  if (r) s.reviews.push({ ...r, member: name });
}

/** Fidelity certificates: signature, range, signed subject against this bundle's chain, signer's path. */
export async function checkReviews(s: VerifyState, paths: SignerPaths, warnings: BundleFinding[]): Promise<void> {
  for (const r of s.reviews) {
    s.checks.count('certificates');
    const keyid = r.envelope.signatures[0]!.keyid;
    const cert = s.certs.get(keyid);
    if (!cert) {
      s.checks.fail(
        'certificates',
        'SIGNER_CERT_MISSING',
        `fidelity certificate ${r.id} names a signing certificate the bundle does not carry`,
        { member: r.member },
      );
      continue;
    }
    if (!verifyDsse(r.envelope as DsseEnvelope, cert.node, 'pss').ok)
      s.checks.fail(
        'certificates',
        'REVIEW_SIGNATURE_INVALID',
        `fidelity certificate ${r.id} does not verify with its signer's certificate`,
        {
          member: r.member,
        },
      );
    judgePq(s, r, cert.der);
    const rg = s.range;
    if (rg && (r.toSeq < rg.from || r.fromSeq > rg.to))
      s.checks.fail(
        'certificates',
        'REVIEW_RANGE_MISMATCH',
        `fidelity certificate ${r.id} covers ${r.fromSeq}..${r.toSeq}, outside the bundle's range`,
        { member: r.member },
      );
    if (rg) checkSubject(s, r, rg, warnings);
    await paths.check(keyid, `the signer of fidelity certificate ${r.id}`, r.member);
    s.contents?.reviews.push({ id: r.id, fromSeq: r.fromSeq, toSeq: r.toSeq, createdAt: r.createdAt });
  }
}

/** Its ML-DSA-87 companion signature, apart (fidelity-certificates.md; an unreadable statement is judged elsewhere). */
function judgePq(s: VerifyState, r: VerifyState['reviews'][number], certDer: Uint8Array): void {
  const opened = openFidelityCertificate(r.envelope);
  if (!opened.ok) return;
  const pq = judgeReviewPq(opened.envelope, opened.statement, opened.signingInput, certDer);
  s.reviewPq.push({ ...pq, id: r.id, member: r.member });
}

/** The signed subject against this bundle's own chain: only a subject about this chain counts. */
function checkSubject(
  s: VerifyState,
  r: VerifyState['reviews'][number],
  rg: BundleRange,
  warnings: BundleFinding[],
): void {
  const hashAt = (q: number) =>
    (q === rg.from - 1 ? fromHex(rg.prevHash) : q === rg.to ? fromHex(rg.lastHash) : s.subjectHashes.get(q)) ??
    undefined;
  const sc = checkReviewSubject(r, {
    range: rg,
    genesis: toHex(genesisHash(s.b3, rg.tenantId)),
    checkpoints: s.checkpoints,
    hashAt,
    endRoot: s.endRoot,
  });
  for (const f of sc.findings) {
    s.checks.fail('certificates', f.code, `fidelity certificate ${r.id}: ${f.message}`, {
      member: r.member,
      field: f.field,
      ...(f.expected ? { expected: f.expected } : {}),
      ...(f.found ? { found: f.found } : {}),
    });
  }
  if (sc.unchecked.length) {
    warnings.push({
      code: 'REVIEW_SUBJECT_UNCHECKED',
      message: `fidelity certificate ${r.id} reaches outside the bundle: its ${sc.unchecked.join(', ')} could not be compared with the bundle's chain`,
      location: { member: r.member },
    });
  }
}
