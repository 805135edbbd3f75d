import type pg from 'pg';
import { grantsOfOperator, operatorByLogin } from '../controlplane/repos/operators';
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
  const op = await operatorByLogin(pool, edipi, certificateSha256);
  if (!op) return null;
  const grants = await grantsOfOperator(pool, op.id);
  return {
    operatorId: op.id,
    displayName: op.displayName,
    status: op.status,
    roles: grants.map((g) => ({ tenantId: g.tenantId, tenant: g.tenantSlug, role: g.role })),
  };
}
