import { Button, Group, Loader, Select, Stack, Table, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { callArx } from '../app/arx-client';
import { ErrorNotice } from '../app/ErrorNotice';
import { useSignedAction } from './signed-action';
import { useAdminList, utcDay } from './use-admin-data';

const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Tenants: the list, a new tenant, a new display name (the slug never changes). */
export function TenantsPanel() {
  const [tenants, reload] = useAdminList((arx) => arx.admin.tenantList({}));
  const [dialog, ask] = useSignedAction();
  const [slug, setSlug] = useState('');
  const [name, setName] = useState('');
  const [renameId, setRenameId] = useState<string | null>(null);
  const [newName, setNewName] = useState('');

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
        reload();
      },
    });

  const list = tenants.state === 'ok' ? tenants.value : [];
  const renaming = list.find((t) => t.tenantId === renameId);
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
        reload();
      },
    });

  return (
    <Stack gap="lg">
      <section aria-labelledby="admin-tenants-heading">
        <Title order={2} id="admin-tenants-heading" mb="xs">
          Tenants
        </Title>
        {tenants.state === 'loading' && <Loader size="sm" aria-label="Reading the tenants" />}
        {tenants.state === 'error' && <ErrorNotice error={tenants.error} title="The tenants could not be read" />}
        {tenants.state === 'ok' && (
          <Table withTableBorder striped aria-labelledby="admin-tenants-heading">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Slug</Table.Th>
                <Table.Th>Name</Table.Th>
                <Table.Th>Created</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.map((t) => (
                <Table.Tr key={t.tenantId}>
                  <Table.Td>{t.slug}</Table.Td>
                  <Table.Td>{t.name}</Table.Td>
                  <Table.Td>{utcDay(t.createdAt)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </section>
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
      <section aria-labelledby="admin-tenant-rename-heading">
        <Title order={3} id="admin-tenant-rename-heading" mb="xs">
          Rename a tenant
        </Title>
        <Group align="flex-end">
          <Select
            label="Tenant to rename"
            data={list.map((t) => ({ value: t.tenantId, label: `${t.slug} (${t.name})` }))}
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
      {dialog}
    </Stack>
  );
}
