import { Text } from '@mantine/core';

/** Audit tab: Verify. */
export function VerifyPanel() {
  return <Text c="dimmed">Not built yet.</Text>;
}
