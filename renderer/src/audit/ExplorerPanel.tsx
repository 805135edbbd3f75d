import { Group, Stack, Text } from '@mantine/core';
import { useCallback, useState } from 'react';
import type { ExplorerFilter, ExplorerSort } from '../../../shared/contract/domains/audit-explorer';
import { ErrorNotice } from '../app/ErrorNotice';
import { errorTitle, OfflineBanner } from '../cache/OfflineBanner';
import { EventDrawer } from './explorer/EventDrawer';
import { EventTable } from './explorer/EventTable';
import { FilterBar } from './explorer/FilterBar';
import { takePending, useExplorerLinks } from './explorer/link';
import { useExplorerFacets, useExplorerPages } from './explorer/use-explorer-pages';
import { useTenant } from '../tenant/tenant-context';

type Matches = ReturnType<typeof useExplorerPages>['matches'];

/**
 * "200 of 50,010 events shown", "12 events", "200 of 1,234 matching events shown", "200 of about
 * 48,000 matching events shown (estimated: …)".
 */
function shownCount(shown: number, more: boolean, total: number | null, filtered: boolean, matches: Matches): string {
  const n = (x: number) => x.toLocaleString('en-US');
  if (!more) return `${n(shown)} ${filtered ? 'matching ' : ''}event${shown === 1 ? '' : 's'}`;
  if (!filtered && total !== null) return `${n(shown)} of ${n(total)} events shown`;
  if (matches === 'counting') return `${n(shown)} matching events shown, counting how many match…`;
  if (matches?.exact) return `${n(shown)} of ${n(matches.count)} matching events shown`;
  if (matches)
    return `${n(shown)} of about ${n(roughly(matches.count))} matching events shown (PostgreSQL's estimate: counting over 10,000 matches exactly would read them all)`;
  return `${n(shown)} matching events shown, more match (scroll to load them)`;
}

/** An estimate to two significant figures: "about 48,000", not a false "about 48,213". */
function roughly(x: number): number {
  if (x < 100) return x;
  const step = 10 ** (Math.floor(Math.log10(x)) - 1);
  return Math.round(x / step) * step;
}

/**
 * Audit tab: Explorer. Filters and sorting run on the server (keyset pages over indexed columns);
 * the table is virtualized; an event opens in a drawer that checks it in shared/ code.
 */
export function ExplorerPanel() {
  const tenantId = useTenant().current?.tenantId ?? null;
  const [initial] = useState(() => takePending(tenantId));
  const [filter, setFilter] = useState<ExplorerFilter>(initial?.filter ?? {});
  const [sort, setSort] = useState<ExplorerSort>({ key: 'time', direction: 'desc' });
  const { facets, total } = useExplorerFacets(tenantId);
  const [open, setOpen] = useState<number | null>(initial?.seq ?? null);
  // A request while the explorer is shown (the palette): apply it here.
  useExplorerLinks(
    useCallback(() => {
      const p = takePending(tenantId);
      if (p) {
        setFilter(p.filter);
        setOpen(p.seq);
      }
    }, [tenantId]),
  );
  const { rows, next, loading, error, elapsed, cached, matches, loadMore } = useExplorerPages(tenantId, filter, sort);
  const filtered = Object.values(filter).some((v) => v !== undefined && v !== null && v !== '');

  return (
    <Stack gap="md">
      <Group align="flex-end" justify="space-between">
        <Text size="sm" c="dimmed" role="status" aria-live="polite">
          {error && rows.length === 0
            ? 'No page shown'
            : loading && rows.length === 0
              ? 'Loading…'
              : `${shownCount(rows.length, next !== null, total, filtered, matches)}${cached ? ' · from the local cache' : elapsed !== null ? ` · first page in ${elapsed} ms` : ''}`}
        </Text>
      </Group>
      <FilterBar filter={filter} facets={facets} onChange={setFilter} />
      <OfflineBanner cached={cached} what="events" />
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
      {tenantId ? (
        <EventDrawer
          tenantId={tenantId}
          seq={open}
          onClose={() => setOpen(null)}
          onRequest={(requestId) => {
            setOpen(null);
            setFilter({ search: requestId });
          }}
        />
      ) : null}
    </Stack>
  );
}
