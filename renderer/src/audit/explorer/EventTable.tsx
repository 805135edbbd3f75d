import { Badge, Loader, Text, UnstyledButton } from '@mantine/core';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { ExplorerRow, ExplorerSort } from '../../../../shared/contract/domains/audit-explorer';
import { cents, shortType, when } from './format';
import classes from './explorer.module.css';

const ROW_HEIGHT = 34;
const COLUMNS: { key: string; label: string; sort?: ExplorerSort['key'] }[] = [
  { key: 'seq', label: 'Seq', sort: 'seq' },
  { key: 'time', label: 'Time (UTC)', sort: 'time' },
  { key: 'type', label: 'Type' },
  { key: 'user', label: 'User / subject' },
  { key: 'team', label: 'Team' },
  { key: 'model', label: 'Provider / model' },
  { key: 'decision', label: 'Decision' },
  { key: 'classification', label: 'Class.' },
  { key: 'cost', label: 'Cost', sort: 'cost' },
];

/**
 * A virtualized grid (TanStack Virtual): only the rows in view are in the DOM, so a million-event
 * result scrolls as lightly as a page. More rows load as the end comes into view (keyset pages).
 * Keyboard: Tab into the grid, arrows/Page/Home/End move between rows, Enter opens the event.
 */
export function EventTable(props: {
  rows: ExplorerRow[];
  hasMore: boolean;
  loading: boolean;
  sort: ExplorerSort;
  onSort: (s: ExplorerSort) => void;
  onLoadMore: () => void;
  onOpen: (row: ExplorerRow) => void;
}) {
  const { rows, hasMore, loading, onLoadMore } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  const [active, setActive] = useState(0);
  const count = rows.length + (hasMore ? 1 : 0);
  // TanStack Virtual returns functions React Compiler cannot memoize; this component is left to plain React.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.length > 0 ? items[items.length - 1]!.index : -1;

  useEffect(() => {
    if (hasMore && !loading && lastIndex >= rows.length - 1) onLoadMore();
  }, [hasMore, loading, lastIndex, rows.length, onLoadMore]);
  useEffect(() => {
    if (active >= rows.length) setActive(Math.max(0, rows.length - 1));
  }, [rows.length, active]);

  const focusRow = (i: number) => {
    const target = Math.max(0, Math.min(rows.length - 1, i));
    setActive(target);
    virtualizer.scrollToIndex(target, { align: 'auto' });
    requestAnimationFrame(() => scrollRef.current?.querySelector<HTMLElement>(`[data-row="${target}"]`)?.focus());
  };
  const onKey = (e: KeyboardEvent<HTMLDivElement>, i: number) => {
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 400) / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = {
      ArrowDown: i + 1,
      ArrowUp: i - 1,
      PageDown: i + page,
      PageUp: i - page,
      Home: 0,
      End: rows.length - 1,
    };
    if (e.key in moves) {
      e.preventDefault();
      focusRow(moves[e.key]!);
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      props.onOpen(rows[i]!);
    }
  };

  return (
    <div
      role="grid"
      aria-label="Audit events"
      aria-rowcount={hasMore ? -1 : rows.length + 1}
      aria-busy={loading}
      className={classes.grid}
    >
      <div role="row" aria-rowindex={1} className={`${classes.row} ${classes.header}`}>
        {COLUMNS.map((c) => {
          const sorted = c.sort !== undefined && props.sort.key === c.sort;
          return (
            <div
              key={c.key}
              role="columnheader"
              aria-sort={sorted ? (props.sort.direction === 'asc' ? 'ascending' : 'descending') : 'none'}
              className={classes.cell}
            >
              {c.sort ? (
                <UnstyledButton
                  className={classes.sortButton}
                  onClick={() =>
                    props.onSort({
                      key: c.sort!,
                      direction: sorted && props.sort.direction === 'desc' ? 'asc' : 'desc',
                    })
                  }
                >
                  {c.label} {sorted ? (props.sort.direction === 'asc' ? '▲' : '▼') : ''}
                </UnstyledButton>
              ) : (
                c.label
              )}
            </div>
          );
        })}
      </div>
      <div ref={scrollRef} className={classes.scroll} data-testid="explorer-scroll">
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((v) => {
            const r = rows[v.index];
            const style = { transform: `translateY(${v.start}px)`, height: ROW_HEIGHT };
            if (!r) {
              return (
                <div
                  key="more"
                  role="row"
                  aria-rowindex={v.index + 2}
                  className={`${classes.row} ${classes.abs}`}
                  style={style}
                >
                  <div role="gridcell" className={classes.cell}>
                    <Loader size="xs" aria-label="Loading more events" />
                  </div>
                </div>
              );
            }
            return (
              <div
                key={r.seq}
                role="row"
                aria-rowindex={v.index + 2}
                data-row={v.index}
                tabIndex={v.index === active ? 0 : -1}
                aria-selected={v.index === active}
                className={`${classes.row} ${classes.abs} ${classes.body}`}
                style={style}
                onClick={() => {
                  setActive(v.index);
                  props.onOpen(r);
                }}
                onFocus={() => setActive(v.index)}
                onKeyDown={(e) => onKey(e, v.index)}
              >
                <div role="gridcell" className={classes.cell}>
                  {r.seq}
                </div>
                <div role="gridcell" className={classes.cell}>
                  {when(r.time)}
                </div>
                <div role="gridcell" className={classes.cell}>
                  {shortType(r.type)}
                </div>
                <div role="gridcell" className={classes.cell}>
                  {r.user ?? r.subject ?? ''}
                </div>
                <div role="gridcell" className={classes.cell}>
                  {r.team ?? ''}
                </div>
                <div role="gridcell" className={classes.cell}>
                  {r.provider ? `${r.provider} / ${r.model ?? ''}` : ''}
                </div>
                <div role="gridcell" className={classes.cell}>
                  {r.decision ? (
                    <Badge size="sm" color={r.decision === 'deny' ? 'red' : 'green'} variant="light">
                      {r.decision}
                    </Badge>
                  ) : null}
                </div>
                <div role="gridcell" className={classes.cell}>
                  {r.classification ?? ''}
                </div>
                <div role="gridcell" className={classes.cell}>
                  {cents(r.costCents)}
                </div>
              </div>
            );
          })}
        </div>
        {rows.length === 0 && !loading ? (
          <Text c="dimmed" p="md" role="status">
            No events match these filters.
          </Text>
        ) : null}
      </div>
    </div>
  );
}
