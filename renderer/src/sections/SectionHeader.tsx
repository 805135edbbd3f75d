import { Stack, Text, Title } from '@mantine/core';
import { SECTION_HEADING_ID } from '../shell/use-hash-section';
import classes from './sections.module.css';

/** The section's h1 (focus target after navigation) and a one-paragraph lead. */
export function SectionHeader({ title, lead }: { title: string; lead: string }) {
  return (
    <Stack gap={6}>
      <Title order={1} id={SECTION_HEADING_ID} tabIndex={-1} className={classes.heading}>
        {title}
      </Title>
      <Text size="md" c="dimmed" className={classes.lead}>
        {lead}
      </Text>
    </Stack>
  );
}
