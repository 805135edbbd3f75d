import { Text } from '@mantine/core';

/** Audit tab: Explorer. */
export function ExplorerPanel() {
  return <Text c="dimmed">Not built yet.</Text>;
}
