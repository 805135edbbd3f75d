import {
  Alert,
  Badge,
  Button,
  Code,
  Group,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import type { ResponseOf } from '../../../shared/contract';
import { callArx } from '../app/arx-client';
import { Loaded, TableHead, listOf } from '../app/Loaded';
import { useSignedAction, type SignedAction } from './signed-action';
import { useAdminList } from './use-admin-data';

type Key = ResponseOf<'admin.gatewayKeyList'>[number];
type Tenant = ResponseOf<'admin.tenantList'>[number];
interface ChangeProps {
  ask: (a: SignedAction) => void;
  changed: () => void;
}

/** The name a verifier key text `<name>+<key id>+<base64>` carries (the control plane checks the rest). */
const keyNameOf = (text: string): string | null =>
  /^([^+\s]+)\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+$/.exec(text.trim())?.[1] ?? null;
/** "2026-12-07 21:30:00 UTC": windows to the second, in UTC like the audit record. */
const utc = (iso: string | null) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC` : 'open');
const STATUS_COLOR = { scheduled: 'blue', valid: 'green', ending: 'yellow', ended: 'gray' } as const;
const OVERLAPS = [
  { value: '0', label: 'none: the old key ends when the new one begins' },
  { value: '900', label: '15 minutes' },
  { value: '3600', label: '1 hour' },
  { value: '86400', label: '24 hours' },
];

function KeysTable({
  keys,
  rotate,
  revoke,
}: {
  keys: readonly Key[];
  rotate: (k: Key) => void;
  revoke: (k: Key) => void;
}) {
  return (
    <Table withTableBorder striped aria-labelledby="admin-gwkeys-heading">
      <TableHead columns={['Tenant', 'Key', 'Status', 'Valid from', 'Valid until', 'Last checkpoint', 'Change']} />
      <Table.Tbody>
        {keys.map((k) => (
          <Table.Tr key={`${k.tenantId}/${k.keyName}`}>
            <Table.Td>{k.tenantSlug}</Table.Td>
            <Table.Td>
              <Code>{k.keyName}</Code>
            </Table.Td>
            <Table.Td>
              <Badge color={STATUS_COLOR[k.status]} variant="light">
                {k.status}
              </Badge>
              {k.endedReason && (
                <Text span size="sm">
                  {' '}
                  ({k.endedReason})
                </Text>
              )}
            </Table.Td>
            <Table.Td>{utc(k.validFrom)}</Table.Td>
            <Table.Td>{utc(k.validTo)}</Table.Td>
            <Table.Td>{k.lastCheckpoint ? utc(k.lastCheckpoint) : '—'}</Table.Td>
            <Table.Td>
              {k.status === 'ended' ? (
                '—'
              ) : (
                <Group gap="xs" wrap="nowrap">
                  {!k.endedReason && (
                    <Button size="xs" variant="default" onClick={() => rotate(k)} aria-label={`Rotate ${k.keyName}`}>
                      Rotate…
                    </Button>
                  )}
                  <Button
                    size="xs"
                    variant="default"
                    color="red"
                    onClick={() => revoke(k)}
                    aria-label={`Revoke ${k.keyName}`}
                  >
                    Revoke…
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

function RegisterKey({ ask, changed, tenants }: ChangeProps & { tenants: readonly Tenant[] }) {
  const [tenantId, setTenantId] = useState<string | null>(null);
  const [text, setText] = useState('');
  const tenant = tenants.find((t) => t.tenantId === tenantId);
  const name = keyNameOf(text);
  const register = () =>
    tenant &&
    name &&
    ask({
      title: 'Register a gateway key',
      purpose: `Checkpoints of ${tenant.slug}'s chain signed with ${name} verify from now on. Recorded in the tenant's chain, signed by your card.`,
      details: [
        ['Tenant', tenant.slug],
        ['Key', name],
        ['Verifier key', text.trim()],
        ['Valid', 'from now, until rotated or revoked'],
      ],
      run: (pin) =>
        callArx((arx) =>
          arx.admin.gatewayKeyRegister({
            tenantId: tenant.tenantId,
            verifierKey: text.trim(),
            validFrom: null,
            validTo: null,
            pin,
          }),
        ),
      done: () => {
        setText('');
        changed();
      },
    });
  return (
    <section aria-labelledby="admin-gwkey-new-heading">
      <Title order={3} id="admin-gwkey-new-heading" mb="xs">
        Register a gateway key
      </Title>
      <Group align="flex-end">
        <Select
          label="Tenant"
          data={tenants.map((t) => ({ value: t.tenantId, label: t.slug }))}
          value={tenantId}
          onChange={setTenantId}
          comboboxProps={{ withinPortal: true }}
        />
        <Textarea
          label="Verifier key"
          description="As the gateway printed it: arx-gateway.<tenant>.<n>+<key id>+<base64>"
          autosize
          minRows={1}
          w={520}
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          error={text.trim() !== '' && !name ? 'Not a verifier key <name>+<key id>+<base64>' : undefined}
        />
        <Button onClick={register} disabled={!tenant || !name}>
          Register…
        </Button>
      </Group>
    </section>
  );
}

/** The rotation of one key: the successor's verifier key and the overlap, then the card. */
function RotateKey({ ask, changed, from, close }: ChangeProps & { from: Key; close: () => void }) {
  const [text, setText] = useState('');
  const [overlap, setOverlap] = useState<string | null>('3600');
  const name = keyNameOf(text);
  const seconds = Number(overlap ?? '0');
  const rotate = () => {
    if (!name) return;
    const now = Date.now();
    ask({
      title: 'Rotate a gateway key',
      purpose: `${name} signs ${from.tenantSlug}'s checkpoints from now; ${from.keyName} stays valid for the overlap, then its checkpoints no longer verify if signed later.`,
      details: [
        ['Tenant', from.tenantSlug],
        ['New key', name],
        ['New key valid', 'from now, until rotated or revoked'],
        ['Old key', from.keyName],
        [
          'Old key valid until',
          `${utc(new Date(now + seconds * 1000).toISOString())} (approximately: now + ${OVERLAPS.find((o) => o.value === overlap)?.label ?? `${seconds} s`})`,
        ],
      ],
      run: (pin) =>
        callArx((arx) =>
          arx.admin.gatewayKeyRotate({
            tenantId: from.tenantId,
            previousKey: from.keyName,
            verifierKey: text.trim(),
            validFrom: null,
            overlapSeconds: seconds,
            pin,
          }),
        ),
      done: () => {
        close();
        changed();
      },
    });
  };
  return (
    <section aria-labelledby="admin-gwkey-rotate-heading">
      <Title order={3} id="admin-gwkey-rotate-heading" mb="xs">
        Rotate {from.keyName}
      </Title>
      <Group align="flex-end">
        <Textarea
          label="Successor's verifier key"
          autosize
          minRows={1}
          w={520}
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          error={text.trim() !== '' && !name ? 'Not a verifier key <name>+<key id>+<base64>' : undefined}
          data-autofocus
        />
        <Select
          label="Overlap"
          data={OVERLAPS}
          value={overlap}
          onChange={setOverlap}
          allowDeselect={false}
          comboboxProps={{ withinPortal: true }}
        />
        <Button onClick={rotate} disabled={!name}>
          Rotate…
        </Button>
        <Button variant="subtle" onClick={close}>
          Cancel
        </Button>
      </Group>
    </section>
  );
}

