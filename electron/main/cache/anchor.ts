/**
 * Rollback detection for the local cache (docs/cache.md "Rollback"): the change counter of
 * the cache's sealed manifest is anchored in the control plane (migration 0008, arx.cache_anchors,
 * append-only, RLS per tenant) while it is connected, and compared on every check:
 *
 *   file counter < latest authentic anchor, or the file's record of the last anchor it made is below
 *   it (a copy put back that has since grown past it)  → CACHE_ROLLED_BACK
 *   file counter > latest authentic anchor  → the file records the anchor (one transaction), then a
 *                                              new anchor is appended (at most every minIntervalMs)
 *
 * "Authentic": the anchor's MAC verifies under the cache's anchor key (a random key sealed in the
 * file when the cache was made; every copy of the file has it, nobody else does). A row another
 * console inserted for this cache id without the key is ignored (counted in `forged`), so it can
 * neither mark a good cache rolled back nor hide a rollback.
 *
 * Anchors go to every tenant of the logged-in operator's session and are read back from all of them.
 * Limits (docs/cache.md): only changes anchored before the copy was put back count — a copy made
 * after the last anchor (changes offline or within minIntervalMs) is not told apart; a workstation
 * that never connects anchors nothing; a file made before anchoring existed, restored, gets a new
 * anchor key and ignores the older anchors.
 */
import { timingSafeEqual } from 'node:crypto';
import type pg from 'pg';
import {
  CACHE_ANCHOR_PAGE,
  recordCacheAnchor,
  listCacheAnchors,
  type CacheAnchorRow,
} from '../controlplane/repos/cache-anchors';
import { withTenant } from '../controlplane/tenant-session';
import type { LocalCache } from './local-cache';

export interface AnchorResult {
  /** The file's change counter. */
  counter: number;
  /** The latest authentic anchor found (null: none yet). */
  anchored: number | null;
  /** The file is an older copy (CACHE_ROLLED_BACK was set on the cache). */
  rolledBack: boolean;
  /** A new anchor was appended with the file's counter. */
  appended: boolean;
  /** Anchor rows for this cache id whose MAC does not verify (ignored). */
  forged: number;
}

const sameHex = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/**
 * Compares the unlocked cache with its anchors and appends a newer one. `lastAppendedAt` (ms) and
 * `minIntervalMs` throttle the appends; a check always runs.
 */
export async function checkAndAnchor(
  cache: LocalCache,
  pool: pg.Pool,
  tenantIds: readonly string[],
  opts: { now?: number; lastAppendedAt?: number | null; minIntervalMs?: number } = {},
): Promise<AnchorResult> {
  const state = cache.anchorState();
  const { cacheId, anchored: known } = state;
  let counter = state.counter;
  let anchored: number | null = null;
  let forged = 0;
  for (const tenant of tenantIds) {
    // Newest first, a page at a time, down to the first authentic row (forged rows above it cannot hide it).
    const latest = await withTenant(pool, tenant, async (c) => {
      let before: CacheAnchorRow | null = null;
      for (;;) {
        const page = await listCacheAnchors(c, tenant, cacheId, before);
        for (const r of page) {
          if (sameHex(r.mac, cache.anchorMac(Number(r.counter)))) return Number(r.counter);
          forged++;
        }
        if (page.length < CACHE_ANCHOR_PAGE) return null;
        before = page[page.length - 1]!;
      }
    });
    if (latest !== null && (anchored === null || latest > anchored)) anchored = latest;
  }
  if (anchored !== null && (counter < anchored || (known ?? -1) < anchored)) {
    cache.markRolledBack(counter, anchored, known);
    return { counter, anchored, rolledBack: true, appended: false, forged };
  }
  const now = opts.now ?? Date.now();
  const due = opts.lastAppendedAt == null || now - opts.lastAppendedAt >= (opts.minIntervalMs ?? 0);
  let appended = false;
  if ((anchored === null || counter > anchored) && due && tenantIds.length > 0) {
    counter = cache.recordAnchor();
    const mac = cache.anchorMac(counter);
    for (const tenant of tenantIds) {
      await withTenant(pool, tenant, (c) => recordCacheAnchor(c, { tenantId: tenant, cacheId, counter, mac }));
    }
    appended = true;
  }
  return { counter, anchored, rolledBack: false, appended, forged };
}
