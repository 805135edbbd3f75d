import type { Queryable } from './queryable';

/**
 * The audit chain's rows (arx.audit_events). Always called inside a tenant transaction (row-level
 * security is the tenant boundary; the tenant_id condition is for the indexes).
 */

/** The chain's length (max seq + 1; 0 when empty). */
export async function chainSize(q: Queryable, tenantId: string): Promise<number> {
  const r = await q.query<{ n: string | null }>('SELECT max(seq) AS n FROM arx.audit_events WHERE tenant_id = $1', [
    tenantId,
  ]);
  const n = r.rows[0]?.n;
  return n === null || n === undefined ? 0 : Number(n) + 1;
}

/**
 * The smallest seq range holding every event stored with a time in [from, to], or null when none
 * is. The times are passed as text: microseconds survive (a Date keeps milliseconds).
 */
export async function seqRangeOfTimes(
  q: Queryable,
  tenantId: string,
  from: string,
  to: string,
): Promise<{ from: number; to: number } | null> {
  const r = await q.query<{ lo: string | null; hi: string | null }>(
    'SELECT min(seq) AS lo, max(seq) AS hi FROM arx.audit_events WHERE tenant_id = $1 AND time >= $2::timestamptz AND time <= $3::timestamptz',
    [tenantId, from, to],
  );
  const lo = r.rows[0]?.lo ?? null;
  const hi = r.rows[0]?.hi ?? null;
  return lo === null || hi === null ? null : { from: Number(lo), to: Number(hi) };
}

/** Seqs in [from, to] (to null: open) whose jsonb copy differs from the stored bytes, first `limit` of them. */
export async function seqsWithDifferingDoc(
  q: Queryable,
  tenantId: string,
  from: number,
  to: number | null,
  limit: number,
): Promise<number[]> {
  const r = await q.query<{ seq: string }>(
    `SELECT seq FROM arx.audit_events WHERE tenant_id = $1 AND seq >= $2 AND ($3::bigint IS NULL OR seq <= $3)
       AND doc IS DISTINCT FROM convert_from(bytes, 'UTF8')::jsonb ORDER BY seq LIMIT $4`,
    [tenantId, from, to, limit],
  );
  return r.rows.map((x) => Number(x.seq));
}

/** The first event that names this policy version (located through the jsonb copy), or null. */
export async function firstSeqNamingPolicyVersion(
  q: Queryable,
  tenantId: string,
  sha256: string,
): Promise<number | null> {
  const r = await q.query<{ seq: string }>(
    `SELECT seq FROM arx.audit_events WHERE tenant_id = $1
       AND (doc->'data'->'policyVersion'->>'sha256' = $2 OR doc->'data'->>'versionSha256' = $2) ORDER BY seq LIMIT 1`,
    [tenantId, sha256],
  );
  return r.rows[0] ? Number(r.rows[0].seq) : null;
}
