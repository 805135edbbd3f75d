import type { MerkleHasher } from '../../../shared/merkle';
import type { Blake3 } from '../../../shared/chain';
import type { auditExplorerCommands } from '../../../shared/contract/domains/audit-explorer';
import { loadBlake3 } from '../crypto/blake3';
import { loadWasmMerkleHasher } from '../chain/node-crypto';
import { largestCheckpointSize } from '../controlplane/repos/checkpoints';
import { withTenant } from '../controlplane/tenant-session';
import type { DomainDeps, DomainHandlers } from '../handlers/domain-deps';
import { notCachedHere } from '../cache/offline';
import { loadDashboard } from './dashboard';
import { loadEventDetail } from './event-detail';
import { loadFacets } from './facets';
import { countMatches, queryPage } from './query';
import { InclusionProver, SubtreeCache } from './proof';

/**
 * Handlers for the commands in shared/contract/domains/audit-explorer.ts. Who may look at a
 * tenant's events (an operator with a role there) is declared in the contract and enforced by the
 * registry; row-level security then confines every query to that tenant (withTenant).
 */
export function createAuditExplorerHandlers(deps: DomainDeps): DomainHandlers<typeof auditExplorerCommands> {
  const cache = new SubtreeCache();
  let crypto: Promise<{ blake3: Blake3; hasher: MerkleHasher }> | null = null;
  const hashing = () =>
    (crypto ??= Promise.all([loadBlake3(), loadWasmMerkleHasher()]).then(([blake3, hasher]) => ({
      blake3,
      hasher,
    })));
  const run = <T>(tenantId: string, fn: Parameters<typeof withTenant<T>>[2]) =>
    withTenant(deps.controlPlane.requirePool(), tenantId, fn);
  // Opening a tenant in the explorer warms the proof cache up to its newest checkpoint in the
  // background, so that the first event a user opens does not read the whole chain. Once per tenant.
  const warmed = new Set<string>();
  const warmProofs = async (tenantId: string) => {
    if (warmed.has(tenantId)) return;
    warmed.add(tenantId);
    try {
      const h = await hashing();
      await withTenant(deps.controlPlane.requirePool(), tenantId, async (c) =>
        new InclusionProver(c, tenantId, h.hasher, cache).warm(await largestCheckpointSize(c, tenantId)),
      );
    } catch (err) {
      warmed.delete(tenantId);
      deps.log(`explorer: warming the proof cache of ${tenantId} failed: ${(err as Error).message}`);
    }
  };
  describeOfflineExplorer(deps);
  return {
    'explorer.query': async (req) => {
      const t0 = performance.now();
      const page = await run(req.tenantId, (c) =>
        queryPage(c, req.tenantId, req.filter, req.sort, req.cursor, req.limit),
      );
      return { ...page, elapsedMs: Math.round((performance.now() - t0) * 10) / 10 };
    },
    'explorer.matchCount': async (req) => {
      const t0 = performance.now();
      const m = await run(req.tenantId, (c) => countMatches(c, req.tenantId, req.filter, req.sort));
      return { ...m, elapsedMs: Math.round((performance.now() - t0) * 10) / 10 };
    },
    'explorer.event': async (req) => {
      const h = await hashing();
      return run(req.tenantId, (c) => loadEventDetail(c, req.tenantId, req.seq, { ...h, cache }));
    },
    'explorer.facets': async (req) => {
      const facets = await run(req.tenantId, (c) => loadFacets(c, req.tenantId));
      void warmProofs(req.tenantId);
      return facets;
    },
    'explorer.dashboard': async (req) => {
      const t0 = performance.now();
      const d = await run(req.tenantId, (c) => loadDashboard(c, req.tenantId, req.timeFrom, req.timeTo));
      return { ...d, elapsedMs: Math.round(performance.now() - t0) };
    },
  };
}

/**
 * Pages, events, facets and dashboards are declared offline: 'cache' (shared/contract): sealed
 * online, answered from the local cache (marked cached) when the control plane is unreachable.
 */
function describeOfflineExplorer(deps: DomainDeps): void {
  deps.offline.describe({
    'explorer.query': {
      kind: 'event-page',
      key: (req) => ({
        q: 'explorer.query',
        tenantId: req.tenantId,
        filter: req.filter,
        sort: req.sort,
        cursor: req.cursor,
        limit: req.limit,
      }),
      notCached: (req) =>
        notCachedHere(
          req.cursor === null ? 'this explorer page (this tenant, filter and sort)' : 'this next page of the explorer',
          { tenantId: req.tenantId, path: 'filter' },
        ),
    },
    'explorer.matchCount': {
      kind: 'event-page',
      key: (req) => ({ q: 'explorer.matchCount', tenantId: req.tenantId, filter: req.filter, sortKey: req.sort.key }),
      notCached: (req) =>
        notCachedHere('the number of events matching this filter', { tenantId: req.tenantId, path: 'filter' }),
    },
    'explorer.event': {
      kind: 'event-page',
      key: (req) => ({ q: 'explorer.event', tenantId: req.tenantId, seq: req.seq }),
      notCached: (req) => notCachedHere(`event ${req.seq}`, { tenantId: req.tenantId, seq: req.seq }),
    },
    'explorer.facets': {
      kind: 'event-page',
      key: (req) => ({ q: 'explorer.facets', tenantId: req.tenantId }),
      notCached: (req) => notCachedHere("this tenant's filter values", { tenantId: req.tenantId }),
    },
    'explorer.dashboard': {
      kind: 'event-page',
      key: (req) => ({ q: 'explorer.dashboard', tenantId: req.tenantId, timeFrom: req.timeFrom, timeTo: req.timeTo }),
      notCached: (req) =>
        notCachedHere('this dashboard (this tenant and time range)', { tenantId: req.tenantId, path: 'timeFrom' }),
    },
  });
}
