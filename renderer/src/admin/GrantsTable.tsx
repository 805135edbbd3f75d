import { Badge, Button, Checkbox, Group, Loader, Pagination, Table, Text, TextInput } from '@mantine/core';
import { ErrorNotice } from '../app/ErrorNotice';
import { TableHead } from '../app/Loaded';
import { utcDay } from './use-admin-data';
import { PAGE_SIZE, useReviewPage, type ReviewEntry, type ReviewPage } from './use-review-page';

export type { ReviewEntry };

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

const n = (x: number) => x.toLocaleString('en-US');

/** "Grants 101–200 of 1,234 matching (200,001 in all)". */
function shownText(p: ReviewPage, filtered: boolean): string {
  if (p.matching === 0) return filtered ? `No grant matches (${n(p.total)} in all)` : 'No grants';
  const from = (p.page - 1) * p.pageSize + 1;
  const to = from + p.entries.length - 1;
  const range = `Grants ${n(from)}–${n(to)} of ${n(p.matching)}`;
  return filtered ? `${range} matching (${n(p.total)} in all)` : range;
}

/**
 * The grants of the access review a page at a time: filtered, counted and ordered by the control
 * plane, each page's signatures checked when it is read. `revoke` gives a row its Revoke action,
 * or null for none; `round` re-reads the page when it changes.
 */
export function GrantsTable({
  labelledBy,
  revoke,
  who = (id) => id,
  round = 0,
  onPage,
}: {
  labelledBy: string;
  revoke?: (e: ReviewEntry) => (() => void) | null;
  /** How an operator id is shown (their EDIPI when the list of operators is at hand). */
  who?: (operatorId: string) => string;
  round?: string | number;
  /** Told of each page read (the panel shows the counts). */
  onPage?: (p: ReviewPage) => void;
}) {
  const r = useReviewPage(round, onPage);
  const p = r.page;
  const pages = p ? Math.max(1, Math.ceil(p.matching / PAGE_SIZE)) : 1;
  return (
    <>
      <Group justify="space-between" align="flex-end" mb="xs">
        <Group align="flex-end">
          <TextInput
            label="Filter"
            description="Tenant, EDIPI, name, role or status"
            value={r.text}
            onChange={(e) => r.setText(e.currentTarget.value)}
            w={300}
          />
          <Checkbox
            label={p ? `Problems only (${n(p.unsigned + (p.verifiedAll?.problems ?? 0))})` : 'Problems only'}
            checked={r.query.problemsOnly}
            onChange={(e) => r.setProblemsOnly(e.currentTarget.checked)}
          />
          <Checkbox
            label={p ? `Certificates expiring soon (${n(p.expiring)})` : 'Certificates expiring soon'}
            checked={r.query.expiringOnly}
            onChange={(e) => r.setExpiringOnly(e.currentTarget.checked)}
          />
        </Group>
        <Group gap="xs">
          {r.reading && <Loader size="xs" aria-label="Reading the grants" />}
          <Text size="sm" role="status" data-testid="grants-shown">
            {p ? shownText(p, r.filtered) : ''}
          </Text>
        </Group>
      </Group>
      {r.error && <ErrorNotice error={r.error} title="The grants could not be read" />}
      <Table withTableBorder striped aria-labelledby={labelledBy} aria-busy={r.reading}>
        <TableHead columns={[...COLUMNS, revoke && 'Change']} />
        <Table.Tbody>
          {(p?.entries ?? []).map((e) => (
            <GrantRow
              key={`${e.tenantId}/${e.operatorId}/${e.role}`}
              e={e}
              who={who}
              withChange={!!revoke}
              act={revoke?.(e)}
            />
          ))}
        </Table.Tbody>
      </Table>
      {pages > 1 && (
        <Pagination
          total={pages}
          value={p?.page ?? 1}
          onChange={r.goTo}
          withEdges
          mt="sm"
          aria-label="Pages of grants"
          getControlProps={(control) => ({ 'aria-label': `${control[0]!.toUpperCase()}${control.slice(1)} page` })}
          getItemProps={(page) => ({ 'aria-label': `Page ${n(page)} of ${n(pages)}` })}
        />
      )}
    </>
  );
}
