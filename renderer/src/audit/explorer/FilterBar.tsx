import { Button, Group, NumberInput, Select, TextInput } from '@mantine/core';
import { useState } from 'react';
import { EXPLORER_EVENT_TYPES, type ExplorerFilter } from '../../../../shared/contract/domains/audit-explorer';
import { reasonLabel } from '../../../../shared/explorer/labels';
import { INSTANT, shortType } from './format';

export interface Facets {
  user: string[];
  team: string[];
  provider: string[];
  model: string[];
  reason: string[];
}

type Key = keyof ExplorerFilter;

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
  const set = (key: Key, value: string | number | null | undefined) => {
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
      <Button variant="default" onClick={() => onChange({})} disabled={Object.keys(filter).length === 0}>
        Clear filters
      </Button>
    </Group>
  );
}

function Typed(props: {
  label: string;
  placeholder: string;
  value: string | undefined;
  valid?: RegExp;
  onCommit: (v: string | null) => void;
  w: number;
}) {
  // Keyed by the applied value in FilterBar: a new value from outside starts a new draft.
  const [draft, setDraft] = useState(props.value ?? '');
  const bad = draft !== '' && props.valid !== undefined && !props.valid.test(draft.trim());
  const commit = () => {
    const v = draft.trim();
    if (bad || v === (props.value ?? '')) return;
    props.onCommit(v === '' ? null : v);
  };
  return (
    <TextInput
      label={props.label}
      placeholder={props.placeholder}
      value={draft}
      w={props.w}
      error={bad ? 'UTC time like 2026-11-25T12:00:00Z' : undefined}
      onChange={(e) => setDraft(e.currentTarget.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === 'Enter') commit();
      }}
    />
  );
}

function Cost(props: { label: string; value: number | undefined; onCommit: (v: number | null) => void }) {
  const [draft, setDraft] = useState<string | number>(props.value ?? '');
  const commit = () => {
    const v = draft === '' ? null : Math.max(0, Math.round(Number(draft)));
    if (v !== (props.value ?? null) && (v === null || Number.isFinite(v))) props.onCommit(v);
  };
  return (
    <NumberInput
      label={props.label}
      value={draft}
      onChange={setDraft}
      min={0}
      allowDecimal={false}
      w={130}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === 'Enter') commit();
      }}
    />
  );
}
