import type { FidelityStatement } from '../../../shared/review';

/** One fidelity certificate as the Reviews screen lists it. */
export interface CertificateSummary {
  id: string;
  tenantId: string;
  tenantSlug: string;
  fromSeq: number;
  toSeq: number;
  verdict: 'intact' | 'broken';
  reviewedAt: string;
  reviewer: { displayName: string; edipi: string; certificateSha256: string };
  subject: { sha256: string; blake3: string };
  problems: number;
  decisions: { total: number; mismatched: number; unverifiable: number; withErrors: number } | null;
  createdAt: string;
}

export function summaryOf(st: FidelityStatement, tenantSlug: string, createdAt: string): CertificateSummary {
  const a = st.subject[0]!.annotations;
  const p = st.predicate;
  return {
    id: p.reviewId,
    tenantId: a.tenantId,
    tenantSlug,
    fromSeq: a.fromSeq,
    toSeq: a.toSeq,
    verdict: p.verdict,
    reviewedAt: p.reviewedAt,
    reviewer: {
      displayName: p.reviewer.displayName,
      edipi: p.reviewer.edipi,
      certificateSha256: p.reviewer.certificateSha256,
    },
    subject: { sha256: st.subject[0]!.digest.sha256, blake3: st.subject[0]!.digest.blake3 },
    problems: p.verification.problems.filter((x) => x.severity === 'error').length,
    decisions: p.decisions
      ? {
          total: p.decisions.total,
          mismatched: p.decisions.mismatched,
          unverifiable: p.decisions.unverifiable,
          withErrors: p.decisions.withErrors,
        }
      : null,
    createdAt,
  };
}
