import { Text } from '@mantine/core';
import type { Status } from '../../../shared/contract';

const clock = (iso: string) =>
  new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

/** While the control plane is unreachable: how many checks failed and when main checks again by itself. */
export function ReconnectNote({ controlPlane }: { controlPlane: Status['controlPlane'] }) {
  const r = controlPlane.reconnect;
  if (controlPlane.state !== 'unreachable' || !r) return null;
  return (
    <Text
      component="span"
      display="block"
      size="xs"
      c="dimmed"
      data-testid="reconnect-state"
      data-failed-checks={r.failedChecks}
      mt={4}
    >
      {r.failedChecks === 1 ? '1 check failed' : `${r.failedChecks} checks failed in a row`}; next automatic check at{' '}
      {clock(r.nextCheckAt)} (the wait doubles after each failure, up to a minute).
    </Text>
  );
}
