import type pg from 'pg';
import { z } from 'zod';
import { fromBase64 } from '../../../shared/bytes';
import { ArxFailure } from '../../../shared/contract';
import { openFidelityCertificate, type FidelityEnvelope, type FidelityStatement } from '../../../shared/review';
import type { Delivery } from '../cache/outbox';
import { loadBlake3 } from '../crypto/blake3';
import type { NewEvent } from '../controlplane/chain-writer';
import { holdsRole } from '../controlplane/repos/operators';
import { recordReview, reviewEnvelope } from '../controlplane/repos/reviews';
import { tenantById } from '../controlplane/repos/tenants';
import { withTenant } from '../controlplane/tenant-session';
import { sha256Hex, verifyCardSignature } from './card-signature';
import { rangeDigests } from './range-digest';
import { judgeReviewPq } from '../companion/pq-signature';

/**
 * Reviews signed while the control plane was unreachable: the signed envelope is
 * sealed in the local cache's outbox as kind `review.signed` and delivered when the database is
 * back. Delivery writes exactly what an online `review.sign` writes — the same
 * `com.arx.review.signed` event and the same `arx.review_certificates` row, in one transaction —
 * through the outbox's exactly-once transaction (docs/cache.md "Outbox"). Before that, the
 * control plane checks the item again; a refusal is an ArxFailure with its code, which the outbox
 * keeps as a rejected item (never a silent loss).
 */

export const REVIEW_OUTBOX_KIND = 'review.signed';

/** What is queued: the signed envelope and who signed it (the operator's console session at signing time). */
export const QueuedReviewSchema = z
  .object({
    v: z.literal(1),
    envelope: z.unknown(),
    operatorId: z.string().uuid(),
    edipi: z.string().regex(/^[0-9]{10}$/),
  })
  .strict();
export type QueuedReview = z.infer<typeof QueuedReviewSchema>;

/** The audit event of a stored review (online and delivered alike). */
export function reviewSignedEvent(st: FidelityStatement, edipi: string): NewEvent {
  const a = st.subject[0]!.annotations;
  const p = st.predicate;
  return {
    type: 'com.arx.review.signed',
    subject: edipi,
    data: { reviewId: p.reviewId, fromSeq: a.fromSeq, toSeq: a.toSeq, signer: edipi, verdict: p.verdict },
  };
}

/** The certificate row and its event (prepared rows), online and delivered alike, signed by the connected operator. */
export async function insertCertificate(
  client: pg.PoolClient,
  envelope: FidelityEnvelope,
  st: FidelityStatement,
  event: unknown[],
): Promise<void> {
  const a = st.subject[0]!.annotations;
  await recordReview(
    client,
    { id: st.predicate.reviewId, tenantId: a.tenantId, fromSeq: a.fromSeq, toSeq: a.toSeq, envelope },
    event,
  );
}

/** The one-line description shown in the outbox list (Settings) and on the Certificates screen. */
export function queuedReviewSummary(st: FidelityStatement): string {
  const a = st.subject[0]!.annotations;
  const p = st.predicate;
  return `Review of ${p.verification.tenant.slug} seq ${a.fromSeq}–${a.toSeq} (${p.verdict}), signed by ${p.reviewer.displayName} at ${p.reviewedAt}`;
}

/**
 * The tenant of a queued review (the outbox list's `tenantId`): the tenant id in the signed
 * statement's subject annotations, read without checking the signature (the delivery does that;
 * the payload was sealed by this console). A payload or envelope that does not parse gives null,
 * never a throw.
 */
export function queuedReviewTenant(payload: unknown): string | null {
  try {
    const q = QueuedReviewSchema.safeParse(payload);
    if (!q.success) return null;
    const opened = openFidelityCertificate(q.data.envelope);
    return opened.ok ? opened.statement.subject[0]!.annotations.tenantId : null;
  } catch {
    return null;
  }
}

/**
 * The delivery of kind `review.signed`. Checks, in this order (each refusal rejects the item with
 * its code): the payload and envelope parse and the signature verifies (REVIEW_ENVELOPE_INVALID /
 * REVIEW_STATEMENT_INVALID / REVIEW_SIGNATURE_INVALID / REVIEW_PQ_… / REVIEW_SIGNER_MISMATCH); the tenant exists
 * (REVIEW_TENANT_UNKNOWN); the chain today still has the reviewed root, head and predecessor
 * (REVIEW_CHAIN_CHANGED); then inside the delivery transaction, the signer still holds the isso
 * role there (REVIEW_ROLE_REQUIRED) and no certificate with this review id exists
 * (REVIEW_ALREADY_STORED when it is this very envelope — an online write whose commit was not
 * acknowledged — else REVIEW_DUPLICATE_ID). A database that is not reachable is transient: the
 * item stays pending.
 */
export function reviewDelivery(pool: () => pg.Pool): Delivery {
  return async (payload) => {
    const { q, st, envelope } = openQueuedReview(payload);
    await checkChainUnchanged(pool(), st);
    const tenantId = st.subject[0]!.annotations.tenantId;
    return {
      tenantId,
      operatorId: q.operatorId,
      events: [reviewSignedEvent(st, q.edipi)],
      writeWithEvents: (client, event) => storeDelivered(client, q, st, envelope, event),
    };
  };
}

