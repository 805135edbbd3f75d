import { Alert, Button, Group, Loader, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import type { ResponseOf } from '../../../shared/contract';
import { callArx } from '../app/arx-client';
import { ErrorNotice } from '../app/ErrorNotice';
import { GrantsTable } from './GrantsTable';
import { useSignedAction } from './signed-action';
import { useAdminList } from './use-admin-data';

const ROLES = ['policy-author', 'approver', 'auditor', 'isso', 'administrator'] as const;
type Role = (typeof ROLES)[number];
const TWO_PERSON: readonly Role[] = ['isso', 'administrator'];
type Request = ResponseOf<'admin.grantRequests'>[number];

/** Roles per tenant: grant (isso and administrator as a request a second administrator approves), approve, revoke. */
export function RolesPanel({ me }: { me: string | null }) {
  const [tenants] = useAdminList((arx) => arx.admin.tenantList({}));
  const [operators] = useAdminList((arx) => arx.admin.operatorList({}));
  const [requests, reloadRequests] = useAdminList((arx) => arx.admin.grantRequests({}));
  const [review, reloadReview] = useAdminList((arx) => arx.admin.accessReview({}));
  const [dialog, ask] = useSignedAction();
  const [tenantId, setTenantId] = useState<string | null>(null);
  const [operatorId, setOperatorId] = useState<string | null>(null);
  const [role, setRole] = useState<Role | null>(null);
  const [said, setSaid] = useState<string | null>(null);

  const tenantList = tenants.state === 'ok' ? tenants.value : [];
  const operatorList = operators.state === 'ok' ? operators.value : [];
  const tenant = tenantList.find((t) => t.tenantId === tenantId);
  const operator = operatorList.find((o) => o.operatorId === operatorId);
  const edipiOf = (id: string) => operatorList.find((o) => o.operatorId === id)?.edipi ?? id;
  const reload = () => {
    reloadRequests();
    reloadReview();
  };

  const grant = () => {
    if (!tenant || !operator || !role) return;
    const twoPerson = TWO_PERSON.includes(role);
    ask({
      title: twoPerson ? 'Request a role grant' : 'Grant a role',
      purpose: twoPerson
        ? `${role} needs a second administrator: your signature makes a request, which takes effect when another administrator approves it with their card.`
        : `${operator.displayName} gets ${role} in ${tenant.slug} at their next call.`,
      details: [
        ['Tenant', tenant.slug],
        ['Operator', `${operator.displayName} (EDIPI ${operator.edipi})`],
        ['Role', role],
      ],
      run: (pin) =>
        callArx((arx) => arx.admin.grant({ tenantId: tenant.tenantId, operatorId: operator.operatorId, role, pin })),
      done: () => {
        setSaid(
          twoPerson
            ? `Requested: ${role} for ${operator.edipi} in ${tenant.slug}, waiting for a second administrator.`
            : `Granted: ${role} for ${operator.edipi} in ${tenant.slug}.`,
        );
        reload();
      },
    });
  };

  const approve = (r: Request) =>
    ask({
      title: 'Approve a role grant',
      purpose: `As the second administrator you approve ${r.role} for EDIPI ${r.edipi} in ${r.tenant}, requested by ${edipiOf(r.requestedBy)}.`,
      details: [
        ['Tenant', r.tenant],
        ['Operator', r.edipi],
        ['Role', r.role],
        ['Request', r.requestId],
      ],
      run: (pin) => callArx((arx) => arx.admin.approve({ requestId: r.requestId, pin })),
      done: () => {
        setSaid(`Granted: ${r.role} for ${r.edipi} in ${r.tenant}.`);
        reload();
      },
    });

  return (
    <Stack gap="lg">
      <section aria-labelledby="admin-grant-heading">
        <Title order={2} id="admin-grant-heading" mb="xs">
          Grant a role
        </Title>
        <Group align="flex-end">
          <Select
            label="Grant in tenant"
            data={tenantList.map((t) => ({ value: t.tenantId, label: t.slug }))}
            value={tenantId}
            onChange={setTenantId}
            comboboxProps={{ withinPortal: true }}
          />
          <Select
            label="Operator"
            searchable
            data={operatorList
              .filter((o) => o.status === 'active')
              .map((o) => ({ value: o.operatorId, label: `${o.displayName} (${o.edipi})` }))}
            value={operatorId}
            onChange={setOperatorId}
            comboboxProps={{ withinPortal: true }}
            w={320}
          />
          <Select
            label="Role"
            data={[...ROLES]}
            value={role}
            onChange={(v) => setRole(v as Role | null)}
            comboboxProps={{ withinPortal: true }}
          />
          <Button onClick={grant} disabled={!tenant || !operator || !role || operatorId === me}>
            {role && TWO_PERSON.includes(role) ? 'Request grant…' : 'Grant…'}
          </Button>
        </Group>
        <Text size="xs" c="dimmed" mt={4}>
          isso and administrator take two administrators: one requests, a different one approves. Nobody grants a role
          to themselves.
        </Text>
        {said && (
          <Alert color="green" variant="light" role="status" mt="sm">
            {said}
          </Alert>
        )}
      </section>
      <section aria-labelledby="admin-requests-heading">
        <Title order={2} id="admin-requests-heading" mb="xs">
          Waiting for a second administrator
        </Title>
        {requests.state === 'loading' && <Loader size="sm" aria-label="Reading the requests" />}
        {requests.state === 'error' && <ErrorNotice error={requests.error} title="The requests could not be read" />}
        {requests.state === 'ok' && requests.value.length === 0 && <Text size="sm">No grant request is waiting.</Text>}
        {requests.state === 'ok' && requests.value.length > 0 && (
          <Table withTableBorder aria-labelledby="admin-requests-heading">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Tenant</Table.Th>
                <Table.Th>Operator</Table.Th>
                <Table.Th>Role</Table.Th>
                <Table.Th>Requested by</Table.Th>
                <Table.Th>Approve</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {requests.value.map((r) => (
                <Table.Tr key={r.requestId}>
                  <Table.Td>{r.tenant}</Table.Td>
                  <Table.Td>{r.edipi}</Table.Td>
                  <Table.Td>{r.role}</Table.Td>
                  <Table.Td>{r.requestedBy === me ? 'you' : edipiOf(r.requestedBy)}</Table.Td>
                  <Table.Td>
                    {r.requestedBy === me || r.operatorId === me ? (
                      <Text size="sm">A different administrator approves</Text>
                    ) : (
                      <Button
                        size="xs"
                        onClick={() => approve(r)}
                        aria-label={`Approve ${r.role} for ${r.edipi} in ${r.tenant}`}
                      >
                        Approve…
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </section>
      <section aria-labelledby="admin-current-heading">
        <Title order={2} id="admin-current-heading" mb="xs">
          Current grants
        </Title>
        {review.state === 'loading' && <Loader size="sm" aria-label="Reading the grants" />}
        {review.state === 'error' && <ErrorNotice error={review.error} title="The grants could not be read" />}
        {review.state === 'ok' && (
          <GrantsTable
            entries={review.value}
            labelledBy="admin-current-heading"
            who={edipiOf}
            revoke={(e) => {
              const t = tenantList.find((x) => x.slug === e.tenant);
              const o = operatorList.find((x) => x.edipi === e.edipi);
              if (!t || !o || o.operatorId === me) return null;
              return () =>
                ask({
                  title: 'Revoke a role',
                  purpose: `${e.displayName} loses ${e.role} in ${e.tenant} at their next call.`,
                  details: [
                    ['Tenant', e.tenant],
                    ['Operator', `${e.displayName} (EDIPI ${e.edipi})`],
                    ['Role', e.role],
                  ],
                  run: (pin) =>
                    callArx((arx) =>
                      arx.admin.revoke({ tenantId: t.tenantId, operatorId: o.operatorId, role: e.role as Role, pin }),
                    ),
                  done: reload,
                });
            }}
          />
        )}
      </section>
      {dialog}
    </Stack>
  );
}
