import { Card, Stack, Title } from '@mantine/core';
import type { ReactNode } from 'react';

/** One titled card of Home; the title labels the region for screen readers. */
export function HomeCard({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <Card withBorder component="section" aria-labelledby={`home-${id}`} padding="md">
      <Stack gap="sm">
        <Title order={2} id={`home-${id}`}>
          {title}
        </Title>
        {children}
      </Stack>
    </Card>
  );
}
