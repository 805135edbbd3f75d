import { Anchor, Group, Stack, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { ExplorerDashboard } from '../../../shared/contract/domains/audit-explorer';
import { callArx, type ArxError } from '../app/arx-client';
import { ErrorNotice } from '../app/ErrorNotice';
import { plural } from '../app/format';
import { relativeTime, utcTime } from '../app/time';
import { openInExplorer } from '../audit/explorer/link';
import { goTo } from '../shell/go-to';
import { useTenant } from '../tenant/tenant-context';
import { HomeCard } from './HomeCard';
import classes from './home.module.css';

// The dashboards' default range, so that Home and the dashboards agree.
const WINDOW_DAYS = 30;
const WINDOW_MS = WINDOW_DAYS * 86_400_000;

/**
 * The current tenant's last 30 days of traffic (counted back from its newest event, as the
 * dashboards do): denials by reason and cost outliers, each opening the explorer filtered to it.
 */
export function RecentAlerts() {
  const { current } = useTenant();
  const tenantId = current?.tenantId ?? null;
  const [answer, setAnswer] = useState<{
    tenantId: string;
    last: string | null;
    value?: ExplorerDashboard;
    error?: ArxError;
  } | null>(null);
  useEffect(() => {
    if (!tenantId) return;
    let live = true;
    void (async () => {
      const facets = await callArx((arx) => arx.explorer.facets({ tenantId }));
      if (!facets.ok) return live && setAnswer({ tenantId, last: null, error: facets.error });
      const last = facets.value.lastTime;
      if (!last) return live && setAnswer({ tenantId, last });
      const timeFrom = new Date(Date.parse(last) - WINDOW_MS).toISOString();
      const r = await callArx((arx) => arx.explorer.dashboard({ tenantId, timeFrom, timeTo: null }));
      if (live) setAnswer(r.ok ? { tenantId, last, value: r.value } : { tenantId, last, error: r.error });
    })();
    return () => {
      live = false;
    };
  }, [tenantId]);
  const a = answer?.tenantId === tenantId ? answer : null;
  const denials = a?.value?.denialsByReason ?? [];
  const outliers = a?.value?.costOutliers ?? [];
  const denied = denials.reduce((n, d) => n + d.count, 0);
  return (
    <HomeCard id="alerts" title={`Recent alerts${current ? ` in ${current.tenant}` : ''}`}>
      {!a && tenantId && <Text size="sm">Reading the last {WINDOW_DAYS} days…</Text>}
      {a?.error && <ErrorNotice error={a.error} title="The alerts could not be read" />}
      {a && !a.error && !a.last && <Text size="sm">No events in this tenant yet.</Text>}
      {a?.value && (
        <>
          <Text size="sm" c="dimmed">
            The {WINDOW_DAYS} days before the newest event (
            <span title={utcTime(a.last!)}>{relativeTime(a.last!)}</span>)
            {a.value.cached ? ', from the local cache' : ''}: {plural(denied, 'denial')},{' '}
            {plural(outliers.length, 'cost outlier')}.
          </Text>
          {denials.length + outliers.length === 0 ? (
            <Text size="sm">No alerts.</Text>
          ) : (
            <Stack gap={4} component="ul" className={classes.list} aria-label="Recent alerts">
              {denials.slice(0, 5).map((d) => (
                <Group component="li" key={`deny-${d.reason}`} gap="xs">
                  <Anchor
                    component="button"
                    type="button"
                    size="sm"
                    onClick={() => {
                      openInExplorer(tenantId!, { type: 'com.arx.policy.decided', decision: 'deny', reason: d.reason });
                      goTo('audit', 'explorer');
                    }}
                  >
                    {plural(d.count, 'denial')}: {d.label}
                  </Anchor>
                </Group>
              ))}
              {outliers.length > 0 && (
                <Group component="li" gap="xs">
                  <Anchor component="button" type="button" size="sm" onClick={() => goTo('audit', 'dashboards')}>
                    {plural(outliers.length, 'cost outlier')} ({outliers.map((o) => o.series).join(', ')})
                  </Anchor>
                </Group>
              )}
            </Stack>
          )}
        </>
      )}
    </HomeCard>
  );
}
