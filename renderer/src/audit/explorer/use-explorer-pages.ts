import { useCallback, useEffect, useState } from 'react';
import type { ExplorerFilter, ExplorerRow, ExplorerSort } from '../../../../shared/contract/domains/audit-explorer';
import { callArx, type ArxError } from '../../app/arx-client';
import type { Facets } from './FilterBar';

const PAGE = 200;

interface Page {
  key: string;
  rows: ExplorerRow[];
  next: string | null;
  elapsedMs: number | null;
  error: ArxError | null;
  /** Answered from the local cache (control plane unreachable): when it was fetched. */
  cached: { at: string } | null;
  /**
   * How many events match a filter (exact, or PostgreSQL's estimate), asked for after the first
   * page arrived: 'counting' until it is known, null when not asked (or it could not be had).
   */
  matches: Matches;
}

export type Matches = { count: number; exact: boolean } | 'counting' | null;

/** The tenant's filter facets and its number of events (exact: the highest seq + 1). */
export function useExplorerFacets(tenantId: string | null) {
  const [facets, setFacets] = useState<Facets | null>(null);
  const [total, setTotal] = useState<number | null>(null);
  useEffect(() => {
    if (!tenantId) return;
    let live = true;
    void callArx((arx) => arx.explorer.facets({ tenantId })).then((r) => {
      if (live && r.ok) {
        setFacets(r.value);
        setTotal(r.value.events);
      }
    });
    return () => {
      live = false;
    };
  }, [tenantId]);
  return { facets, total };
}

/**
 * The explorer's result as keyset pages: the first page for (tenant, filter, sort), then more on
 * demand. An answer to an older query (filters changed meanwhile) is never shown.
 */
export function useExplorerPages(tenantId: string | null, filter: ExplorerFilter, sort: ExplorerSort) {
  const [page, setPage] = useState<Page | null>(null);
  const [moreLoading, setMoreLoading] = useState(false);
  const key = JSON.stringify([tenantId, filter, sort]);

  useEffect(() => {
    if (!tenantId) return;
    let live = true;
    void callArx((arx) => arx.explorer.query({ tenantId, filter, sort, cursor: null, limit: PAGE })).then((r) => {
      if (!live) return;
      setPage(
        r.ok
          ? {
              key,
              rows: r.value.rows,
              next: r.value.next,
              elapsedMs: r.value.elapsedMs,
              error: null,
              cached: r.value.cached ?? null,
              matches: r.value.matches ?? (r.value.countable ? 'counting' : null),
            }
          : { key, rows: [], next: null, elapsedMs: null, error: r.error, cached: null, matches: null },
      );
      // The count comes after the page, never before it: the rows are already on screen.
      if (!r.ok || !r.value.countable || r.value.matches) return;
      void callArx((arx) => arx.explorer.matchCount({ tenantId, filter, sort })).then((m) => {
        if (!live) return;
        const matches = m.ok ? { count: m.value.count, exact: m.value.exact } : null;
        setPage((p) => (p?.key === key ? { ...p, matches } : p));
      });
    });
    return () => {
      live = false;
    };
  }, [tenantId, filter, sort, key]);

  const current = page?.key === key ? page : null;
  const next = current?.next ?? null;

  const loadMore = useCallback(() => {
    if (!tenantId || !next || moreLoading) return;
    setMoreLoading(true);
    void callArx((arx) => arx.explorer.query({ tenantId, filter, sort, cursor: next, limit: PAGE })).then((r) => {
      setMoreLoading(false);
      setPage((p) =>
        p?.key !== key
          ? p
          : r.ok
            ? { ...p, rows: [...p.rows, ...r.value.rows], next: r.value.next, cached: r.value.cached ?? p.cached }
            : { ...p, next: null, error: r.error },
      );
    });
  }, [tenantId, filter, sort, next, moreLoading, key]);

  return {
    rows: current?.rows ?? [],
    next,
    loading: current === null || moreLoading,
    error: current?.error ?? null,
    elapsed: current?.elapsedMs ?? null,
    cached: current?.cached ?? null,
    matches: current?.matches ?? null,
    loadMore,
  };
}
