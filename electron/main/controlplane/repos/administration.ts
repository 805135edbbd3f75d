import { definerFailure, type DefinerOverrides } from './definer-errors';
import type { Queryable } from './queryable';

/**
 * Administration: the control plane's bootstrap record, tenants and role grants with their
 * provenance. The functions here that write run with the DBA's rights (bootstrap) or inside the
 * administration functions' transactions.
 */

/** How many administrator grants exist, in any tenant (the DBA sees every row). */
export async function administratorCount(q: Queryable): Promise<number> {
  const r = await q.query<{ n: string }>(`SELECT count(*) AS n FROM arx.role_grants WHERE role = 'administrator'`);
  return Number(r.rows[0]!.n);
}

/** The system tenant recorded at bootstrap, or null before it. */
export async function systemTenant(q: Queryable): Promise<string | null> {
  const r = await q.query<{ system_tenant: string }>('SELECT system_tenant FROM arx.control_plane');
  return r.rows[0]?.system_tenant ?? null;
}

export async function recordBootstrap(q: Queryable, tenantId: string): Promise<void> {
  await q.query('INSERT INTO arx.control_plane (system_tenant) VALUES ($1)', [tenantId]);
}

export async function insertTenant(q: Queryable, id: string, slug: string, name: string): Promise<void> {
  await q.query('INSERT INTO arx.tenants (id, slug, name) VALUES ($1, $2, $3)', [id, slug, name]);
}

/** Inserts a new operator; false when the EDIPI is already enrolled. */
export async function insertOperator(q: Queryable, id: string, edipi: string, displayName: string): Promise<boolean> {
  const r = await q.query(
    'INSERT INTO arx.operators (id, edipi, display_name) VALUES ($1, $2, $3) ON CONFLICT (edipi) DO NOTHING',
    [id, edipi, displayName],
  );
  return (r.rowCount ?? 0) === 1;
}

/** A role grant with who granted it (null: the DBA at bootstrap) and who approved it. */
export async function insertGrant(
  q: Queryable,
  g: { tenantId: string; operatorId: string; role: string; grantedBy: string | null; approvedBy: string | null },
): Promise<void> {
  await q.query(
    'INSERT INTO arx.role_grants (tenant_id, operator_id, role, granted_by, approved_by) VALUES ($1, $2, $3, $4, $5)',
    [g.tenantId, g.operatorId, g.role, g.grantedBy, g.approvedBy],
  );
}

/** The event columns of one administration step (prepared by the caller: PostgreSQL has no BLAKE3). */
export interface AdminEventRow {
  seqs: string[];
  ids: string[];
  types: string[];
  times: string[];
  bytes: Buffer[];
  digests: Buffer[];
  hashes: Buffer[];
}

export type AdminFunction =
  | 'create_tenant'
  | 'rename_tenant'
  | 'enrol_operator'
  | 'reenrol_operator'
  | 'grant_role'
  | 'request_role_grant'
  | 'approve_role_grant'
  | 'revoke_role'
  | 'set_operator_status'
  | 'register_gateway_key'
  | 'rotate_gateway_key'
  | 'revoke_gateway_key';

/**
 * Calls an administration definer function (migrations 0014, 0020, 0021, 0027) with its arguments, then, unless the
 * step records no event, the event columns. Refusals come back as ArxFailure values.
 */
export async function callAdminFunction(
  q: Queryable,
  fn: AdminFunction,
  args: readonly unknown[],
  event: AdminEventRow | null,
): Promise<void> {
  const params = event
    ? [...args, event.seqs, event.ids, event.types, event.times, event.bytes, event.digests, event.hashes]
    : [...args];
  try {
    await q.query(`SELECT arx.${fn}(${params.map((_, i) => `$${i + 1}`).join(', ')})`, params);
  } catch (err) {
    throw definerFailure(err, ADMIN_CODES);
  }
}

