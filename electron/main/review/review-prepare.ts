import { randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { toBase64 } from '../../../shared/bytes';
import type { Blake3 } from '../../../shared/chain';
import { ArxFailure, type OperatorSession } from '../../../shared/contract';
import { eventTime } from '../../../shared/events';
import {
  FIDELITY_PREDICATE_TYPE,
  INTOTO_STATEMENT_V1,
  type DecisionReverificationSummary,
  type FidelityStatement,
} from '../../../shared/review';
import { sharedDigestPool } from '../chain/digest-pool';
import { verifyTenantChain } from '../chain/tenant-chain-verifier';
import { toVerifyResult } from '../chain/verify-jobs';
import { chainSize } from '../controlplane/repos/events';
import { signingCertificateOf } from '../controlplane/repos/operators';
import { tenantById } from '../controlplane/repos/tenants';
import { withTenant } from '../controlplane/tenant-session';
import { loadBlake3 } from '../crypto/blake3';
import { rangeDigests, type RangeDigests } from './range-digest';
import { reverifyDecisions, type DecisionReverification } from './reverify';
import type { WriterTrust } from '../chain/writer-check';
import type { HeldCompanion } from '../companion/companion-enrol';

/** A review's range and, optionally, the finished decision re-verification it takes over. */
export interface ReviewRequest {
  tenantId: string;
  fromSeq: number;
  toSeq: number;
  reverifyJobId: string | null;
}

export interface PrepareDeps {
  pool: pg.Pool;
  /** A finished decision re-verification by job id (the Decisions tab's), or undefined. */
  reverifyResult?: (jobId: string, owner: string) => DecisionReverification | undefined;
  /** Trust anchors that authenticate console writers in the verification (writer-check.ts). */
  writerTrust?: WriterTrust | null;
  /** The reviewer's companion key, when open: its attestation goes into the statement (a PQ signature follows). */
  companion?: HeldCompanion | null;
  now: () => Date;
}

type SigningCertificate = NonNullable<Awaited<ReturnType<typeof signingCertificateOf>>>;
type ChainVerification = Omit<ReturnType<typeof toVerifyResult>, 'jobId'>;

/** The tenant and the reviewer's enrolled certificate, after checking the range exists. */
async function reviewContext(pool: pg.Pool, req: ReviewRequest, operatorId: string) {
  const { tenant, size, signingCert } = await withTenant(pool, req.tenantId, async (c) => {
    return {
      tenant: await tenantById(c, req.tenantId),
      size: await chainSize(c, req.tenantId),
      signingCert: await signingCertificateOf(c, operatorId),
    };
  });
  if (!tenant) throw new ArxFailure('NOT_FOUND', `No tenant ${req.tenantId}.`, { tenantId: req.tenantId });
  if (req.toSeq >= size)
    throw new ArxFailure('REVIEW_RANGE_INVALID', `The chain has ${size} events: seq ${req.toSeq} does not exist yet.`, {
      path: 'toSeq',
      size,
    });
  if (!signingCert)
    throw new ArxFailure(
      'REVIEW_SIGNER_NOT_ENROLLED',
      'No Digital Signature certificate is enrolled for you: a review cannot be signed.',
    );
  return { tenant, signingCert };
}

/** The named finished re-verification (same tenant and range), or a fresh one capped at 200 listed. */
async function reviewDecisions(deps: PrepareDeps, req: ReviewRequest, operatorId: string) {
  if (req.reverifyJobId === null)
    return reverifyDecisions(deps.pool, req.tenantId, { from: req.fromSeq, to: req.toSeq, cap: 200 });
  const r = deps.reverifyResult?.(req.reverifyJobId, operatorId);
  if (!r)
    throw new ArxFailure('REVIEW_JOB_UNKNOWN', `No finished decision re-verification ${req.reverifyJobId}.`, {
      path: 'reverifyJobId',
    });
  if (r.tenantId !== req.tenantId || r.fromSeq !== req.fromSeq || r.toSeq !== req.toSeq) {
    throw new ArxFailure(
      'REVIEW_DECISIONS_RANGE_MISMATCH',
      `That re-verification covered seq ${r.fromSeq}–${r.toSeq}, not the reviewed range ${req.fromSeq}–${req.toSeq}.`,
      { path: 'reverifyJobId' },
    );
  }
  return r;
}

function decisionsSummary(d: DecisionReverification): DecisionReverificationSummary {
  return {
    fromSeq: d.fromSeq,
    toSeq: d.toSeq,
    total: d.total,
    matched: d.matched,
    mismatched: d.mismatched,
    withErrors: d.withErrors,
    unverifiable: d.unverifiable,
    mismatches: d.mismatches,
    errored: d.errored,
    omitted: d.omitted,
  };
}

interface StatementParts {
  req: ReviewRequest;
  s: OperatorSession;
  signingCert: SigningCertificate;
  verification: ChainVerification;
  decisions: DecisionReverification;
  digests: RangeDigests;
  reviewedAt: Date;
  companion: HeldCompanion | null;
}

/**
 * The companion attestation the statement carries: only one made by the card certificate that will
 * sign and for this operator, else none (the certificate is then classical only).
 */
function attestationFor(held: HeldCompanion | null, s: OperatorSession, signingCertSha256: string) {
  const st = held?.statement;
  if (!st || st.signingCertificateSha256 !== signingCertSha256 || st.operatorId !== s.operatorId) return {};
  return { companionAttestation: held!.attestation };
}

/** The in-toto statement the reviewer signs (docs/fidelity-certificates.md). */
function fidelityStatement(parts: StatementParts) {
  const { req, s, signingCert, verification, decisions, digests, reviewedAt } = parts;
  const intact = verification.verdict === 'intact' && decisions.mismatched === 0 && decisions.unverifiable === 0;
  const statement: FidelityStatement = {
    _type: INTOTO_STATEMENT_V1,
    subject: [
      {
        name: `arx-chain:${req.tenantId}:${req.fromSeq}-${req.toSeq}`,
        digest: { sha256: digests.root, blake3: digests.head },
        annotations: {
          tenantId: req.tenantId,
          fromSeq: req.fromSeq,
          toSeq: req.toSeq,
          treeSize: req.toSeq + 1,
          previousHead: digests.previousHead,
        },
      },
    ],
    predicateType: FIDELITY_PREDICATE_TYPE,
    predicate: {
      reviewId: randomUUID(),
      reviewedAt: eventTime(reviewedAt),
      reviewer: {
        operatorId: s.operatorId,
        edipi: s.edipi,
        displayName: s.displayName,
        certificateSha256: signingCert.sha256,
        certificate: toBase64(new Uint8Array(signingCert.der)),
        roles: [...new Set(s.roles.filter((r) => r.tenantId === req.tenantId).map((r) => r.role))].sort(),
        ...attestationFor(parts.companion, s, signingCert.sha256),
      },
      verification,
      decisions: decisionsSummary(decisions),
      policyVersions: decisions.policyVersions,
      verdict: intact ? 'intact' : 'broken',
    },
  };
  return statement;
}

/**
 * Everything a reviewer signs, computed here and never taken from the renderer: the chain
 * verification, the decisions re-verified and the range digests, as one statement.
 */
export async function prepareStatement(deps: PrepareDeps, s: OperatorSession, req: ReviewRequest) {
  const pool = deps.pool;
  if (req.toSeq < req.fromSeq)
    throw new ArxFailure('REVIEW_RANGE_INVALID', `toSeq ${req.toSeq} is before fromSeq ${req.fromSeq}.`, {
      path: 'toSeq',
    });
  const b3: Blake3 = await loadBlake3();
  const { tenant, signingCert } = await reviewContext(pool, req, s.operatorId);
  const report = await verifyTenantChain(pool, req.tenantId, {
    range: { kind: 'seq', from: req.fromSeq, to: req.toSeq },
    blake3: b3,
    pool: sharedDigestPool(),
    writerTrust: deps.writerTrust ?? null,
  });
  const { jobId: _job, ...verification } = toVerifyResult(`vj-${randomBytes(8).toString('hex')}`, tenant, report);
  void _job;
  const decisions = await reviewDecisions(deps, req, s.operatorId);
  const digests = await withTenant(pool, req.tenantId, (c) =>
    rangeDigests(c, req.tenantId, req.fromSeq, req.toSeq, b3),
  );
  return fidelityStatement({
    req,
    s,
    signingCert,
    verification,
    decisions,
    digests,
    reviewedAt: deps.now(),
    companion: deps.companion ?? null,
  });
}
