import { Button, Group, Select, Stack, Table, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import type { ResponseOf } from '../../../shared/contract';
import { callArx } from '../app/arx-client';
import { Loaded, TableHead, listOf } from '../app/Loaded';
import { useSignedAction, type SignedAction } from './signed-action';
import { useAdminList, utcDay } from './use-admin-data';

const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;
type Tenant = ResponseOf<'admin.tenantList'>[number];
interface ChangeProps {
  ask: (a: SignedAction) => void;
  changed: () => void;
}

function TenantsTable({ tenants }: { tenants: readonly Tenant[] }) {
  return (
    <Table withTableBorder striped aria-labelledby="admin-tenants-heading">
      <TableHead columns={['Slug', 'Name', 'Created']} />
      <Table.Tbody>
        {tenants.map((t) => (
          <Table.Tr key={t.tenantId}>
            <Table.Td>{t.slug}</Table.Td>
            <Table.Td>{t.name}</Table.Td>
            <Table.Td>{utcDay(t.createdAt)}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function CreateTenant({ ask, changed }: ChangeProps) {
  const [slug, setSlug] = useState('');
  const [name, setName] = useState('');
  const create = () =>
    ask({
      title: 'Create a tenant',
      purpose: `A new tenant with its own audit chain. Recorded in the control plane's chain, signed by your card.`,
      details: [
        ['Slug', slug],
        ['Name', name],
      ],
      run: (pin) => callArx((arx) => arx.admin.tenantCreate({ slug, name, pin })),
      done: () => {
        setSlug('');
        setName('');
        changed();
      },
    });
  return (
    <section aria-labelledby="admin-tenant-new-heading">
      <Title order={3} id="admin-tenant-new-heading" mb="xs">
        Create a tenant
      </Title>
      <Group align="flex-end">
        <TextInput
          label="Slug"
          description="Lowercase letters, digits and -; never changes"
          value={slug}
          onChange={(e) => setSlug(e.currentTarget.value)}
          error={slug !== '' && !SLUG.test(slug) ? 'Lowercase letters, digits and -' : undefined}
        />
        <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} />
        <Button onClick={create} disabled={!SLUG.test(slug) || name.trim() === ''}>
          Create…
        </Button>
      </Group>
    </section>
  );
}

function RenameTenant({ ask, changed, tenants }: ChangeProps & { tenants: readonly Tenant[] }) {
  const [renameId, setRenameId] = useState<string | null>(null);
  const [newName, setNewName] = useState('');
  const renaming = tenants.find((t) => t.tenantId === renameId);
  const rename = () =>
    renaming &&
    ask({
      title: 'Rename a tenant',
      purpose: `The tenant ${renaming.slug} gets a new display name; its slug, chain and grants stay.`,
      details: [
        ['Tenant', renaming.slug],
        ['Name now', renaming.name],
        ['New name', newName],
      ],
      run: (pin) => callArx((arx) => arx.admin.tenantRename({ tenantId: renaming.tenantId, name: newName, pin })),
      done: () => {
        setNewName('');
        changed();
      },
    });
  return (
    <section aria-labelledby="admin-tenant-rename-heading">
      <Title order={3} id="admin-tenant-rename-heading" mb="xs">
        Rename a tenant
      </Title>
      <Group align="flex-end">
        <Select
          label="Tenant to rename"
          data={tenants.map((t) => ({ value: t.tenantId, label: `${t.slug} (${t.name})` }))}
          value={renameId}
          onChange={setRenameId}
          comboboxProps={{ withinPortal: true }}
        />
        <TextInput label="New name" value={newName} onChange={(e) => setNewName(e.currentTarget.value)} />
        <Button onClick={rename} disabled={!renaming || newName.trim() === ''}>
          Rename…
        </Button>
      </Group>
    </section>
  );
}

/** Tenants: the list, a new tenant, a new display name (the slug never changes). */
export function TenantsPanel() {
  const [tenants, reload] = useAdminList((arx) => arx.admin.tenantList({}));
  const [dialog, ask] = useSignedAction();
  return (
    <Stack gap="lg">
      <section aria-labelledby="admin-tenants-heading">
        <Title order={2} id="admin-tenants-heading" mb="xs">
          Tenants
        </Title>
        <Loaded of={tenants} reading="Reading the tenants" failed="The tenants could not be read">
          {(list) => <TenantsTable tenants={list} />}
        </Loaded>
      </section>
      <CreateTenant ask={ask} changed={reload} />
      <RenameTenant ask={ask} changed={reload} tenants={listOf(tenants)} />
      {dialog}
    </Stack>
  );
}
