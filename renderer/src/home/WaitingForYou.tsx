import { Anchor, Group, Loader, Stack, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { callArx } from '../app/arx-client';
import { relativeTime, utcTime } from '../app/time';
import { goTo } from '../shell/go-to';
import { useTenant, type TenantRoles } from '../tenant/tenant-context';
import { HomeCard } from './HomeCard';
import classes from './home.module.css';

const GATEWAY_POLICY = 'gateway';

interface Item {
  key: string;
  text: string;
  at: string | null;
  tenantId: string | null;
  open: () => void;
}

/** Approvals, rollbacks and publications in every tenant where the operator's roles allow them. */
async function policyItems(t: TenantRoles, operatorId: string): Promise<{ items: Item[]; unavailable: boolean }> {
  const approver = t.roles.includes('approver');
  if (!approver && !t.roles.includes('policy-author')) return { items: [], unavailable: false };
  const r = await callArx((arx) => arx.policy.history({ tenantId: t.tenantId, policyName: GATEWAY_POLICY }));
  if (!r.ok) return { items: [], unavailable: true };
  const open = () => goTo('policies', 'history');
  const items: Item[] = [];
  for (const v of r.value.versions) {
    const short = v.sha256.slice(0, 12);
    if (approver && v.state === 'submitted' && v.author.operatorId !== operatorId)
      items.push({
        key: `approve-${v.sha256}`,
        text: `Approve or reject version ${short} of the ${GATEWAY_POLICY} policy in ${t.tenant} (by ${v.author.displayName})`,
        at: v.createdAt,
        tenantId: t.tenantId,
        open,
      });
    if (v.state === 'approved')
      items.push({
        key: `publish-${v.sha256}`,
        text: `Publish approved version ${short} of the ${GATEWAY_POLICY} policy in ${t.tenant}`,
        at: v.createdAt,
        tenantId: t.tenantId,
        open,
      });
  }
  for (const rb of r.value.rollbacks)
    if (approver && rb.state === 'requested' && rb.requestedBy.operatorId !== operatorId)
      items.push({
        key: `rollback-${rb.rollbackId}`,
        text: `Approve the rollback of ${t.tenant}'s ${GATEWAY_POLICY} policy to ${rb.toSha256.slice(0, 12)} (asked by ${rb.requestedBy.displayName})`,
        at: rb.requestedAt,
        tenantId: t.tenantId,
        open,
      });
  return { items, unavailable: false };
}

/** Signed items (reviews, approvals) made offline that have not reached the control plane yet. */
async function outboxItems(): Promise<Item[]> {
  const r = await callArx((arx) => arx.cache.outboxList({}));
  if (!r.ok) return [];
  const pending = r.value.items.filter((i) => i.state === 'pending');
  if (pending.length === 0) return [];
  return [
    {
      key: 'outbox',
      text: `${pending.length === 1 ? '1 signed item waits' : `${pending.length} signed items wait`} to reach the control plane`,
      at: pending[0]?.createdAt ?? null,
      tenantId: null,
      open: () => goTo('settings'),
    },
  ];
}

export function WaitingForYou() {
  const { tenants, operatorId, select } = useTenant();
  const [state, setState] = useState<{ items: Item[]; unavailable: string[] } | null>(null);
  useEffect(() => {
    if (!operatorId) return;
    let live = true;
    void Promise.all([Promise.all(tenants.map((t) => policyItems(t, operatorId))), outboxItems()]).then(
      ([perTenant, outbox]) => {
        if (!live) return;
        const items = [...perTenant.flatMap((p) => p.items), ...outbox];
        const unavailable = tenants.filter((_, i) => perTenant[i]!.unavailable).map((t) => t.tenant);
        setState({ items, unavailable });
      },
    );
    return () => {
      live = false;
    };
  }, [tenants, operatorId]);

  return (
    <HomeCard id="waiting" title="Waiting for you">
      {!state && <Loader size="xs" aria-label="Looking for what waits for you" />}
      {state && state.items.length === 0 && <Text size="sm">Nothing waits for you.</Text>}
      {state && state.items.length > 0 && (
        <Stack gap={6} component="ul" className={classes.list} aria-label="Waiting for you">
          {state.items.map((i) => (
            <Group component="li" key={i.key} gap="xs" wrap="nowrap" justify="space-between">
              <Anchor
                component="button"
                type="button"
                size="sm"
                ta="left"
                onClick={() => {
                  if (i.tenantId) select(i.tenantId);
                  i.open();
                }}
              >
                {i.text}
              </Anchor>
              {i.at && (
                <Text size="xs" c="dimmed" title={utcTime(i.at)} style={{ flex: 'none' }}>
                  {relativeTime(i.at)}
                </Text>
              )}
            </Group>
          ))}
        </Stack>
      )}
      {state && state.unavailable.length > 0 && (
        <Text size="xs" c="dimmed">
          Policy approvals in {state.unavailable.join(', ')} could not be read (they need the control plane).
        </Text>
      )}
    </HomeCard>
  );
}
