import { Text } from '@mantine/core';
import type { ExplorerRow, ExplorerSort } from '../../../../shared/contract/domains/audit-explorer';
import { EventRow, EventTableHeader, LoadingRow } from './EventRow';
import { ROW_HEIGHT, useGridKeys } from './use-grid-keys';
import classes from './explorer.module.css';

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
  const { rows, hasMore, loading } = props;
  const { scrollRef, virtualizer, items, active, setActive, onKey } = useGridKeys(props);
  return (
    <div
      role="grid"
      aria-label="Audit events"
      aria-rowcount={hasMore ? -1 : rows.length + 1}
      aria-busy={loading}
      className={classes.grid}
    >
      <EventTableHeader sort={props.sort} onSort={props.onSort} />
      <div ref={scrollRef} className={classes.scroll} data-testid="explorer-scroll">
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((v) => {
            const r = rows[v.index];
            const style = { transform: `translateY(${v.start}px)`, height: ROW_HEIGHT };
            if (!r) return <LoadingRow key="more" index={v.index} style={style} />;
            return (
              <EventRow
                key={r.seq}
                row={r}
                index={v.index}
                active={v.index === active}
                style={style}
                onOpen={() => {
                  setActive(v.index);
                  props.onOpen(r);
                }}
                onFocus={() => setActive(v.index)}
                onKeyDown={(e) => onKey(e, v.index)}
              />
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
