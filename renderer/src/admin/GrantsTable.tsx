import { Badge, Button, Group, Pagination, Table, Text, TextInput } from '@mantine/core';
import { useMemo, useState } from 'react';
import type { ResponseOf } from '../../../shared/contract';
import { TableHead } from '../app/Loaded';
import { utcDay } from './use-admin-data';

export type ReviewEntry = ResponseOf<'admin.accessReview'>[number];
const PAGE = 100;

const CHECK: Record<ReviewEntry['grant'], { label: string; color: string }> = {
  verified: { label: 'signature verified', color: 'green' },
  'not-required': { label: 'not required', color: 'gray' },
  bootstrap: { label: 'bootstrap (DBA)', color: 'blue' },
  missing: { label: 'no signature', color: 'red' },
  invalid: { label: 'signature invalid', color: 'red' },
};

function Check({ value }: { value: ReviewEntry['grant'] }) {
  const c = CHECK[value];
  return (
    <Badge color={c.color} variant="light">
      {c.label}
    </Badge>
  );
}

/** Lower-case text a filter matches: tenant, EDIPI, name, role, and the check states. */
const haystack = (e: ReviewEntry) =>
  `${e.tenant} ${e.edipi} ${e.displayName} ${e.role} ${e.grant} ${e.approval} ${e.operatorStatus}`.toLowerCase();

const COLUMNS = [
  'Tenant',
  'EDIPI',
  'Name',
  'Role',
  'Since',
  'Granted by',
  'Grant',
  'Approved by',
  'Approval',
  'Certificates expire',
];

function GrantRow({
  e,
  who,
  withChange,
  act,
}: {
  e: ReviewEntry;
  who: (operatorId: string) => string;
  /** Whether the table has a Change column (the row may still have no action in it). */
  withChange: boolean;
  act: (() => void) | null | undefined;
}) {
  return (
    <Table.Tr>
      <Table.Td>{e.tenant}</Table.Td>
      <Table.Td>{e.edipi}</Table.Td>
      <Table.Td>
        {e.displayName}
        {e.operatorStatus !== 'active' && ` (${e.operatorStatus})`}
      </Table.Td>
      <Table.Td>{e.role}</Table.Td>
      <Table.Td>{utcDay(e.since)}</Table.Td>
      <Table.Td>{e.grantedBy ? who(e.grantedBy) : '—'}</Table.Td>
      <Table.Td>
        <Check value={e.grant} />
      </Table.Td>
      <Table.Td>{e.approvedBy ? who(e.approvedBy) : '—'}</Table.Td>
      <Table.Td>
        <Check value={e.approval} />
      </Table.Td>
      <Table.Td>
        {utcDay(e.certificatesExpire)}
        {e.expiresSoon && (
          <Badge color="yellow" variant="light" ml={4}>
            expires soon
          </Badge>
        )}
      </Table.Td>
      {withChange && (
        <Table.Td>
          {act && (
            <Button
              size="xs"
              variant="default"
              onClick={act}
              aria-label={`Revoke ${e.role} from ${e.edipi} in ${e.tenant}`}
            >
              Revoke…
            </Button>
          )}
        </Table.Td>
      )}
    </Table.Tr>
  );
}

/** The entries a filter matches, and the page of them shown. */
function useFilteredPage(entries: readonly ReviewEntry[]) {
  const [filter, setFilterText] = useState('');
  const [page, setPage] = useState(1);
  const shown = useMemo(() => {
    const f = filter.trim().toLowerCase();
    return f ? entries.filter((e) => haystack(e).includes(f)) : entries;
  }, [entries, filter]);
  const pages = Math.max(1, Math.ceil(shown.length / PAGE));
  const at = Math.min(page, pages);
  const setFilter = (text: string) => {
    setFilterText(text);
    setPage(1);
  };
  return { filter, setFilter, shown, pages, at, setPage, rows: shown.slice((at - 1) * PAGE, at * PAGE) };
}

/**
 * The grants of the access review, filtered and a page at a time (a review of many thousand
 * grants renders one page). `revoke` gives a row its Revoke action, or null for none.
 */
export function GrantsTable({
  entries,
  labelledBy,
  revoke,
  who = (id) => id,
}: {
  entries: readonly ReviewEntry[];
  labelledBy: string;
  revoke?: (e: ReviewEntry) => (() => void) | null;
  /** How an operator id is shown (their EDIPI when the list of operators is at hand). */
  who?: (operatorId: string) => string;
}) {
  const { filter, setFilter, shown, pages, at, setPage, rows } = useFilteredPage(entries);
  return (
    <>
      <Group justify="space-between" mb="xs">
        <TextInput
          label="Filter"
          placeholder="tenant, EDIPI, name, role or check"
          value={filter}
          onChange={(e) => setFilter(e.currentTarget.value)}
          w={320}
        />
        <Text size="sm" role="status">
          {shown.length === entries.length ? `${entries.length} grants` : `${shown.length} of ${entries.length} grants`}
        </Text>
      </Group>
      <Table withTableBorder striped aria-labelledby={labelledBy}>
        <TableHead columns={[...COLUMNS, revoke && 'Change']} />
        <Table.Tbody>
          {rows.map((e) => (
            <GrantRow
              key={`${e.tenant}/${e.edipi}/${e.role}`}
              e={e}
              who={who}
              withChange={!!revoke}
              act={revoke?.(e)}
            />
          ))}
        </Table.Tbody>
      </Table>
      {pages > 1 && <Pagination total={pages} value={at} onChange={setPage} mt="sm" aria-label="Pages of grants" />}
    </>
  );
}
