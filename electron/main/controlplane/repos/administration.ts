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
