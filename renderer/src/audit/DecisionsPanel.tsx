import { Text } from '@mantine/core';

/** Audit tab: Decisions. */
export function DecisionsPanel() {
  return <Text c="dimmed">Not built yet.</Text>;
}
