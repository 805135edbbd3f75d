import type { GrantForReview } from './administration';
import type { EnrolledCertificate } from './administration-reads';
import { definerFailure, type DefinerOverrides } from './definer-errors';
import type { Queryable } from './queryable';

/**
 * The access review a page or a batch at a time, through the definer functions of migration 0029
 * on the administrator's own login, with the system tenant set (bootstrap grants are read from
 * its chain). Filters, counts and order are the database's; signatures are the console's to check.
 */

const CODES: DefinerOverrides = { AX403: 'ADMINISTRATOR_REQUIRED' };

/** What the review is narrowed to: text in tenant, EDIPI, name, role or status; problems; expiring certificates. */
export interface ReviewFilter {
  text: string;
  problemsOnly: boolean;
  /** Keys ('tenant/operator/role') of grants a full verification found not to verify. */
  flagged: readonly string[];
  /** Only grants whose operator's certificates in use expire by then. */
  expiringBefore: Date | null;
}

/** A grant as the review reads it: its provenance, whether it lacks a needed signature, its operator's expiry. */
export interface ReviewGrant extends GrantForReview {
  unsigned: boolean;
  certificatesExpire: Date | null;
}

export interface ReviewCounts {
  total: number;
  matching: number;
  unsigned: number;
  expiring: number;
}

async function query(q: Queryable, text: string, values: unknown[]): Promise<Record<string, unknown>[]> {
  try {
    return (await q.query(text, values)).rows as Record<string, unknown>[];
  } catch (err) {
    throw definerFailure(err, CODES);
  }
}

const grant = (x: Record<string, unknown>): ReviewGrant => ({
  tenantId: x.tenant_id as string,
  tenantSlug: x.slug as string,
  operatorId: x.operator_id as string,
  edipi: x.edipi as string,
  displayName: x.display_name as string,
  status: x.status as string,
  role: x.role as string,
  grantedAt: x.granted_at as Date,
  grantedBy: (x.granted_by as string | null) ?? null,
  approvedBy: (x.approved_by as string | null) ?? null,
  grantEnvelope: x.grant_envelope ?? null,
  approvalEnvelope: x.approval_envelope ?? null,
  bootstrapRecorded: x.bootstrap_recorded === true,
  unsigned: x.unsigned === true,
  certificatesExpire: (x.certificates_expire as Date | null) ?? null,
});

const filterArgs = (f: ReviewFilter) => [f.text, f.problemsOnly, [...f.flagged], f.expiringBefore];

/** Exact counts: every grant, those the filter matches, those lacking a needed signature, those expiring by `warnBefore`. */
export async function reviewCounts(q: Queryable, f: ReviewFilter, warnBefore: Date): Promise<ReviewCounts> {
  const [r] = await query(q, 'SELECT * FROM arx.admin_review_counts($1, $2, $3, $4, $5)', [
    ...filterArgs(f),
    warnBefore,
  ]);
  return {
    total: Number(r!.total),
    matching: Number(r!.matching),
    unsigned: Number(r!.unsigned),
    expiring: Number(r!.expiring),
  };
}

/** One page of the grants the filter matches, in the review's order (tenant slug, EDIPI, role). */
export async function reviewPage(q: Queryable, f: ReviewFilter, limit: number, offset: number): Promise<ReviewGrant[]> {
  return (
    await query(q, 'SELECT * FROM arx.admin_review_page($1, $2, $3, $4, $5, $6)', [...filterArgs(f), limit, offset])
  ).map(grant);
}

/** One tenant's grants after (edipi, role), in the review's order: batches of a walk over every grant. */
export async function reviewBatch(
  q: Queryable,
  tenantId: string,
  after: { edipi: string; role: string } | null,
  limit: number,
): Promise<ReviewGrant[]> {
  return (
    await query(q, 'SELECT * FROM arx.admin_review_batch($1, $2, $3, $4)', [
      tenantId,
      after?.edipi ?? null,
      after?.role ?? null,
      limit,
    ])
  ).map(grant);
}

/** The enrolled certificates with these SHA-256 digests (hex), retired ones included. */
export async function reviewCertificates(
  q: Queryable,
  shas: readonly string[],
): Promise<Map<string, EnrolledCertificate>> {
  if (shas.length === 0) return new Map();
  const rows = await query(q, 'SELECT * FROM arx.admin_certificates_by_sha($1::bytea[])', [
    shas.map((s) => Buffer.from(s, 'hex')),
  ]);
  return new Map(
    rows.map((x) => [
      (x.sha256 as Buffer).toString('hex'),
      {
        operatorId: x.operator_id as string,
        usage: x.usage as string,
        der: x.der as Buffer,
        notAfter: x.not_after as Date,
        retiredAt: (x.retired_at as Date | null) ?? null,
      },
    ]),
  );
}
