import { callDefiner } from './definer-errors';
import type { Queryable } from './queryable';

/** One anchor row of a local cache's change counter (arx.cache_anchors, migration 0008). */
export interface CacheAnchorRow {
  /** bigint, as text. */
  counter: string;
  mac: string;
}

/** Rows fetched per page by listCacheAnchors. */
export const CACHE_ANCHOR_PAGE = 64;

/**
 * A page of one cache's anchors in a tenant, newest first (counter, then MAC, descending), after
 * `before` (the last row of the previous page) when given. Run inside withTenant: RLS is forced.
 */
export async function listCacheAnchors(
  q: Queryable,
  tenantId: string,
  cacheId: string,
  before: CacheAnchorRow | null,
): Promise<CacheAnchorRow[]> {
  const r = before
    ? await q.query<CacheAnchorRow>(
        `SELECT counter, mac FROM arx.cache_anchors WHERE tenant_id = $1 AND cache_id = $2 AND (counter, mac) < ($3, $4) ORDER BY counter DESC, mac DESC LIMIT ${CACHE_ANCHOR_PAGE}`,
        [tenantId, cacheId, before.counter, before.mac],
      )
    : await q.query<CacheAnchorRow>(
        `SELECT counter, mac FROM arx.cache_anchors WHERE tenant_id = $1 AND cache_id = $2 ORDER BY counter DESC, mac DESC LIMIT ${CACHE_ANCHOR_PAGE}`,
        [tenantId, cacheId],
      );
  return r.rows;
}

/**
 * Appends an anchor through arx.record_cache_anchor (append-only table; the same counter and MAC
 * twice is a no-op), recorded as the operator of the login.
 */
export async function recordCacheAnchor(
  q: Queryable,
  anchor: { tenantId: string; cacheId: string; counter: number; mac: string },
): Promise<void> {
  await callDefiner(q, 'record_cache_anchor', [anchor.tenantId, anchor.cacheId, anchor.counter, anchor.mac]);
}
