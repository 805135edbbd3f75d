import { Paper, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';

export function ChartCard({ title, lead, children }: { title: string; lead: string; children: ReactNode }) {
  const id = `chart-${title.toLowerCase().replace(/[^a-z]+/g, '-')}`;
  return (
    <Paper withBorder p="md" radius="sm" component="section" aria-labelledby={id}>
      <Stack gap="sm">
        <div>
          <Title order={2} size="h4" id={id}>
            {title}
          </Title>
          <Text size="sm" c="dimmed">
            {lead}
          </Text>
        </div>
        {children}
      </Stack>
    </Paper>
  );
}