/** The revocation of one key: the reason, then the effect (checkpoints that stop verifying) with the card. */
function RevokeKey({ ask, changed, target, close }: ChangeProps & { target: Key; close: () => void }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const revoke = async () => {
    setError(null);
    const effect = await callArx((arx) =>
      arx.admin.gatewayKeyEffect({ tenantId: target.tenantId, keyName: target.keyName, validTo: null }),
    );
    if (!effect.ok) return setError(effect.error.message);
    const n = effect.value.checkpointsOutside;
    ask({
      title: 'Revoke a gateway key',
      purpose: `${target.keyName} stops being valid now: the gateway can no longer sign with it, and any checkpoint it signs from now on fails verification.`,
      details: [
        ['Tenant', target.tenantSlug],
        ['Key', target.keyName],
        ['Currently valid until', utc(target.validTo)],
        ['Valid until, once revoked', `${utc(effect.value.validTo)} (now)`],
        ['Stored checkpoints that stop verifying', String(n)],
        ['Reason', reason.trim()],
      ],
      run: (pin) =>
        callArx((arx) =>
          arx.admin.gatewayKeyRevoke({
            tenantId: target.tenantId,
            keyName: target.keyName,
            validTo: null,
            reason: reason.trim(),
            pin,
          }),
        ),
      done: () => {
        close();
        changed();
      },
    });
  };
  return (
    <section aria-labelledby="admin-gwkey-revoke-heading">
      <Title order={3} id="admin-gwkey-revoke-heading" mb="xs">
        Revoke {target.keyName}
      </Title>
      <Group align="flex-end">
        <TextInput
          label="Reason"
          description="Recorded in the chain, e.g. gateway host replaced"
          w={360}
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
          data-autofocus
        />
        <Button color="red" onClick={() => void revoke()} disabled={reason.trim() === '' || reason.length > 200}>
          Revoke…
        </Button>
        <Button variant="subtle" onClick={close}>
          Cancel
        </Button>
      </Group>
      {error && (
        <Alert color="red" variant="light" mt="xs" role="alert">
          {error}
        </Alert>
      )}
    </section>
  );
}

