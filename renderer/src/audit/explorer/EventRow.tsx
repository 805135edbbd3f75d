import { Badge, Loader, UnstyledButton } from '@mantine/core';
import type { CSSProperties, KeyboardEvent } from 'react';
import type { ExplorerRow, ExplorerSort } from '../../../../shared/contract/domains/audit-explorer';
import { When } from '../../app/Readable';
import { cents, shortType } from './format';
import classes from './explorer.module.css';

export const COLUMNS: { key: string; label: string; sort?: ExplorerSort['key'] }[] = [
  { key: 'seq', label: 'Seq', sort: 'seq' },
  { key: 'time', label: 'Time', sort: 'time' },
  { key: 'type', label: 'Type' },
  { key: 'user', label: 'User / subject' },
  { key: 'team', label: 'Team' },
  { key: 'model', label: 'Provider / model' },
  { key: 'decision', label: 'Decision' },
  { key: 'classification', label: 'Class.' },
  { key: 'cost', label: 'Cost', sort: 'cost' },
];

/** The column titles; the sortable ones are buttons that flip between descending and ascending. */
export function EventTableHeader({ sort, onSort }: { sort: ExplorerSort; onSort: (s: ExplorerSort) => void }) {
  return (
    <div role="row" aria-rowindex={1} className={`${classes.row} ${classes.header}`}>
      {COLUMNS.map((c) => {
        const sorted = c.sort !== undefined && sort.key === c.sort;
        return (
          <div
            key={c.key}
            role="columnheader"
            aria-sort={sorted ? (sort.direction === 'asc' ? 'ascending' : 'descending') : 'none'}
            className={classes.cell}
          >
            {c.sort ? (
              <UnstyledButton
                className={classes.sortButton}
                onClick={() =>
                  onSort({ key: c.sort!, direction: sorted && sort.direction === 'desc' ? 'asc' : 'desc' })
                }
              >
                {c.label} {sorted ? (sort.direction === 'asc' ? '▲' : '▼') : ''}
              </UnstyledButton>
            ) : (
              c.label
            )}
          </div>
        );
      })}
    </div>
  );
}

/** The last row while the next keyset page loads. */
export function LoadingRow({ index, style }: { index: number; style: CSSProperties }) {
  return (
    <div role="row" aria-rowindex={index + 2} className={`${classes.row} ${classes.abs}`} style={style}>
      <div role="gridcell" className={classes.cell}>
        <Loader size="xs" aria-label="Loading more events" />
      </div>
    </div>
  );
}

/** One event of the grid; focusable when it is the active row (roving tabindex). */
export function EventRow(props: {
  row: ExplorerRow;
  index: number;
  active: boolean;
  style: CSSProperties;
  onOpen: () => void;
  onFocus: () => void;
  onKeyDown: (e: KeyboardEvent<HTMLDivElement>) => void;
}) {
  const r = props.row;
  const cells = [
    r.seq,
    <When key="t" iso={r.time} seconds />,
    shortType(r.type),
    r.user ?? r.subject ?? '',
    r.team ?? '',
    r.provider ? `${r.provider} / ${r.model ?? ''}` : '',
    r.decision ? (
      <Badge size="sm" color={r.decision === 'deny' ? 'red' : 'green'} variant="light">
        {r.decision}
      </Badge>
    ) : null,
    r.classification ?? '',
    cents(r.costCents),
  ];
  return (
    <div
      role="row"
      aria-rowindex={props.index + 2}
      data-row={props.index}
      tabIndex={props.active ? 0 : -1}
      aria-selected={props.active}
      className={`${classes.row} ${classes.abs} ${classes.body}`}
      style={props.style}
      onClick={props.onOpen}
      onFocus={props.onFocus}
      onKeyDown={props.onKeyDown}
    >
      {cells.map((c, i) => (
        <div key={COLUMNS[i]!.key} role="gridcell" className={classes.cell}>
          {c}
        </div>
      ))}
    </div>
  );
}
