import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { inject } from 'vitest';
import type { OperatorPools } from '../../electron/main/card/operator-database';
import { OperatorPool } from '../../electron/main/controlplane/operator-pool';
import { createLoginRole } from '../../electron/main/controlplane/tenant-session';
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