const ADMIN_CODES: DefinerOverrides = {
  AX403: 'ADMINISTRATOR_REQUIRED',
  AX405: 'ADMINISTRATION_CONFLICT',
  AX409: 'ADMINISTRATION_REFUSED',
  AX410: 'ADMINISTRATION_SELF_REFUSED',
  AX422: 'ADMINISTRATION_SIGNATURE_INVALID',
  AX423: 'ADMINISTRATION_SIGNATURE_INVALID',
};

/** The head of a tenant's chain as an administrator reads it (they may hold no role there). */
export async function adminChainHead(
  q: Queryable,
  tenantId: string,
): Promise<{ seq: number; chainHash: Buffer } | null> {
  try {
    const r = await q.query<{ seq: string; chain_hash: Buffer }>(
      'SELECT seq, chain_hash FROM arx.admin_chain_head($1)',
      [tenantId],
    );
    const row = r.rows[0];
    return row ? { seq: Number(row.seq), chainHash: row.chain_hash } : null;
  } catch (err) {
    throw definerFailure(err, ADMIN_CODES);
  }
}

/** The system tenant, as any operator reads it. */
export async function systemTenantId(q: Queryable): Promise<string | null> {
  const r = await q.query<{ t: string | null }>('SELECT arx.system_tenant() AS t');
  return r.rows[0]?.t ?? null;
}

export interface GrantForReview {
  tenantId: string;
  tenantSlug: string;
  operatorId: string;
  edipi: string;
  displayName: string;
  status: string;
  role: string;
  grantedAt: Date;
  grantedBy: string | null;
  approvedBy: string | null;
  grantEnvelope: unknown;
  approvalEnvelope: unknown;
  /** Whether the system chain records this grant as made at bootstrap (role.granted with by = null). */
  bootstrapRecorded: boolean;
}

/** Every role grant with its provenance, for the access review (the DBA's or the owner's reading). */
export async function grantsForReview(q: Queryable): Promise<GrantForReview[]> {
  const r = await q.query(
    `SELECT g.tenant_id, t.slug, g.operator_id, o.edipi, o.display_name, o.status, g.role, g.granted_at,
            g.granted_by, g.approved_by, g.grant_envelope, g.approval_envelope,
            EXISTS (SELECT 1 FROM arx.audit_events e JOIN arx.control_plane c ON c.system_tenant = e.tenant_id
                     WHERE g.tenant_id = c.system_tenant AND e.type = 'com.arx.role.granted'
                       AND e.doc->'data'->>'operatorId' = g.operator_id::text AND e.doc->'data'->>'role' = g.role
                       AND e.doc->'data'->'by' = 'null'::jsonb) AS bootstrap_recorded
       FROM arx.role_grants g JOIN arx.operators o ON o.id = g.operator_id JOIN arx.tenants t ON t.id = g.tenant_id
      ORDER BY t.slug, o.edipi, g.role`,
  );
  return r.rows.map((x) => ({
    tenantId: x.tenant_id,
    tenantSlug: x.slug,
    operatorId: x.operator_id,
    edipi: x.edipi,
    displayName: x.display_name,
    status: x.status,
    role: x.role,
    grantedAt: x.granted_at,
    grantedBy: x.granted_by,
    approvedBy: x.approved_by,
    grantEnvelope: x.grant_envelope,
    approvalEnvelope: x.approval_envelope,
    bootstrapRecorded: x.bootstrap_recorded,
  }));
}

/** Every enrolled certificate (DER and expiry) by SHA-256 hex. */
export async function certificatesForReview(
  q: Queryable,
): Promise<Map<string, { operatorId: string; usage: string; der: Buffer; notAfter: Date; retiredAt: Date | null }>> {
  const r = await q.query(
    'SELECT sha256, operator_id, usage, der, not_after, retired_at FROM arx.operator_certificates',
  );
  return new Map(
    r.rows.map((x) => [
      (x.sha256 as Buffer).toString('hex'),
      { operatorId: x.operator_id, usage: x.usage, der: x.der, notAfter: x.not_after, retiredAt: x.retired_at },
    ]),
  );
}
