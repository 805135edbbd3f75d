import { Alert, Tabs } from '@mantine/core';
import { useState } from 'react';
import { SectionHeader } from '../sections/SectionHeader';
import { useTenant } from '../tenant/tenant-context';
import { AccessReviewPanel } from './AccessReviewPanel';
import { GatewayKeysPanel } from './GatewayKeysPanel';
import { OperatorsPanel } from './OperatorsPanel';
import { RolesPanel } from './RolesPanel';
import { TenantsPanel } from './TenantsPanel';

/** Whether the session holds `administrator` (the navigation shows this section only then). */
export function useIsAdministrator(): boolean {
  return useTenant().tenants.some((t) => t.roles.includes('administrator'));
}

/** The administrators' screen: operators, tenants, roles and the access review. */
export function AdminSection() {
  const { operatorId } = useTenant();
  const isAdministrator = useIsAdministrator();
  const [tab, setTab] = useState<string | null>('operators');
  return (
    <>
      <SectionHeader
        title="Administration"
        lead="Enrol card holders, create tenants, grant roles and manage gateway keys. Every change is signed on your card and made by the control plane, which records it in the audit chain."
      />
      {!isAdministrator ? (
        <Alert color="gray" variant="light" title="For administrators only" mt="md">
          This screen is for control-plane administrators. You hold no administrator role.
        </Alert>
      ) : (
        <Tabs value={tab} onChange={setTab} keepMounted={false} mt="md">
          <Tabs.List aria-label="Administration views">
            <Tabs.Tab value="operators">Operators</Tabs.Tab>
            <Tabs.Tab value="tenants">Tenants</Tabs.Tab>
            <Tabs.Tab value="roles">Roles</Tabs.Tab>
            <Tabs.Tab value="review">Access review</Tabs.Tab>
            <Tabs.Tab value="gateway-keys">Gateway keys</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="operators" pt="md">
            <OperatorsPanel me={operatorId} />
          </Tabs.Panel>
          <Tabs.Panel value="tenants" pt="md">
            <TenantsPanel />
          </Tabs.Panel>
          <Tabs.Panel value="roles" pt="md">
            <RolesPanel me={operatorId} />
          </Tabs.Panel>
          <Tabs.Panel value="review" pt="md">
            <AccessReviewPanel />
          </Tabs.Panel>
          <Tabs.Panel value="gateway-keys" pt="md">
            <GatewayKeysPanel />
          </Tabs.Panel>
        </Tabs>
      )}
    </>
  );
}
