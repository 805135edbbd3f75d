import { Button, Group, Select } from '@mantine/core';
import { EXPLORER_EVENT_TYPES, type ExplorerFilter } from '../../../../shared/contract/domains/audit-explorer';
import { reasonLabel } from '../../../../shared/explorer/labels';
import { Cost, Typed } from './filter-inputs';
import { INSTANT, shortType } from './format';

export interface Facets {
  user: string[];
  team: string[];
  provider: string[];
  model: string[];
  reason: string[];
}

type Key = keyof ExplorerFilter;
type Set = (key: Key, value: string | number | null | undefined) => void;

/**
 * The explorer's filters. Pick lists apply at once; typed fields (search, times, costs) apply on
 * Enter or when focus leaves them, so that a half-typed value never queries a million rows.
 */
export function FilterBar({
  filter,
  facets,
  onChange,
}: {
  filter: ExplorerFilter;
  facets: Facets | null;
  onChange: (f: ExplorerFilter) => void;
}) {
  const set: Set = (key, value) => {
    const next = { ...filter } as Record<string, unknown>;
    if (value === null || value === undefined || value === '') delete next[key];
    else next[key] = value;
    onChange(next as ExplorerFilter);
  };
  const pick = (key: Key, label: string, data: { value: string; label: string }[] | string[]) => (
    <Select
      label={label}
      data={data}
      value={(filter[key] as string | undefined) ?? null}
      onChange={(v) => set(key, v)}
      clearable
      searchable
      w={170}
      comboboxProps={{ withinPortal: true }}
    />
  );
  return (
    <Group gap="sm" align="flex-end" wrap="wrap">
      <Typed
        key={`s${filter.search ?? ''}`}
        label="Search"
        placeholder="event id, subject or request id"
        value={filter.search}
        onCommit={(v) => set('search', v)}
        w={280}
      />
      {pick(
        'type',
        'Event type',
        EXPLORER_EVENT_TYPES.map((t) => ({ value: t, label: shortType(t) })),
      )}
      {pick('user', 'User', facets?.user ?? [])}
      {pick('team', 'Team', facets?.team ?? [])}
      {pick('provider', 'Provider', facets?.provider ?? [])}
      {pick('model', 'Model', facets?.model ?? [])}
      {pick('decision', 'Decision', ['permit', 'deny'])}
      {pick('classification', 'Classification', ['public', 'internal', 'cui', 'secret'])}
      {pick(
        'reason',
        'Denial reason',
        (facets?.reason ?? []).map((r) => ({ value: r, label: reasonLabel(r) })),
      )}
      <RangeFilters filter={filter} set={set} />
      <Button variant="default" onClick={() => onChange({})} disabled={Object.keys(filter).length === 0}>
        Clear filters
      </Button>
    </Group>
  );
}

/** Times and costs: typed, applied on Enter or blur. */
function RangeFilters({ filter, set }: { filter: ExplorerFilter; set: Set }) {
  return (
    <>
      <Typed
        key={`f${filter.timeFrom ?? ''}`}
        label="From (UTC)"
        placeholder="2026-11-25T00:00:00Z"
        value={filter.timeFrom}
        valid={INSTANT}
        onCommit={(v) => set('timeFrom', v)}
        w={210}
      />
      <Typed
        key={`t${filter.timeTo ?? ''}`}
        label="To (UTC)"
        placeholder="2026-11-26T00:00:00Z"
        value={filter.timeTo}
        valid={INSTANT}
        onCommit={(v) => set('timeTo', v)}
        w={210}
      />
      <Cost
        key={`a${filter.costMin ?? ''}`}
        label="Cost from (¢)"
        value={filter.costMin}
        onCommit={(v) => set('costMin', v)}
      />
      <Cost
        key={`b${filter.costMax ?? ''}`}
        label="Cost to (¢)"
        value={filter.costMax}
        onCommit={(v) => set('costMax', v)}
      />
    </>
  );
}