function ExportKeys() {
  const [out, setOut] = useState<ResponseOf<'admin.gatewayKeyExport'> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    const r = await callArx((arx) => arx.admin.gatewayKeyExport({ tenantIds: null }));
    if (r.ok) setOut(r.value);
    else setError(r.error.message);
  };
  return (
    <section aria-labelledby="admin-gwkey-export-heading">
      <Title order={3} id="admin-gwkey-export-heading" mb="xs">
        gateway-keys.txt for auditors
      </Title>
      <Text size="sm" mb="xs">
        Auditors pin these keys in their trust directory: <Code>arx bundle verify</Code> and a bundle&apos;s{' '}
        <Code>verify.sh</Code> accept checkpoints only from them.
      </Text>
      <Button variant="default" onClick={() => void run()}>
        Show gateway-keys.txt
      </Button>
      {error && (
        <Alert color="red" variant="light" mt="xs" role="alert">
          {error}
        </Alert>
      )}
      {out && (
        <Stack gap={4} mt="xs">
          <Text size="sm" role="status">
            {out.keys} keys, SHA-256 <Code>{out.sha256}</Code>
          </Text>
          <Code block aria-label="gateway-keys.txt">
            {out.text}
          </Code>
        </Stack>
      )}
    </section>
  );
}

/** Gateway keys: every tenant's keys and windows; register, rotate with an overlap, revoke; the pin file. */
export function GatewayKeysPanel() {
  const [keys, reload] = useAdminList((arx) => arx.admin.gatewayKeyList({}));
  const [tenants] = useAdminList((arx) => arx.admin.tenantList({}));
  const [dialog, ask] = useSignedAction();
  const [change, setChange] = useState<{ kind: 'rotate' | 'revoke'; key: Key } | null>(null);
  const close = () => setChange(null);
  return (
    <Stack gap="lg">
      <section aria-labelledby="admin-gwkeys-heading">
        <Title order={2} id="admin-gwkeys-heading" mb="xs">
          Gateway keys
        </Title>
        <Loaded of={keys} reading="Reading the gateway keys" failed="The gateway keys could not be read">
          {(list) => (
            <KeysTable
              keys={list}
              rotate={(k) => setChange({ kind: 'rotate', key: k })}
              revoke={(k) => setChange({ kind: 'revoke', key: k })}
            />
          )}
        </Loaded>
      </section>
      {change?.kind === 'rotate' && (
        <RotateKey key={change.key.keyName} ask={ask} changed={reload} from={change.key} close={close} />
      )}
      {change?.kind === 'revoke' && (
        <RevokeKey key={change.key.keyName} ask={ask} changed={reload} target={change.key} close={close} />
      )}
      <RegisterKey ask={ask} changed={reload} tenants={listOf(tenants)} />
      <ExportKeys />
      {dialog}
    </Stack>
  );
}
