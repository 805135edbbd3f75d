import type pg from 'pg';
import { currentOperatorId, grantsOfCurrentOperator, operatorByLogin } from '../controlplane/repos/operators';
import type { EnrolledOperator } from './operator-admission';

/**
 * The operator enrolled with this EDIPI and this login certificate (PIV Authentication or CAC ID),
 * with every tenant role they hold; null when there is none. Asked on the operator's own pool: the
 * login certificate's operator must be the one the database connected (the card unwrapped their
 * credential), and the grants are the database's answer for that operator.
 */
export async function findOperator(
  pool: pg.Pool,
  edipi: string,
  certificateSha256: string,
): Promise<EnrolledOperator | null> {
  const op = await operatorByLogin(pool, edipi, certificateSha256);
  if (!op) return null;
  if (op.status === 'active' && (await currentOperatorId(pool)) !== op.id) return null;
  const grants = op.status === 'active' ? await grantsOfCurrentOperator(pool) : [];
  return {
    operatorId: op.id,
    displayName: op.displayName,
    status: op.status,
    roles: grants.map((g) => ({ tenantId: g.tenantId, tenant: g.tenantSlug, role: g.role })),
  };
}
