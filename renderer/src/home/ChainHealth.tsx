import { Badge, Button, Table, Text, VisuallyHidden } from '@mantine/core';
import { useArxResult } from '../app/use-arx-result';
import { ErrorNotice } from '../app/ErrorNotice';
import { plural } from '../app/format';
import { relativeTime, utcTime } from '../app/time';
import { lastVerification, type LastVerification } from '../audit/verify/last-verification';
import { goTo } from '../shell/go-to';
import { useTenant } from '../tenant/tenant-context';
import { HomeCard } from './HomeCard';

function When({ iso }: { iso: string | null }) {
  if (!iso) return <>—</>;
  return <span title={utcTime(iso)}>{relativeTime(iso)}</span>;
}

function Verdict({ last }: { last: LastVerification | null }) {
  if (!last)
    return (
      <Text span size="sm">
        Not verified on this workstation
      </Text>
    );
  const colour = last.verdict === 'intact' ? (last.warnings > 0 ? 'yellow' : 'green') : 'red';
  const label =
    last.verdict === 'broken'
      ? `broken: ${plural(last.errors, 'problem')}`
      : last.warnings > 0
        ? `intact, ${plural(last.warnings, 'warning')}`
        : 'intact';
  return (
    <>
      <Badge color={colour} variant="light" tt="none" mr={6}>
        {label}
      </Badge>
      <When iso={last.at} />
      {last.cached ? ' (from the local cache)' : ''}
    </>
  );
}

/** Each chain the operator may verify: events, newest event, last verification here and the checkpoint it anchored on. */
export function ChainHealth() {
  const tenants = useArxResult((arx) => arx.audit.tenants({}));
  const { operatorId, select } = useTenant();
  return (
    <HomeCard id="chains" title="Chain health">
      {tenants.state === 'loading' && <Text size="sm">Reading the chains…</Text>}
      {tenants.state === 'error' && <ErrorNotice error={tenants.error} title="The chains could not be listed" />}
      {tenants.state === 'ok' && tenants.value.length === 0 && (
        <Text size="sm">You hold no ISSO or auditor role in any tenant, so there is no chain for you to verify.</Text>
      )}
      {tenants.state === 'ok' && tenants.value.length > 0 && (
        <Table.ScrollContainer minWidth={720}>
          <Table aria-label="Chain health" verticalSpacing={6}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Tenant</Table.Th>
                <Table.Th>Events</Table.Th>
                <Table.Th>Newest event</Table.Th>
                <Table.Th>Last verification</Table.Th>
                <Table.Th>Newest checkpoint then</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Action</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {tenants.value.map((t) => {
                const last = operatorId ? lastVerification(operatorId, t.id) : null;
                return (
                  <Table.Tr key={t.id} data-tenant={t.slug}>
                    <Table.Td>
                      {t.name}{' '}
                      <Text span size="xs" c="dimmed">
                        ({t.slug})
                      </Text>
                    </Table.Td>
                    <Table.Td>{t.events.toLocaleString('en-US')}</Table.Td>
                    <Table.Td>
                      <When iso={t.lastTime} />
                    </Table.Td>
                    <Table.Td>
                      <Verdict last={last} />
                    </Table.Td>
                    <Table.Td>
                      {last?.checkpointIssuedAt ? (
                        <>
                          issued <When iso={last.checkpointIssuedAt} />
                          {last.notCheckpointed > 0 ? `, ${plural(last.notCheckpointed, 'event')} after it` : ''}
                        </>
                      ) : last ? (
                        'none covered the range'
                      ) : (
                        '—'
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Button
                        size="xs"
                        variant="default"
                        aria-label={`Verify ${t.slug}`}
                        onClick={() => {
                          select(t.id);
                          goTo('audit', 'verify');
                        }}
                      >
                        Verify
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </HomeCard>
  );
}
