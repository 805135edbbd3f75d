import '@mantine/charts/styles.css';
import { Group, Loader, SegmentedControl, Stack, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { ExplorerDashboard } from '../../../shared/contract/domains/audit-explorer';
import { ErrorNotice } from '../app/ErrorNotice';
import { errorTitle, OfflineBanner } from '../cache/OfflineBanner';
import { callArx, type ArxError } from '../app/arx-client';
import { CostByTeamChart } from './dashboard/CostByTeamChart';
import { CostOutliers } from './dashboard/CostOutliers';
import { DenialsChart } from './dashboard/DenialsChart';
import { EventsOverTimeChart } from './dashboard/EventsOverTimeChart';
import { useTenant } from '../tenant/tenant-context';

type Range = '24h' | '7d' | '30d' | 'all';
const RANGES: Record<Range, { label: string; ms: number }> = {
  '24h': { label: 'Last 24 h', ms: 86_400_000 },
  '7d': { label: 'Last 7 days', ms: 7 * 86_400_000 },
  '30d': { label: 'Last 30 days', ms: 30 * 86_400_000 },
  all: { label: 'Whole chain', ms: 0 },
};

/**
 * Audit tab: Dashboards. Each chart has a keyboard-operable list beside it; a click on a point (or
 * its button) opens the explorer filtered to exactly the events behind it.
 */
export function DashboardPanel() {
  const tenantId = useTenant().current?.tenantId ?? null;
  const [range, setRange] = useState<Range>('30d');
  const [span, setSpan] = useState<{ tenantId: string; lastTime: string | null } | null>(null);
  const [answer, setAnswer] = useState<{ key: string; value?: ExplorerDashboard; error?: ArxError } | null>(null);
  // The ranges are counted back from the tenant's newest event, not from now: an enclave's data may be old.
  useEffect(() => {
    if (!tenantId) return;
    let live = true;
    void callArx((arx) => arx.explorer.facets({ tenantId })).then((r) => {
      if (live) setSpan({ tenantId, lastTime: r.ok ? r.value.lastTime : null });
    });
    return () => {
      live = false;
    };
  }, [tenantId]);
  const last = span?.tenantId === tenantId ? span.lastTime : undefined;
  const timeFrom = last && range !== 'all' ? new Date(Date.parse(last) - RANGES[range].ms).toISOString() : null;
  const key = JSON.stringify([tenantId, timeFrom]);
  useEffect(() => {
    if (!tenantId || last === undefined) return;
    let live = true;
    void callArx((arx) => arx.explorer.dashboard({ tenantId, timeFrom, timeTo: null })).then((r) => {
      if (live) setAnswer(r.ok ? { key, value: r.value } : { key, error: r.error });
    });
    return () => {
      live = false;
    };
  }, [tenantId, last, timeFrom, key]);
  const data = answer?.key === key ? answer : null;
  const d = data?.value;
  return (
    <Stack gap="lg">
      <Group align="flex-end" justify="space-between">
        <Group align="flex-end">
          <SegmentedControl
            aria-label="Time range"
            value={range}
            onChange={(v) => setRange(v as Range)}
            data={(Object.keys(RANGES) as Range[]).map((k) => ({ value: k, label: RANGES[k].label }))}
          />
        </Group>
        {d ? (
          <Text size="sm" c="dimmed">
            {d.cached ? 'From the local cache' : `Computed in ${d.elapsedMs} ms`} · outliers: modified z-score above{' '}
            {d.threshold} (median absolute deviation)
          </Text>
        ) : null}
      </Group>
      {data?.error ? <ErrorNotice error={data.error} title={errorTitle(data.error)} /> : null}
      <OfflineBanner cached={d?.cached} what="these dashboards" />
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
