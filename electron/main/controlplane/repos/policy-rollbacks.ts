import type { Queryable } from './queryable';

/** Rollback requests and their approvals (arx.policy_rollbacks), inside a tenant transaction. */

/** A rollback with both signatures (the approver's once given), or null. */
export async function rollbackRow(q: Queryable, id: string) {
  const r = await q.query<{
    id: string;
    tenant_id: string;
    policy_id: string;
    to_sha256: Buffer;
    from_sha256: Buffer | null;
    requested_by: string;
    request_certificate_sha256: Buffer;
    request_envelope: unknown;
    approved_by: string | null;
    approval_certificate_sha256: Buffer | null;
    approval_envelope: unknown;
    state: 'requested' | 'applied' | 'refused';
    requested_at: string;
  }>(
    `SELECT id, tenant_id, policy_id, to_sha256, from_sha256, requested_by, request_certificate_sha256, request_envelope,
            approved_by, approval_certificate_sha256, approval_envelope, state,
            to_char(requested_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS requested_at
     FROM arx.policy_rollbacks WHERE id = $1`,
    [id],
  );
  const x = r.rows[0];
  if (!x) return null;
  return {
    rollbackId: x.id,
    tenantId: x.tenant_id,
    policyId: x.policy_id,
    toSha256: x.to_sha256.toString('hex'),
    fromSha256: x.from_sha256 ? x.from_sha256.toString('hex') : null,
    requester: {
      operatorId: x.requested_by,
      certificateSha256: x.request_certificate_sha256.toString('hex'),
      envelope: x.request_envelope,
    },
    approver:
      x.approved_by && x.approval_certificate_sha256
        ? {
            operatorId: x.approved_by,
            certificateSha256: x.approval_certificate_sha256.toString('hex'),
            envelope: x.approval_envelope,
          }
        : null,
    state: x.state,
    requestedAt: x.requested_at,
  };
}

export type RollbackRow = NonNullable<Awaited<ReturnType<typeof rollbackRow>>>;

/** The rollbacks of a policy, newest request first. */
export async function rollbackIdsOfPolicy(q: Queryable, tenantId: string, policyId: string): Promise<string[]> {
  const r = await q.query<{ id: string }>(
    'SELECT id FROM arx.policy_rollbacks WHERE tenant_id = $1 AND policy_id = $2 ORDER BY requested_at DESC',
    [tenantId, policyId],
  );
  return r.rows.map((x) => x.id);
}
