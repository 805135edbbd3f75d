import { SimpleGrid, Stack } from '@mantine/core';
import { SectionHeader } from '../sections/SectionHeader';
import { ChainHealth } from './ChainHealth';
import { ConnectionCard } from './ConnectionCard';
import { RecentAlerts } from './RecentAlerts';
import { WaitingForYou } from './WaitingForYou';

/** The overview after login; each card links to where its items are handled. */
export function HomeSection() {
  return (
    <Stack gap="lg">
      <SectionHeader
        title="Home"
        lead="What waits for you, the health of the chains you verify, recent alerts and the state of this workstation."
      />
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <WaitingForYou />
        <ConnectionCard />
      </SimpleGrid>
      <ChainHealth />
      <RecentAlerts />
    </Stack>
  );
}
