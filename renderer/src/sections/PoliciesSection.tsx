import { Group, Loader, Select, Stack, Tabs, Text } from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import { callArx } from '../app/arx-client';
import { ErrorNotice } from '../app/ErrorNotice';
import type { VersionSummary } from '../../../shared/contract/domains/policy-lifecycle';
import { useOperatorSession } from '../login/use-operator-session';
import { DraftWorkspace, type WorkspaceTenant } from '../policy/DraftWorkspace';
import { HistoryPanel } from '../policy/HistoryPanel';
import { ImpactPanel } from '../policy/ImpactPanel';
import { SectionHeader } from './SectionHeader';

/** The gateway's policy in each tenant (the lifecycle names it so). */
const GATEWAY_POLICY = 'gateway';

/**
 * Policies: pick a tenant among those where the operator holds a role, then the draft
 * (editor, tests, submit), impact, and history with the two-person steps and the diff.
 */
export function PoliciesSection() {
  const [session] = useOperatorSession();
  const tenants = useMemo<WorkspaceTenant[]>(() => {
    if (session.state !== 'ok' || !session.value) return [];
    const by = new Map<string, WorkspaceTenant>();
    for (const r of session.value.roles) {
      const t = by.get(r.tenantId) ?? { tenantId: r.tenantId, tenant: r.tenant, roles: [] };
      t.roles.push(r.role);
      by.set(r.tenantId, t);
    }
    return [...by.values()].sort((a, b) => a.tenant.localeCompare(b.tenant));
  }, [session]);
  const [tenantId, setTenantId] = useState<string | null>(null);
  const tenant = tenants.find((t) => t.tenantId === tenantId) ?? tenants[0] ?? null;
  const [tab, setTab] = useState<string | null>('draft');
  const [listed, setListed] = useState(0);
  const listKey = tenant ? `${tenant.tenantId}|${listed}` : '';
  const [listedActive, setListedActive] = useState<{ key: string; value: VersionSummary | null } | null>(null);
  const active =
    listedActive && listedActive.key === listKey
      ? { state: 'ok' as const, value: listedActive.value }
      : { state: 'loading' as const };

  useEffect(() => {
    if (!tenant) return;
    let live = true;
    void callArx((arx) => arx.policy.list({ tenantId: tenant.tenantId })).then((r) => {
      if (!live) return;
      // Without the lifecycle (e.g. no control plane) the draft starts from the default policies.
      const gateway = r.ok ? r.value.policies.find((p) => p.name === GATEWAY_POLICY) : undefined;
      setListedActive({ key: listKey, value: gateway?.active ?? null });
    });
    return () => {
      live = false;
    };
  }, [tenant, listKey]);

  const header = (
    <SectionHeader
      title="Policies"
      lead="The Cedar policy the AI gateway enforces in each tenant. Drafts are validated and tested as you type; a version goes live only after its author and a different approver have signed it with their cards."
    />
  );
  if (session.state === 'loading') return header;
  if (session.state === 'error')
    return (
      <Stack gap="lg">
        {header}
        <ErrorNotice error={session.error} title="The operator session could not be read" />
      </Stack>
    );
  if (!session.value || !tenant) {
    return (
      <Stack gap="lg">
        {header}
        <Text size="sm">You hold no role in any tenant, so there is no policy you may author or approve.</Text>
      </Stack>
    );
  }
  const operatorId = session.value.operatorId;

  return (
    <Stack gap="lg">
      {header}
      <Group align="flex-end" gap="md">
        <Select
          label="Tenant"
          data={tenants.map((t) => ({ value: t.tenantId, label: t.tenant }))}
          value={tenant.tenantId}
          onChange={(v) => v && setTenantId(v)}
          allowDeselect={false}
          w={260}
        />
        <Text size="sm" c="dimmed" pb={6}>
          Your roles here: {tenant.roles.join(', ')}. Policy: {GATEWAY_POLICY}
          {active.state === 'ok' &&
            (active.value ? `, active version ${active.value.sha256.slice(0, 12)}` : ', no published version yet')}
        </Text>
      </Group>
      <Tabs value={tab} onChange={setTab} keepMounted={false}>
        <Tabs.List aria-label="Policy views">
          <Tabs.Tab value="draft">My draft</Tabs.Tab>
          <Tabs.Tab value="impact">Impact</Tabs.Tab>
          <Tabs.Tab value="history">History and approvals</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="draft" pt="md">
          {active.state === 'loading' ? (
            <Loader size="xs" aria-label="Reading the policy" />
          ) : (
            <DraftWorkspace
              key={`${tenant.tenantId}/${GATEWAY_POLICY}`}
              operatorId={operatorId}
              tenant={tenant}
              policyName={GATEWAY_POLICY}
              active={active.value}
              onSubmitted={() => {
                setListed((n) => n + 1);
                setTab('history');
              }}
            />
          )}
        </Tabs.Panel>
        <Tabs.Panel value="impact" pt="md">
          <ImpactPanel tenantId={tenant.tenantId} policyName={GATEWAY_POLICY} />
        </Tabs.Panel>
        <Tabs.Panel value="history" pt="md">
          <HistoryPanel
            key={tenant.tenantId}
            operatorId={operatorId}
            tenant={tenant}
            policyName={GATEWAY_POLICY}
            onChanged={() => setListed((n) => n + 1)}
          />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
