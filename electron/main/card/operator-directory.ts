import type pg from 'pg';
import type { EnrolledOperator } from './operator-auth';

/**
 * The operator enrolled with this EDIPI and this login certificate (PIV Authentication or CAC ID),
 * with every tenant role they hold; null when there is none.
 */
export async function findOperator(
  pool: pg.Pool,
  edipi: string,
  certificateSha256: string,
): Promise<EnrolledOperator | null> {
  const op = await pool.query<{ id: string; display_name: string; status: 'active' | 'disabled' }>(
    `SELECT o.id, o.display_name, o.status FROM arx.operators o
     JOIN arx.operator_certificates c ON c.operator_id = o.id
     WHERE o.edipi = $1 AND c.sha256 = $2 AND c.usage IN ('piv-auth', 'cac-id')`,
    [edipi, Buffer.from(certificateSha256, 'hex')],
  );
  const row = op.rows[0];
  if (!row) return null;
  const grants = await pool.query<{ tenant_id: string; tenant_slug: string; role: string }>(
    'SELECT tenant_id, tenant_slug, role FROM arx.operator_grants($1)',
    [row.id],
  );
  return {
    operatorId: row.id,
    displayName: row.display_name,
    status: row.status,
    roles: grants.rows.map((g) => ({ tenantId: g.tenant_id, tenant: g.tenant_slug, role: g.role })),
  };
}
