import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';

export const ROW_HEIGHT = 34;

/**
 * The explorer grid's scrolling and keyboard model: a TanStack virtualizer over the rows (plus a
 * loader row while more can load), the active row, and arrows/Page/Home/End/Enter on a row.
 */
export function useGridKeys<Row>(props: {
  rows: Row[];
  hasMore: boolean;
  loading: boolean;
  onLoadMore: () => void;
  onOpen: (row: Row) => void;
}) {
  const { rows, hasMore, loading, onLoadMore, onOpen } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  const [active, setActive] = useState(0);
  const count = rows.length + (hasMore ? 1 : 0);
  // TanStack Virtual returns functions React Compiler cannot memoize; this hook is left to plain React.
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
      onOpen(rows[i]!);
    }
  };
  return { scrollRef, virtualizer, items, active, setActive, onKey };
}
