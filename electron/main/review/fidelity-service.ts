import type pg from 'pg';
import { ArxFailure, requireOperator, type OperatorSession } from '../../../shared/contract';
import type { FidelityEnvelope } from '../../../shared/review';
import { openFidelityCertificate } from '../../../shared/review';
import type { OfflineWrites } from '../cache/offline';
import type { OperatorSignature } from '../card/operator-auth';
import { reviewCertificates, reviewEnvelope } from '../controlplane/repos/reviews';
import { tenantById } from '../controlplane/repos/tenants';
import { withTenant } from '../controlplane/tenant-session';
import type { TrustStore } from '../pki/trust-store';
import type { ValidationPolicy } from '../pki/validate';
import { summaryOf, type CertificateSummary } from './certificate-summary';
import { verifyCertificate, type CertificateVerification } from './certificate-verify';
import type { QueuedReview } from './outbox-delivery';
import type { DecisionReverification } from './reverify';
import { DraftStore, type ReviewDraft, type SealedDraft } from './review-drafts';
import { prepareStatement, type ReviewRequest } from './review-prepare';
import { signDraft, type SignedReview } from './review-sign';
import type { SignerReport } from './signer-check';
import type { WriterIdentity } from '../controlplane/chain-writer';
import type { HeldCompanion } from '../companion/companion-enrol';
import { writerTrustOf } from '../chain/writer-check';

/**
 * Fidelity certificates: an ISSO's review of a range, prepared in main (review-prepare.ts), shown,
 * signed on the card over the DSSE PAE and stored with its audit event in one transaction
 * (review-sign.ts); and the verification of any certificate, stored or imported
 * (certificate-verify.ts). This class holds the drafts and applies the operator's session.
 */

export type { CertificateSummary } from './certificate-summary';
export type { CertificateCheck, CertificateVerification, CheckStatus } from './certificate-verify';
export type { ReviewDraft, SealedDraft } from './review-drafts';
export type { SignedReview } from './review-sign';

export interface ReviewServiceDeps {
  pool: () => pg.Pool;
  session: () => OperatorSession | null;
  sign: (purpose: string, digest: Uint8Array, pin: string | null) => Promise<OperatorSignature>;
  /** The writer a review's audit event names, with its card signer (OperatorAuth.eventWriter). */
  eventWriter?: () => WriterIdentity | null;
  trustStore: () => TrustStore;
  policy: ValidationPolicy;
  /** A finished decision re-verification by job id (the Decisions tab's), or undefined. */
  reverifyResult?: (jobId: string, owner: string) => DecisionReverification | undefined;
  /**
   * Signing while the control plane is unreachable, through the encrypted local
   * cache: drafts are also sealed there (they survive a restart), and a review signed offline goes
   * to its outbox (kind `review.signed`, electron/main/review/outbox-delivery.ts). Without it a
   * review can only be signed online.
   */
  offline?: OfflineSigning;
  /** The operator's companion key in memory (CompanionService.current): certificates get its ML-DSA-87 signature. */
  companion?: () => HeldCompanion | null;
  now?: () => Date;
}

export interface OfflineSigning {
  /** Store or queue (review.sign is declared offline: 'queue'; the registry refuses it before the PIN when nothing could be queued). */
  writes: Pick<OfflineWrites, 'connected' | 'storeOrQueue'>;
  enqueue: (payload: QueuedReview, summary: string) => { id: string };
  putDraft: (draftId: string, draft: SealedDraft | { used: true }) => void;
  getDraft: (draftId: string) => SealedDraft | { used: true } | null;
}

export class ReviewService {
  private readonly drafts: DraftStore;
  private readonly now: () => Date;
  constructor(private readonly deps: ReviewServiceDeps) {
    this.now = deps.now ?? (() => new Date());
    this.drafts = new DraftStore(() => deps.offline);
  }

  /** The operator acting; session and roles were checked by the registry (contract declarations). */
  private operator(): OperatorSession {
    return requireOperator(this.deps.session());
  }

  /** Everything a reviewer signs, computed here; the renderer shows it and then asks for the PIN. */
  async prepare(req: ReviewRequest): Promise<ReviewDraft> {
    const s = this.operator();
    const deps = {
      pool: this.deps.pool(),
      reverifyResult: this.deps.reverifyResult,
      writerTrust: writerTrustOf(this.deps.trustStore, this.deps.policy),
      companion: this.deps.companion?.() ?? null,
      now: this.now,
    };
    const statement = await prepareStatement(deps, s, req);
    const draft = this.drafts.add(statement, s.operatorId);
    return {
      draftId: draft.draftId,
      statement,
      payloadSha256: draft.payloadSha256,
      signingInputSha256: draft.signingInputSha256,
    };
  }

  /**
   * Signs a prepared draft on the card (PIN for this signature), stores it and records it in the
   * tenant's chain, atomically; or queues it in the outbox while the control plane is unreachable.
   */
  async sign(req: { draftId: string; pin: string }): Promise<SignedReview> {
    const s = this.operator();
    const draft = this.drafts.find(req.draftId);
    if (!draft || draft.owner !== s.operatorId || draft.expires < Date.now()) {
      throw new ArxFailure(
        'REVIEW_DRAFT_UNKNOWN',
        'This review is no longer prepared (it expired or belongs to another session): prepare it again.',
        { path: 'draftId' },
      );
    }
    const deps = {
      pool: this.deps.pool,
      sign: this.deps.sign,
      ...(this.deps.eventWriter ? { eventWriter: this.deps.eventWriter } : {}),
      offline: this.deps.offline,
      ...(this.deps.companion ? { companion: this.deps.companion } : {}),
      now: this.now,
    };
    return signDraft(deps, s, draft, req.pin, () => this.drafts.forget(req.draftId));
  }

  async list(req: { tenantId: string }): Promise<CertificateSummary[]> {
    return withTenant(this.deps.pool(), req.tenantId, async (c) => {
      const rows = await reviewCertificates(c, req.tenantId, 500);
      const t = await tenantById(c, req.tenantId);
      const out: CertificateSummary[] = [];
      for (const row of rows) {
        const o = openFidelityCertificate(row.envelope);
        if (o.ok) out.push({ ...summaryOf(o.statement, t?.slug ?? '', row.createdAt.toISOString()), id: row.id });
      }
      return out;
    });
  }

  /** The stored envelope of a certificate (JSON text, as exported and imported). */
  async envelopeText(id: string, tenantId: string): Promise<string> {
    return withTenant(this.deps.pool(), tenantId, async (c) => {
      const e = await reviewEnvelope<FidelityEnvelope>(c, tenantId, id);
      if (!e) throw new ArxFailure('REVIEW_NOT_FOUND', `No fidelity certificate ${id} in this tenant.`, { id });
      // The DSSE field order, whatever order jsonb returned the keys in.
      return JSON.stringify(
        {
          payloadType: e.payloadType,
          payload: e.payload,
          signatures: e.signatures.map((x) => ({ keyid: x.keyid, sig: x.sig })),
        },
        null,
        2,
      );
    });
  }

  /** Verifies a certificate, stored or imported: every check runs; the first failure gives the code. */
  async verify(input: {
    envelope: unknown;
    requirePq?: boolean;
  }): Promise<CertificateVerification & { report: SignerReport | null }> {
    return verifyCertificate(this.deps, this.operator(), input.envelope, { requirePq: input.requirePq === true });
  }
}
