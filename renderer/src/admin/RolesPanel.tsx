import { Alert, Button, Group, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import type { ResponseOf } from '../../../shared/contract';
import { callArx } from '../app/arx-client';
import { Loaded, TableHead, listOf } from '../app/Loaded';
import { GrantsTable, type ReviewEntry } from './GrantsTable';
import { useSignedAction, type SignedAction } from './signed-action';
import { useAdminList } from './use-admin-data';

const ROLES = ['policy-author', 'approver', 'auditor', 'isso', 'administrator'] as const;
type Role = (typeof ROLES)[number];
const TWO_PERSON: readonly Role[] = ['isso', 'administrator'];
type Request = ResponseOf<'admin.grantRequests'>[number];
type Tenant = ResponseOf<'admin.tenantList'>[number];
type Operator = ResponseOf<'admin.operatorList'>[number];

/** What every part of the panel shares: the lists, who is logged in, the signing dialog, the reload. */
interface RolesContext {
  me: string | null;
  tenants: readonly Tenant[];
  operators: readonly Operator[];
  ask: (a: SignedAction) => void;
  /** Re-read the requests and the grants, and say what happened. */
  changed: (said?: string) => void;
  edipiOf: (operatorId: string) => string;
}

function GrantRole({ ctx, said }: { ctx: RolesContext; said: string | null }) {
  const [tenantId, setTenantId] = useState<string | null>(null);
  const [operatorId, setOperatorId] = useState<string | null>(null);
  const [role, setRole] = useState<Role | null>(null);
  const tenant = ctx.tenants.find((t) => t.tenantId === tenantId);
  const operator = ctx.operators.find((o) => o.operatorId === operatorId);

  const grant = () => {
    if (!tenant || !operator || !role) return;
    const twoPerson = TWO_PERSON.includes(role);
    ctx.ask({
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
      done: () =>
        ctx.changed(
          twoPerson
            ? `Requested: ${role} for ${operator.edipi} in ${tenant.slug}, waiting for a second administrator.`
            : `Granted: ${role} for ${operator.edipi} in ${tenant.slug}.`,
        ),
    });
  };

  return (
    <section aria-labelledby="admin-grant-heading">
      <Title order={2} id="admin-grant-heading" mb="xs">
        Grant a role
      </Title>
      <Group align="flex-end">
        <Select
          label="Grant in tenant"
          data={ctx.tenants.map((t) => ({ value: t.tenantId, label: t.slug }))}
          value={tenantId}
          onChange={setTenantId}
          comboboxProps={{ withinPortal: true }}
        />
        <Select
          label="Operator"
          searchable
          data={ctx.operators
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
        <Button onClick={grant} disabled={!tenant || !operator || !role || operatorId === ctx.me}>
          {role && TWO_PERSON.includes(role) ? 'Request grant…' : 'Grant…'}
        </Button>
      </Group>
      <Text size="xs" c="dimmed" mt={4}>
        isso and administrator take two administrators: one requests, a different one approves. Nobody grants a role to
        themselves.
      </Text>
      {said && (
        <Alert color="green" variant="light" role="status" mt="sm">
          {said}
        </Alert>
      )}
    </section>
  );
}

function RequestsTable({ ctx, requests }: { ctx: RolesContext; requests: readonly Request[] }) {
  const { me, edipiOf } = ctx;
  const approve = (r: Request) =>
    ctx.ask({
      title: 'Approve a role grant',
      purpose: `As the second administrator you approve ${r.role} for EDIPI ${r.edipi} in ${r.tenant}, requested by ${edipiOf(r.requestedBy)}.`,
      details: [
        ['Tenant', r.tenant],
        ['Operator', r.edipi],
        ['Role', r.role],
        ['Request', r.requestId],
      ],
      run: (pin) => callArx((arx) => arx.admin.approve({ requestId: r.requestId, pin })),
      done: () => ctx.changed(`Granted: ${r.role} for ${r.edipi} in ${r.tenant}.`),
    });
  if (requests.length === 0) return <Text size="sm">No grant request is waiting.</Text>;
  return (
    <Table withTableBorder aria-labelledby="admin-requests-heading">
      <TableHead columns={['Tenant', 'Operator', 'Role', 'Requested by', 'Approve']} />
      <Table.Tbody>
        {requests.map((r) => (
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
  );
}

/** The Revoke action of one grant, or null where there is none (one's own). */
const revokeAction =
  (ctx: RolesContext) =>
  (e: ReviewEntry): (() => void) | null => {
    if (e.operatorId === ctx.me) return null;
    return () =>
      ctx.ask({
        title: 'Revoke a role',
        purpose: `${e.displayName} loses ${e.role} in ${e.tenant} at their next call.`,
        details: [
          ['Tenant', e.tenant],
          ['Operator', `${e.displayName} (EDIPI ${e.edipi})`],
          ['Role', e.role],
        ],
        run: (pin) =>
          callArx((arx) =>
            arx.admin.revoke({ tenantId: e.tenantId, operatorId: e.operatorId, role: e.role as Role, pin }),
          ),
        done: () => ctx.changed(),
      });
  };

/** Roles per tenant: grant (isso and administrator as a request a second administrator approves), approve, revoke. */
export function RolesPanel({ me }: { me: string | null }) {
  const [tenants] = useAdminList((arx) => arx.admin.tenantList({}));
  const [operators] = useAdminList((arx) => arx.admin.operatorList({}));
  const [requests, reloadRequests] = useAdminList((arx) => arx.admin.grantRequests({}));
  const [round, setRound] = useState(0);
  const [dialog, ask] = useSignedAction();
  const [said, setSaid] = useState<string | null>(null);
  const operatorList = listOf(operators);
  const ctx: RolesContext = {
    me,
    tenants: listOf(tenants),
    operators: operatorList,
    ask,
    changed: (text) => {
      if (text) setSaid(text);
      reloadRequests();
      setRound((r) => r + 1);
    },
    edipiOf: (id) => operatorList.find((o) => o.operatorId === id)?.edipi ?? id,
  };

  return (
    <Stack gap="lg">
      <GrantRole ctx={ctx} said={said} />
      <section aria-labelledby="admin-requests-heading">
        <Title order={2} id="admin-requests-heading" mb="xs">
          Waiting for a second administrator
        </Title>
        <Loaded of={requests} reading="Reading the requests" failed="The requests could not be read">
          {(list) => <RequestsTable ctx={ctx} requests={list} />}
        </Loaded>
      </section>
      <section aria-labelledby="admin-current-heading">
        <Title order={2} id="admin-current-heading" mb="xs">
          Current grants
        </Title>
        <GrantsTable labelledBy="admin-current-heading" who={ctx.edipiOf} revoke={revokeAction(ctx)} round={round} />
      </section>
      {dialog}
    </Stack>
  );
}
