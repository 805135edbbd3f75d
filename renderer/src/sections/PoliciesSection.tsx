import { Loader, Stack, Tabs, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { callArx } from '../app/arx-client';
import { ErrorNotice } from '../app/ErrorNotice';
import type { VersionSummary } from '../../../shared/contract/domains/policy-lifecycle';
import { useOperatorSession } from '../login/use-operator-session';
import { DraftWorkspace } from '../policy/DraftWorkspace';
import { useTenant } from '../tenant/tenant-context';
import { HistoryPanel } from '../policy/HistoryPanel';
import { ImpactPanel } from '../policy/ImpactPanel';
import { ActionOutcome, type Outcome } from '../policy/ActionOutcome';
import { SectionHeader } from './SectionHeader';
import { takeTab, useTabRequests } from '../shell/go-to';

/** The gateway's policy in each tenant (the lifecycle names it so). */
const GATEWAY_POLICY = 'gateway';

/** The active version of the gateway policy in the tenant, read again after `relist`. */
function useActiveVersion(tenantId: string | null) {
  const [listed, setListed] = useState(0);
  const listKey = tenantId ? `${tenantId}|${listed}` : '';
  const [listedActive, setListedActive] = useState<{ key: string; value: VersionSummary | null } | null>(null);
  const active =
    listedActive && listedActive.key === listKey
      ? { state: 'ok' as const, value: listedActive.value }
      : { state: 'loading' as const };

  useEffect(() => {
    if (!tenantId) return;
    let live = true;
    void callArx((arx) => arx.policy.list({ tenantId })).then((r) => {
      if (!live) return;
      // Without the lifecycle (e.g. no control plane) the draft starts from the default policies.
      const gateway = r.ok ? r.value.policies.find((p) => p.name === GATEWAY_POLICY) : undefined;
      setListedActive({ key: listKey, value: gateway?.active ?? null });
    });
    return () => {
      live = false;
    };
  }, [tenantId, listKey]);
  return { active, relist: () => setListed((n) => n + 1) };
}

type Tenant = NonNullable<ReturnType<typeof useTenant>['current']>;

/** Where the operator is: tenant, their roles there, the policy and its active version. */
function PolicyContext({ tenant, active }: { tenant: Tenant; active: ReturnType<typeof useActiveVersion>['active'] }) {
  return (
    <Text size="sm" c="dimmed" data-testid="policy-context">
      Tenant {tenant.tenant} · your roles here: {tenant.roles.join(', ')} · policy {GATEWAY_POLICY}
      {active.state === 'ok' &&
        (active.value ? `, active version ${active.value.sha256.slice(0, 12)}` : ', no published version yet')}
    </Text>
  );
}

/** What a submitted version waits for, and where it is listed. */
const submittedOutcome = (v: VersionSummary, tenant: Tenant): Outcome => ({
  title: `Submitted version ${v.sha256.slice(0, 12)} for approval`,
  text: `It waits for a different operator with the approver role in ${tenant.tenant}; it is listed as submitted under History and approvals. Nothing changes on the gateways until it is approved and published.`,
  event: { tenantId: tenant.tenantId, type: 'com.arx.policy.submitted' },
});

/**
 * Policies of the console's tenant (chosen in the header): the draft
 * (editor, tests, submit), impact, and history with the two-person steps and the diff.
 */
export function PoliciesSection() {
  const [session] = useOperatorSession();
  const tenant = useTenant().current;
  const [tab, setTab] = useState<string | null>(() => takeTab('policies', 'draft'));
  useTabRequests('policies', setTab);
  const [submitted, setSubmitted] = useState<Outcome | null>(null);
  const { active, relist } = useActiveVersion(tenant?.tenantId ?? null);

  const header = (
    <SectionHeader
      title="Policies"
      lead="The Cedar policy the AI gateway enforces in each tenant. Drafts are validated and tested as you type; a version goes live only after its author and a different approver have signed it with their cards."
    />
  );
  // Every branch keeps the header first in the same Stack: a remounted heading would lose the focus
  // that navigation gives it.
  if (session.state !== 'ok' || !session.value || !tenant)
    return (
      <Stack gap="lg">
        {header}
        {session.state === 'error' && (
          <ErrorNotice error={session.error} title="The operator session could not be read" />
        )}
        {session.state === 'ok' && (
          <Text size="sm">You hold no role in any tenant, so there is no policy you may author or approve.</Text>
        )}
      </Stack>
    );
  const operatorId = session.value.operatorId;

  return (
    <Stack gap="lg">
      {header}
      <PolicyContext tenant={tenant} active={active} />
      {submitted && <ActionOutcome outcome={submitted} onClose={() => setSubmitted(null)} />}
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
              onSubmitted={(v) => {
                setSubmitted(submittedOutcome(v, tenant));
                relist();
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
            onChanged={() => relist()}
          />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