/** The queued item parses, its envelope opens, and the reviewer's card signed it. */
function openQueuedReview(payload: unknown) {
  const parsed = QueuedReviewSchema.safeParse(payload);
  if (!parsed.success)
    throw new ArxFailure('REVIEW_ENVELOPE_INVALID', 'The queued review is not in the expected form.', {
      path: parsed.error.issues[0]?.path.join('.') ?? '',
    });
  const q = parsed.data;
  const opened = openFidelityCertificate(q.envelope);
  if (!opened.ok)
    throw new ArxFailure(opened.code, `The queued review does not parse: ${opened.message}`, { path: opened.path });
  const p = opened.statement.predicate;
  const certDer = fromBase64(p.reviewer.certificate);
  const sig = fromBase64(opened.envelope.signatures[0]!.sig);
  if (!certDer || sha256Hex(certDer) !== p.reviewer.certificateSha256) {
    throw new ArxFailure(
      'REVIEW_CERTIFICATE_MISMATCH',
      "The reviewer's certificate in the queued statement is not the one named by its SHA-256.",
    );
  }
  if (!sig || !verifyCardSignature(certDer, opened.signingInput, sig)) {
    throw new ArxFailure(
      'REVIEW_SIGNATURE_INVALID',
      'The signature of the queued review does not verify over its statement.',
    );
  }
  const pq = judgeReviewPq(opened.envelope, opened.statement, opened.signingInput, certDer);
  if (pq.state === 'invalid')
    throw new ArxFailure(pq.code ?? 'REVIEW_PQ_SIGNATURE_INVALID', `The queued review: ${pq.message}.`);
  if (p.reviewer.operatorId !== q.operatorId || p.reviewer.edipi !== q.edipi) {
    throw new ArxFailure(
      'REVIEW_SIGNER_MISMATCH',
      'The queued review names another reviewer than the operator who queued it.',
    );
  }
  return { q, st: opened.statement, envelope: opened.envelope as FidelityEnvelope };
}

/** The chain today still has the reviewed root, head and predecessor. */
async function checkChainUnchanged(pool: pg.Pool, st: FidelityStatement): Promise<void> {
  const a = st.subject[0]!.annotations;
  const b3 = await loadBlake3();
  // Outside the append transaction (the chain lock is not held while the range is hashed): the
  // stored chain is append-only, so the range's digests cannot legitimately change meanwhile.
  const today = await withTenant(pool, a.tenantId, async (c) => {
    if (!(await tenantById(c, a.tenantId))) return null;
    return rangeDigests(c, a.tenantId, a.fromSeq, a.toSeq, b3);
  });
  if (!today)
    throw new ArxFailure(
      'REVIEW_TENANT_UNKNOWN',
      `The reviewed tenant ${a.tenantId} is not in this control plane (any more).`,
      { tenantId: a.tenantId },
    );
  const changed: string[] = [];
  if (today.root !== st.subject[0]!.digest.sha256)
    changed.push(`the SHA-256 root of seq 0…${a.toSeq} is now ${today.root}`);
  if (today.head !== st.subject[0]!.digest.blake3)
    changed.push(`the chain hash at seq ${a.toSeq} is now ${today.head}`);
  if (today.previousHead !== a.previousHead)
    changed.push(`the chain hash before seq ${a.fromSeq} is now ${today.previousHead}`);
  if (changed.length)
    throw new ArxFailure(
      'REVIEW_CHAIN_CHANGED',
      `The chain no longer matches the queued review: ${changed.join('; ')}.`,
      {
        reviewId: st.predicate.reviewId,
      },
    );
}

/** Inside the delivery transaction: the signer still holds the isso role and the review id is free. */
async function storeDelivered(
  client: pg.PoolClient,
  q: QueuedReview,
  st: FidelityStatement,
  envelope: FidelityEnvelope,
  event: unknown[],
): Promise<void> {
  const tenantId = st.subject[0]!.annotations.tenantId;
  const reviewId = st.predicate.reviewId;
  if (!(await holdsRole(client, tenantId, q.operatorId, 'isso')))
    throw new ArxFailure(
      'REVIEW_ROLE_REQUIRED',
      'The reviewer no longer holds the isso role in this tenant: the queued review is refused.',
      { tenantId },
    );
  const stored = await reviewEnvelope<FidelityEnvelope>(client, tenantId, reviewId);
  if (stored) {
    const same = stored.payload === envelope.payload && stored.signatures[0]?.sig === envelope.signatures[0]!.sig;
    throw same
      ? new ArxFailure(
          'REVIEW_ALREADY_STORED',
          'This review is already stored (an earlier write did commit): nothing was written again.',
          { reviewId },
        )
      : duplicateReviewId(reviewId);
  }
  try {
    await insertCertificate(client, envelope, st, event);
  } catch (err) {
    const e = err as { code?: string; constraint?: string };
    // The id is taken in another tenant (invisible here under RLS).
    if (e.code === '23505' && e.constraint === 'review_certificates_pkey') throw duplicateReviewId(reviewId);
    throw err;
  }
}

const duplicateReviewId = (reviewId: string) =>
  new ArxFailure(
    'REVIEW_DUPLICATE_ID',
    `Another certificate with review id ${reviewId} is already stored: the queued one is refused.`,
    { reviewId },
  );
