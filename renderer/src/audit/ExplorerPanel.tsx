import { Group, Stack, Text } from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import type { ExplorerFilter, ExplorerRow, ExplorerSort } from '../../../shared/contract/domains/audit-explorer';
import { ErrorNotice } from '../app/ErrorNotice';
import { errorTitle, OfflineBanner } from '../cache/OfflineBanner';
import { callArx, type ArxError } from '../app/arx-client';
import { EventDrawer } from './explorer/EventDrawer';
import { EventTable } from './explorer/EventTable';
import { FilterBar, type Facets } from './explorer/FilterBar';
import { takePendingFilter } from './explorer/link';
import { useTenant } from '../tenant/tenant-context';

const PAGE = 200;

/** "200 of 50,010 events shown", "12 events", "200 matching events shown, more match". */
function shownCount(shown: number, more: boolean, total: number | null, filtered: boolean): string {
  const n = (x: number) => x.toLocaleString('en-US');
  if (!more) return `${n(shown)} ${filtered ? 'matching ' : ''}event${shown === 1 ? '' : 's'}`;
  if (!filtered && total !== null) return `${n(shown)} of ${n(total)} events shown`;
  return `${n(shown)} matching events shown, more match (scroll to load them)`;
}

interface Page {
  key: string;
  rows: ExplorerRow[];
  next: string | null;
  elapsedMs: number | null;
  error: ArxError | null;
  /** Answered from the local cache (control plane unreachable): when it was fetched. */
  cached: { at: string } | null;
}

/**
 * Audit tab: Explorer. Filters and sorting run on the server (keyset pages over indexed columns);
 * the table is virtualized; an event opens in a drawer that checks it in shared/ code.
 */
export function ExplorerPanel() {
  const tenantId = useTenant().current?.tenantId ?? null;
  const [filter, setFilter] = useState<ExplorerFilter>(() => takePendingFilter(tenantId) ?? {});
  const [sort, setSort] = useState<ExplorerSort>({ key: 'time', direction: 'desc' });
  const [facets, setFacets] = useState<Facets | null>(null);
  // Events in the tenant's chain (exact: the highest seq + 1), to say what a page is a part of.
  const [total, setTotal] = useState<number | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const [page, setPage] = useState<Page | null>(null);
  const [moreLoading, setMoreLoading] = useState(false);
  // The query a page answers: answers to an older one (filters changed meanwhile) are not shown.
  const key = JSON.stringify([tenantId, filter, sort]);

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
            }
          : { key, rows: [], next: null, elapsedMs: null, error: r.error, cached: null },
      );
    });
    return () => {
      live = false;
    };
  }, [tenantId, filter, sort, key]);

  const current = page?.key === key ? page : null;
  const rows = current?.rows ?? [];
  const next = current?.next ?? null;
  const loading = current === null || moreLoading;

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
  const error = current?.error ?? null;
  const elapsed = current?.elapsedMs ?? null;

  return (
    <Stack gap="md">
      <Group align="flex-end" justify="space-between">
        <Text size="sm" c="dimmed" role="status" aria-live="polite">
          {error && rows.length === 0
            ? 'No page shown'
            : loading && rows.length === 0
              ? 'Loading…'
              : `${shownCount(
                  rows.length,
                  next !== null,
                  total,
                  Object.values(filter).some((v) => v !== undefined && v !== null && v !== ''),
                )}${current?.cached ? ' · from the local cache' : elapsed !== null ? ` · first page in ${elapsed} ms` : ''}`}
        </Text>
      </Group>
      <FilterBar filter={filter} facets={facets} onChange={setFilter} />
      <OfflineBanner cached={current?.cached} what="events" />
      {error ? <ErrorNotice error={error} title={errorTitle(error)} /> : null}
      {/* A failed first page (e.g. not cached, offline) is not "no events match": no table then. */}
      {error && rows.length === 0 ? null : (
        <EventTable
          rows={rows}
          hasMore={next !== null}
          loading={loading}
          sort={sort}
          onSort={setSort}
          onLoadMore={loadMore}
          onOpen={(r) => setOpen(r.seq)}
        />
      )}
      {tenantId ? <EventDrawer tenantId={tenantId} seq={open} onClose={() => setOpen(null)} /> : null}
    </Stack>
  );
}
