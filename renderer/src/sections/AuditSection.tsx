import { Tabs } from '@mantine/core';
import { useCallback, useState } from 'react';
import { DashboardPanel } from '../audit/DashboardPanel';
import { DecisionsPanel } from '../audit/DecisionsPanel';
import { ExplorerPanel } from '../audit/ExplorerPanel';
import { useExplorerLinks } from '../audit/explorer/link';
import { VerifyPanel } from '../audit/VerifyPanel';
import { SectionHeader } from './SectionHeader';
import { takeTab, useTabRequests } from '../shell/go-to';

/** The ISSO's screen: verify a chain, explore events, re-verify decisions, dashboards. */
export function AuditSection() {
  const [tab, setTab] = useState<string | null>(() => takeTab('audit', 'verify'));
  // A dashboard point opens the explorer filtered to it.
  useExplorerLinks(useCallback(() => setTab('explorer'), []));
  useTabRequests('audit', setTab);
  return (
    <>
      <SectionHeader
        title="Audit"
        lead="The tamper-evident record of every gateway decision, chained per tenant and checkpointed in a Merkle tree."
      />
      <Tabs value={tab} onChange={setTab} keepMounted={false}>
        <Tabs.List aria-label="Audit views">
          <Tabs.Tab value="verify">Verify chain</Tabs.Tab>
          <Tabs.Tab value="explorer">Explorer</Tabs.Tab>
          <Tabs.Tab value="decisions">Re-verify decisions</Tabs.Tab>
          <Tabs.Tab value="dashboards">Dashboards</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="verify" pt="md">
          <VerifyPanel />
        </Tabs.Panel>
        <Tabs.Panel value="explorer" pt="md">
          <ExplorerPanel />
        </Tabs.Panel>
        <Tabs.Panel value="decisions" pt="md">
          <DecisionsPanel />
        </Tabs.Panel>
        <Tabs.Panel value="dashboards" pt="md">
          <DashboardPanel />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}
