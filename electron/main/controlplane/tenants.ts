import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { ArxFailure } from '../../../shared/contract';
import { isUuid } from '../../../shared/ids';

export interface Tenant {
  id: string;
  slug: string;
  name: string;
}

/**
 * Finds a tenant by id or slug. The tenants table is itself under row-level security, so an
 * application role can only confirm an id it already knows; listing by slug needs the admin pool.
 */
export async function resolveTenant(pool: pg.Pool, ref: string, admin?: pg.Pool): Promise<Tenant> {
  const q = admin ?? pool;
  if (admin) {
    const r = await q.query<Tenant>('SELECT id, slug, name FROM arx.tenants WHERE id::text = $1 OR slug = $1', [ref]);
    if (r.rows[0]) return r.rows[0];
  } else if (isUuid(ref)) {
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      await c.query("SELECT set_config('arx.tenant_id', $1, true)", [ref]);
      const r = await c.query<Tenant>('SELECT id, slug, name FROM arx.tenants WHERE id = $1', [ref]);
      await c.query('COMMIT');
      if (r.rows[0]) return r.rows[0];
    } finally {
      c.release();
    }
  }
  throw new ArxFailure(
    'NOT_FOUND',
    `No tenant "${ref.slice(0, 64)}"${admin ? '' : ' (on an on-prem control plane, give the tenant id)'}.`,
    { tenant: ref },
  );
}

export async function createTenant(admin: pg.Pool, slug: string, name: string): Promise<Tenant> {
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(slug))
    throw new ArxFailure('INVALID_REQUEST', `Not a tenant slug: ${slug.slice(0, 64)} (a-z, 0-9 and -).`, {
      path: 'tenant',
    });
  const r = await admin.query<Tenant>(
    `INSERT INTO arx.tenants (id, slug, name) VALUES ($1, $2, $3) ON CONFLICT (slug) DO UPDATE SET slug = EXCLUDED.slug RETURNING id, slug, name`,
    [randomUUID(), slug, name],
  );
  return r.rows[0]!;
}
