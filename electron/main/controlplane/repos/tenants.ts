import type { Queryable } from './queryable';

export interface Tenant {
  id: string;
  slug: string;
  name: string;
}

/**
 * The tenant with this id, or null. Inside withTenant row-level security shows only the tenant
 * that is set, so this is also the check that the session may see it.
 */
export async function tenantById(q: Queryable, id: string): Promise<Tenant | null> {
  const r = await q.query<Tenant>('SELECT id, slug, name FROM arx.tenants WHERE id = $1', [id]);
  return r.rows[0] ?? null;
}

/** The tenant with this id or slug, or null (the owner's pool: slugs are not visible to the application roles). */
export async function tenantByIdOrSlug(admin: Queryable, ref: string): Promise<Tenant | null> {
  const r = await admin.query<Tenant>('SELECT id, slug, name FROM arx.tenants WHERE id::text = $1 OR slug = $1', [ref]);
  return r.rows[0] ?? null;
}

/** Every tenant id, ordered by slug (the owner's pool). */
export async function allTenantIds(admin: Queryable): Promise<string[]> {
  const r = await admin.query<{ id: string }>('SELECT id FROM arx.tenants ORDER BY slug');
  return r.rows.map((x) => x.id);
}

/** Every tenant, ordered by slug (the owner's pool). */
export async function allTenants(admin: Queryable): Promise<Tenant[]> {
  return (await admin.query<Tenant>('SELECT id, slug, name FROM arx.tenants ORDER BY slug')).rows;
}

/** Inserts a tenant, or returns the one with this slug. */
export async function insertTenant(admin: Queryable, id: string, slug: string, name: string): Promise<Tenant> {
  const r = await admin.query<Tenant>(
    `INSERT INTO arx.tenants (id, slug, name) VALUES ($1, $2, $3)
     ON CONFLICT (slug) DO UPDATE SET slug = EXCLUDED.slug RETURNING id, slug, name`,
    [id, slug, name],
  );
  return r.rows[0]!;
}

/** Adds an organisational unit of the tenant (the owner's pool). */
export async function insertOrgUnit(
  admin: Queryable,
  u: { id: string; tenantId: string; kind: 'organisation'; name: string },
): Promise<void> {
  await admin.query('INSERT INTO arx.org_units (id, tenant_id, kind, name) VALUES ($1, $2, $3, $4)', [
    u.id,
    u.tenantId,
    u.kind,
    u.name,
  ]);
}
