import '@mantine/charts/styles.css';
import { Group, Loader, Stack, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { ExplorerDashboard } from '../../../shared/contract/domains/audit-explorer';
import { ErrorNotice } from '../app/ErrorNotice';
import { callArx, type ArxError } from '../app/arx-client';
import { CostByTeamChart } from './dashboard/CostByTeamChart';
import { CostOutliers } from './dashboard/CostOutliers';
import { DenialsChart } from './dashboard/DenialsChart';
import { EventsOverTimeChart } from './dashboard/EventsOverTimeChart';
import { selectedTenant } from './explorer/link';
import { TenantSelect } from './explorer/TenantSelect';

/**
 * Audit tab: Dashboards. Each chart has a keyboard-operable list beside it; a click on a point (or
 * its button) opens the explorer filtered to exactly the events behind it.
 */
export function DashboardPanel() {
  const [tenantId, setTenantId] = useState<string | null>(selectedTenant);
  const [answer, setAnswer] = useState<{ tenantId: string; value?: ExplorerDashboard; error?: ArxError } | null>(null);
  useEffect(() => {
    if (!tenantId) return;
    let live = true;
    void callArx((arx) => arx.explorer.dashboard({ tenantId, timeFrom: null, timeTo: null })).then((r) => {
      if (live) setAnswer(r.ok ? { tenantId, value: r.value } : { tenantId, error: r.error });
    });
    return () => {
      live = false;
    };
  }, [tenantId]);
  const data = answer?.tenantId === tenantId ? answer : null;
  const d = data?.value;
  return (
    <Stack gap="lg">
      <Group align="flex-end" justify="space-between">
        <TenantSelect value={tenantId} onChange={setTenantId} />
        {d ? (
          <Text size="sm" c="dimmed">
            Computed in {d.elapsedMs} ms · outliers: modified z-score above {d.threshold} (median absolute deviation)
          </Text>
        ) : null}
      </Group>
      {data?.error ? <ErrorNotice error={data.error} /> : null}
      {tenantId && !data ? <Loader aria-label="Loading the dashboards" /> : null}
      {tenantId && d ? (
        <>
          <EventsOverTimeChart tenantId={tenantId} data={d} />
          <DenialsChart tenantId={tenantId} data={d} />
          <CostByTeamChart tenantId={tenantId} data={d} />
          <CostOutliers tenantId={tenantId} data={d} />
        </>
      ) : null}
    </Stack>
  );
}
