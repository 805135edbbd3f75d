import type pg from 'pg';
import { ArxFailure } from '../../../shared/contract';
import { isUuid } from '../../../shared/ids';
import { cancelBackend } from './repos/backends';

export interface TenantTransactionOptions {
  /** One REPEATABLE READ READ ONLY snapshot (exports, verifications, re-verification). */
  snapshot?: boolean;
  /**
   * Aborting cancels the statement the connection is running (a COPY, a long scan); the connection
   * is then dropped, not rolled back and reused. The caller maps the resulting error.
   */
  signal?: AbortSignal;
}

/** What `fn` may do to the transaction besides querying. */
export interface TransactionControl {
  /**
   * The connection can run nothing more (a COPY left unread after a failure): on the error `fn`
   * then throws, the connection is dropped instead of rolled back and reused.
   */
  drop(): void;
  /** Whether the connection was dropped (by drop() or a cancel) rather than returned to the pool. */
  readonly dropped: boolean;
}

/**
 * Runs `fn` in a transaction opened for one tenant: `arx.tenant_id` is set transaction-locally,
 * so row-level security shows and accepts that tenant's rows only, and nothing leaks into the
 * next use of the pooled connection. This is the only place a tenant is set.
 */
export async function withTenant<T>(
  pool: pg.Pool,
  tenantId: string,
  fn: (client: pg.PoolClient, tx: TransactionControl) => Promise<T>,
  opts: TenantTransactionOptions = {},
): Promise<T> {
  if (!isUuid(tenantId))
    throw new ArxFailure('INVALID_REQUEST', `Not a tenant id: ${tenantId.slice(0, 40)}`, { path: 'tenant' });
  return inTransaction(
    pool,
    async (client, tx) => {
      await client.query("SELECT set_config('arx.tenant_id', $1, true)", [tenantId]);
      return fn(client, tx);
    },
    opts,
  );
}

/** A transaction with no tenant set: administrative writes as the owner, and tables without row policies. */
export async function inTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient, tx: TransactionControl) => Promise<T>,
  opts: TenantTransactionOptions = {},
): Promise<T> {
  const client = await pool.connect();
  let dropped = false;
  const cancel = () => {
    dropped = true;
    const pid = (client as unknown as { processID?: number }).processID;
    if (pid) cancelBackend(pool, pid).catch(() => {});
  };
  opts.signal?.addEventListener('abort', cancel);
  try {
    await client.query(opts.snapshot ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN');
    const tx: TransactionControl = {
      drop: () => {
        dropped = true;
      },
      get dropped() {
        return dropped;
      },
    };
    const out = await fn(client, tx);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    if (!dropped) await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    opts.signal?.removeEventListener('abort', cancel);
    client.release(dropped ? true : undefined);
  }
}

/** Creates a login role that is a member of arx_console or arx_gateway (never a superuser, never BYPASSRLS). */
export async function createLoginRole(
  admin: pg.ClientBase | pg.Pool,
  name: string,
  password: string,
  member: 'arx_console' | 'arx_gateway' | 'arx_bootstrap',
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
