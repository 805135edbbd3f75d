import { Alert, Badge, Button, Group, Stack, Table, Title } from '@mantine/core';
import { useState } from 'react';
import type { ResponseOf } from '../../../shared/contract';
import { callArx } from '../app/arx-client';
import { Loaded, TableHead } from '../app/Loaded';
import { EnrolOperator } from './EnrolOperator';
import { ReenrolOperator } from './ReenrolOperator';
import { useSignedAction } from './signed-action';
import { useAdminList, utcDay } from './use-admin-data';

type Operator = ResponseOf<'admin.operatorList'>[number];

/** Within this many days a certificate's expiry is flagged (the access review uses the same horizon). */
const SOON_MS = 30 * 86_400_000;

function Expiry({ iso, now }: { iso: string | null; now: number }) {
  if (!iso) return <>—</>;
  const left = Date.parse(iso) - now;
  return (
    <>
      {utcDay(iso)}{' '}
      {left < 0 ? (
        <Badge color="red" variant="light">
          expired
        </Badge>
      ) : left < SOON_MS ? (
        <Badge color="yellow" variant="light">
          expires soon
        </Badge>
      ) : null}
    </>
  );
}

const COLUMNS = ['EDIPI', 'Name', 'Status', 'Certificates expire', 'Enrolled', 'Change'];

function OperatorsTable(props: {
  operators: readonly Operator[];
  me: string | null;
  now: number;
  toggle: (o: Operator) => void;
  reenrol: (o: Operator) => void;
}) {
  const { me, now, toggle, reenrol } = props;
  return (
    <Table withTableBorder striped aria-labelledby="admin-operators-heading">
      <TableHead columns={COLUMNS} />
      <Table.Tbody>
        {props.operators.map((o) => (
          <Table.Tr key={o.operatorId}>
            <Table.Td>{o.edipi}</Table.Td>
            <Table.Td>{o.displayName}</Table.Td>
            <Table.Td>
              <Badge color={o.status === 'active' ? 'green' : 'gray'} variant="light">
                {o.status}
              </Badge>
            </Table.Td>
            <Table.Td>
              <Expiry iso={o.certificatesExpire} now={now} />
            </Table.Td>
            <Table.Td>{utcDay(o.createdAt)}</Table.Td>
            <Table.Td>
              {o.operatorId === me ? (
                'you'
              ) : (
                <Group gap="xs">
                  <Button
                    size="xs"
                    variant="default"
                    onClick={() => toggle(o)}
                    aria-label={`${o.status === 'active' ? 'Disable' : 'Enable'} ${o.displayName}`}
                  >
                    {o.status === 'active' ? 'Disable…' : 'Enable…'}
                  </Button>
                  <Button
                    size="xs"
                    variant="default"
                    onClick={() => reenrol(o)}
                    aria-label={`Re-enrol ${o.displayName}`}
                  >
                    Re-enrol…
                  </Button>
                </Group>
              )}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** Operators: enrol from certificate files, the list with certificate expiry, disable and enable, re-enrol after a card change. */
export function OperatorsPanel({ me }: { me: string | null }) {
  const [operators, reload] = useAdminList((arx) => arx.admin.operatorList({}));
  const [dialog, ask] = useSignedAction();
  const [now] = useState(() => Date.now());
  const [replacing, setReplacing] = useState<Operator | null>(null);
  const [reenrolled, setReenrolled] = useState<string | null>(null);

  const toggle = (o: Operator) => {
    const disable = o.status === 'active';
    ask({
      title: disable ? 'Disable an operator' : 'Enable an operator',
      purpose: disable
        ? `${o.displayName} can no longer log in, and their open sessions end now.`
        : `${o.displayName} can log in again, with the roles they still hold.`,
      details: [
        ['Operator', `${o.displayName} (EDIPI ${o.edipi})`],
        ['Change', disable ? 'disable' : 'enable'],
      ],
      run: (pin) =>
        disable
          ? callArx((arx) => arx.admin.operatorDisable({ operatorId: o.operatorId, pin }))
          : callArx((arx) => arx.admin.operatorEnable({ operatorId: o.operatorId, pin })),
      done: reload,
    });
  };

  return (
    <Stack gap="lg">
      <section aria-labelledby="admin-enrol-heading">
        <Title order={2} id="admin-enrol-heading" mb="xs">
          Enrol an operator
        </Title>
        <EnrolOperator ask={ask} enrolled={reload} />
      </section>
      <section aria-labelledby="admin-operators-heading">
        <Title order={2} id="admin-operators-heading" mb="xs">
          Operators
        </Title>
        {reenrolled && (
          <Alert color="green" variant="light" role="status" title="Re-enrolled" mb="sm">
            {reenrolled}
          </Alert>
        )}
        {replacing && (
          <ReenrolOperator
            key={replacing.operatorId}
            operator={replacing}
            ask={ask}
            cancel={() => setReplacing(null)}
            finished={(message) => {
              setReplacing(null);
              setReenrolled(message);
              reload();
            }}
          />
        )}
        <Loaded of={operators} reading="Reading the operators" failed="The operators could not be read">
          {(list) => (
            <OperatorsTable
              operators={list}
              me={me}
              now={now}
              toggle={toggle}
              reenrol={(o) => {
                setReenrolled(null);
                setReplacing(o);
              }}
            />
          )}
        </Loaded>
      </section>
      {dialog}
    </Stack>
  );
}
