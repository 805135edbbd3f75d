import { callDefiner } from './definer-errors';
import type { Queryable } from './queryable';

/** Fidelity certificates (arx.review_certificates) and their audit events, inside a tenant transaction. */

/**
 * Stores a certificate signed by the connected operator with its com.arx.review.signed event
 * (prepared rows), through arx.record_review: both or neither.
 */
export async function recordReview(
  q: Queryable,
  c: { id: string; tenantId: string; fromSeq: number; toSeq: number; envelope: unknown },
  event: unknown[],
): Promise<void> {
  await callDefiner(q, 'record_review', [c.tenantId, c.id, c.fromSeq, c.toSeq, JSON.stringify(c.envelope), ...event], {
    AX403: 'REVIEW_ROLE_REQUIRED',
  });
}

/** Records the export of a bundle by the connected operator: its com.arx.bundle.exported event (prepared rows). */
export async function recordBundleExport(q: Queryable, tenantId: string, event: unknown[]): Promise<void> {
  await callDefiner(q, 'record_bundle_export', [tenantId, ...event]);
}

/** The newest certificates of the tenant (at most `limit`), newest first. */
export async function reviewCertificates(
  q: Queryable,
  tenantId: string,
  limit: number,
): Promise<{ id: string; envelope: unknown; createdAt: Date }[]> {
  const r = await q.query<{ id: string; envelope: unknown; created_at: Date }>(
    'SELECT id, envelope, created_at FROM arx.review_certificates WHERE tenant_id = $1 ORDER BY created_at DESC, id LIMIT $2',
    [tenantId, limit],
  );
  return r.rows.map((x) => ({ id: x.id, envelope: x.envelope, createdAt: x.created_at }));
}

/** The stored envelope of one certificate, or null. */
export async function reviewEnvelope<E = unknown>(q: Queryable, tenantId: string, id: string): Promise<E | null> {
  const r = await q.query<{ envelope: E }>(
    'SELECT envelope FROM arx.review_certificates WHERE tenant_id = $1 AND id = $2',
    [tenantId, id],
  );
  return r.rows[0]?.envelope ?? null;
}

/** The first com.arx.review.signed event naming this review, or null. */
export async function reviewEventOf(
  q: Queryable,
  tenantId: string,
  reviewId: string,
): Promise<{ seq: number; time: Date } | null> {
  const r = await q.query<{ seq: string; time: Date }>(
    `SELECT seq, time FROM arx.audit_events WHERE tenant_id = $1 AND type = 'com.arx.review.signed' AND doc->'data'->>'reviewId' = $2 ORDER BY seq LIMIT 1`,
    [tenantId, reviewId],
  );
  return r.rows[0] ? { seq: Number(r.rows[0].seq), time: r.rows[0].time } : null;
}

/** A certificate's range by its id (compared as text), or null. */
export async function reviewRange(
  q: Queryable,
  tenantId: string,
  reviewId: string,
): Promise<{ id: string; fromSeq: number; toSeq: number } | null> {
  const r = await q.query<{ id: string; from_seq: string; to_seq: string }>(
    'SELECT id, from_seq, to_seq FROM arx.review_certificates WHERE tenant_id = $1 AND id::text = $2',
    [tenantId, reviewId],
  );
  const row = r.rows[0];
  return row ? { id: row.id, fromSeq: Number(row.from_seq), toSeq: Number(row.to_seq) } : null;
}

export interface StoredReview {
  id: string;
  signerId: string;
  fromSeq: number;
  toSeq: number;
  envelope: { signatures?: { keyid?: string }[] };
  createdAt: Date;
}

/** The certificates whose range overlaps seq [from, to], by id. */
export async function reviewsOverlapping(
  q: Queryable,
  tenantId: string,
  from: number,
  to: number,
): Promise<StoredReview[]> {
  const r = await q.query<{
    id: string;
    signer_id: string;
    from_seq: string;
    to_seq: string;
    envelope: StoredReview['envelope'];
    created_at: Date;
  }>(
    `SELECT id, signer_id, from_seq, to_seq, envelope, created_at FROM arx.review_certificates
     WHERE tenant_id = $1 AND from_seq <= $3 AND to_seq >= $2 ORDER BY id`,
    [tenantId, from, to],
  );
  return r.rows.map((x) => ({
    id: x.id,
    signerId: x.signer_id,
    fromSeq: Number(x.from_seq),
    toSeq: Number(x.to_seq),
    envelope: x.envelope,
    createdAt: x.created_at,
  }));
}
