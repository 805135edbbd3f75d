import type pg from 'pg';
import { ArxFailure } from '../../../shared/contract';
import { isUuid } from '../../../shared/ids';

/**
 * Runs `fn` in a transaction opened for one tenant: `arx.tenant_id` is set transaction-locally,
 * so row-level security shows and accepts that tenant's rows only, and nothing leaks into the
 * next use of the pooled connection.
 */
export async function withTenant<T>(
  pool: pg.Pool,
  tenantId: string,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  if (!isUuid(tenantId))
    throw new ArxFailure('INVALID_REQUEST', `Not a tenant id: ${tenantId.slice(0, 40)}`, { path: 'tenant' });
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query("SELECT set_config('arx.tenant_id', $1, true)", [tenantId]);
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/** Creates a login role that is a member of arx_console or arx_gateway (never a superuser, never BYPASSRLS). */
export async function createLoginRole(
  admin: pg.ClientBase | pg.Pool,
  name: string,
  password: string,
  member: 'arx_console' | 'arx_gateway',
): Promise<void> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`bad role name ${name}`);
  // Generated passwords only (base64url): nothing here needs quoting, and nothing can break out.
  if (!/^[A-Za-z0-9_-]{16,}$/.test(password)) throw new Error('login role passwords must be generated base64url');
  const lit = password;
  await admin.query(`DO $$ BEGIN
    CREATE ROLE ${name} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD '${lit}' IN ROLE ${member};
  EXCEPTION WHEN duplicate_object OR unique_violation THEN
    ALTER ROLE ${name} LOGIN PASSWORD '${lit}';
  END $$`);
}
