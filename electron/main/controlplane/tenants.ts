import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { ArxFailure } from '../../../shared/contract';
import { isUuid } from '../../../shared/ids';
import { insertTenant, tenantById, tenantByIdOrSlug, type Tenant } from './repos/tenants';
import { withTenant } from './tenant-session';

export type { Tenant } from './repos/tenants';

/**
 * Finds a tenant by id or slug. The tenants table is itself under row-level security, so an
 * application role can only confirm an id it already knows; listing by slug needs the admin pool.
 */
export async function resolveTenant(pool: pg.Pool, ref: string, admin?: pg.Pool): Promise<Tenant> {
  const found = admin
    ? await tenantByIdOrSlug(admin, ref)
    : isUuid(ref)
      ? await withTenant(pool, ref, (c) => tenantById(c, ref))
      : null;
  if (found) return found;
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
  return insertTenant(admin, randomUUID(), slug, name);
}
