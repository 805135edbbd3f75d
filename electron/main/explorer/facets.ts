import { eventSpan, facetValues, FACET_COLUMNS } from '../controlplane/repos/explorer';
import type { Queryable } from '../controlplane/repos/queryable';

const MAX_VALUES = 500;

/**
 * The distinct values of each facet (loose index scans: a few dozen index probes instead of
 * reading a million rows to count them) and the chain's time span. Run inside withTenant.
 */
export async function loadFacets(client: Queryable, tenantId: string) {
  const out: Record<keyof typeof FACET_COLUMNS, string[]> = { user: [], team: [], provider: [], model: [], reason: [] };
  for (const key of Object.keys(FACET_COLUMNS) as (keyof typeof FACET_COLUMNS)[])
    out[key] = await facetValues(client, tenantId, key, MAX_VALUES);
  const s = await eventSpan(client, tenantId);
  return { ...out, firstTime: s.first, lastTime: s.last, events: s.events };
}
