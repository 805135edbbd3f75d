import { Alert, Button, Group, Text } from '@mantine/core';
import { useState } from 'react';
import type { Status } from '../../../shared/contract';
import { callArx } from '../app/arx-client';
import type { Loadable } from '../app/use-arx-result';
import { useConsoleStatus } from './use-console-status';
import { ReconnectNote } from '../cache/ReconnectNote';

/** Why an action that needs the control plane is disabled now, or null when it is connected. */
export function controlPlaneBlocker(status: Loadable<Status>): string | null {
  if (status.state !== 'ok') return null;
  const cp = status.value.controlPlane;
  if (cp.state === 'connected') return null;
  if (cp.state === 'unreachable') return 'the control plane is unreachable';
  if (cp.state === 'starting') return 'the control plane is still starting';
  return 'no control plane is connected';
}

/** The same, for a component that does not already read the status. */
export function useControlPlaneBlocker(): string | null {
  return controlPlaneBlocker(useConsoleStatus());
}

/**
 * While the control plane is unreachable: what happened, that main keeps checking by itself, what
 * still works (cached evidence, queued approvals), and a "Retry now" that checks at once.
 */
export function ControlPlaneBanner({ status }: { status: Loadable<Status> }) {
  const [checking, setChecking] = useState(false);
  const [lastCheck, setLastCheck] = useState<string | null>(null);
  if (status.state !== 'ok' || status.value.controlPlane.state !== 'unreachable') return null;
  const retry = async () => {
    setChecking(true);
    const r = await callArx((arx) => arx.controlPlane.retry({}));
    setChecking(false);
    const still = !r.ok || r.value.controlPlane.state !== 'connected';
    setLastCheck(
      still
        ? new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false })
        : null,
    );
  };
  return (
    <Alert
      color="orange"
      variant="light"
      role="status"
      aria-label="Control plane unreachable"
      data-testid="control-plane-banner"
      mb="md"
    >
      <Group justify="space-between" wrap="nowrap" align="flex-start">
        <Text size="sm">
          <Text span fw={700} inherit>
            Control plane unreachable.
          </Text>{' '}
          {status.value.controlPlane.detail.replace(/\.$/, '')}. The console checks again every few seconds and
          reconnects by itself; meanwhile evidence you opened before is shown from this workstation&apos;s cache,
          approvals are queued, and changes that need the control plane are disabled.
          {lastCheck && ` Still unreachable at ${lastCheck}.`}
          <ReconnectNote controlPlane={status.value.controlPlane} />
        </Text>
        <Button size="xs" variant="default" loading={checking} onClick={() => void retry()} style={{ flexShrink: 0 }}>
          Retry now
        </Button>
      </Group>
    </Alert>
  );
}
