import type { Queryable } from './queryable';

export interface Tenant {
  id: string;
  slug: string;
  name: string;
}

/**
 * The tenant with this id, or null. Inside a tenant transaction row-level security shows only the
 * tenant that is set, so this is also the check that the session may see it.
 */
export async function tenantById(q: Queryable, id: string): Promise<Tenant | null> {
  const r = await q.query<Tenant>('SELECT id, slug, name FROM arx.tenants WHERE id = $1', [id]);
  return r.rows[0] ?? null;
}
