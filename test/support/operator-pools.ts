import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { inject } from 'vitest';
import type { OperatorPools } from '../../electron/main/card/operator-database';
import { OperatorPool } from '../../electron/main/controlplane/operator-pool';
import { enrolOperatorLogin, operatorRoleName } from '../../electron/main/controlplane/repos/operator-logins';
import { createLoginRole } from '../../electron/main/controlplane/tenant-session';
import { randomDatabasePassword, scramSha256Verifier } from '../../electron/main/crypto/scram';
import type { MigratedDatabase } from './pg';

/**
 * What ControlPlane gives OperatorAuth, on a migrated test database: a bootstrap login and the
 * operator's own pool once the card unwrapped its password (for tests that drive OperatorAuth
 * without the whole console). `pool()` is the open operator pool, or throws.
 */
export async function operatorPools(
  db: Pick<MigratedDatabase, 'name' | 'admin' | 'connect'>,
): Promise<OperatorPools & { pool(): pg.Pool; current(): OperatorPool | null }> {
  const pw = randomBytes(18).toString('base64url');
  const name = `bootstrap_${db.name.slice(-12)}`;
  await createLoginRole(db.admin, name, pw, 'arx_bootstrap');
  const bootstrap = db.connect(name, pw);
  const { host, port } = inject('pg');
  let open: OperatorPool | null = null;
  return {
    requireBootstrapPool: () => bootstrap,
    async openOperatorPool(role, password) {
      await open?.end();
      open = await OperatorPool.open({ host, port, database: db.name, ssl: false }, role, password, () => {});
    },
    async closeOperatorPool() {
      const o = open;
      open = null;
      await o?.end();
    },
    pool() {
      if (!open) throw new Error('no operator pool is open');
      return open.pool;
    },
    current: () => open,
  };
}

/**
 * An active operator with `role` in each of `tenants`, enrolled with a database login of their
 * own, and a pool connected as that login (no card: tests of what the database lets an operator do).
 */
export async function operatorWithLogin(
  db: Pick<MigratedDatabase, 'admin' | 'connect'>,
  tenants: readonly string[],
  role = 'auditor',
): Promise<{ id: string; edipi: string; pool: pg.Pool }> {
  const id = randomUUID();
  const edipi = String(1_000_000_000 + randomInt(0, 999_999_999));
  await db.admin.query(`INSERT INTO arx.operators (id, edipi, display_name) VALUES ($1, $2, 'TEST.OPERATOR')`, [
    id,
    edipi,
  ]);
  for (const t of tenants)
    await db.admin.query('INSERT INTO arx.role_grants (tenant_id, operator_id, role) VALUES ($1, $2, $3)', [
      t,
      id,
      role,
    ]);
  const password = randomDatabasePassword();
  await enrolOperatorLogin(db.admin, {
    operatorId: id,
    scramVerifier: scramSha256Verifier(password),
    wrap: randomBytes(64),
    wrapKeySha256: randomBytes(32),
  });
  return { id, edipi, pool: db.connect(operatorRoleName(id), password) };
}
