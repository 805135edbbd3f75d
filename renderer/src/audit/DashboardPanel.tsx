import { Text } from '@mantine/core';

/** Audit tab: Dashboard. */
export function DashboardPanel() {
  return <Text c="dimmed">Not built yet.</Text>;
}
