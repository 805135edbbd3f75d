import { Button, Group, Text } from '@mantine/core';
import { useState } from 'react';
import type { OperatorSession } from '../../../shared/contract';
import { callArx } from '../app/arx-client';
import { useTenant } from '../tenant/tenant-context';

/** "alpha-command: isso, policy-author; bravo: auditor" */
export function rolesByTenant(roles: OperatorSession['roles']): string {
  const byTenant = new Map<string, string[]>();
  for (const r of roles) byTenant.set(r.tenant, [...(byTenant.get(r.tenant) ?? []), r.role]);
  return [...byTenant].map(([tenant, rs]) => `${tenant}: ${rs.join(', ')}`).join('; ');
}

/** Who is logged in, in the product bar, with Lock and Log out. Main announces the result by session.changed. */
export function OperatorActions({
  session,
  onChanged,
}: {
  session: OperatorSession;
  onChanged: (s: OperatorSession | null) => void;
}) {
  const [busy, setBusy] = useState(false);
  const { current } = useTenant();
  // The header names the roles held in the tenant the console shows; the status bar lists them all.
  const roles = current ? `${current.tenant}: ${current.roles.join(', ')}` : '';
  const all = rolesByTenant(session.roles);
  return (
    <Group gap="sm" wrap="nowrap" role="group" aria-label="Operator" style={{ minWidth: 0 }}>
      {/* Long role lists are cut with an ellipsis (full text in the title) rather than squeezing the product name. */}
      <Text
        span
        size="sm"
        data-testid="operator"
        truncate="end"
        maw={560}
        title={`${session.displayName} (EDIPI ${session.edipi}) · ${all || 'no roles'}`}
      >
        <Text span inherit fw={700}>
          {session.displayName}
        </Text>{' '}
        (EDIPI {session.edipi}) · {roles || 'no roles'}
      </Text>
      <Button
        size="xs"
        variant="default"
        // Lock and Log out never shrink: the operator's name gives way instead.
        style={{ flex: 'none' }}
        disabled={busy}
        onClick={() => {
          setBusy(true);
          void callArx((arx) => arx.card.lock({})).then((r) => {
            setBusy(false);
            if (r.ok) onChanged(r.value);
          });
        }}
      >
        Lock
      </Button>
      <Button
        size="xs"
        variant="default"
        // Lock and Log out never shrink: the operator's name gives way instead.
        style={{ flex: 'none' }}
        disabled={busy}
        onClick={() => {
          setBusy(true);
          void callArx((arx) => arx.card.logout({})).then((r) => {
            setBusy(false);
            if (r.ok) onChanged(null);
          });
        }}
      >
        Log out
      </Button>
    </Group>
  );
}
