import { Alert, List, Stack, Title } from '@mantine/core';
import { InfoIcon } from '../shell/icons';
import { SectionHeader } from './SectionHeader';
import classes from './sections.module.css';

/**
 * A section that is not built yet says so plainly, lists what it will do, and shows nothing
 * that could be mistaken for data.
 */
export function PlannedSection({ title, lead, planned }: { title: string; lead: string; planned: readonly string[] }) {
  return (
    <Stack gap="lg">
      <SectionHeader title={title} lead={lead} />
      <Alert variant="light" color="gray" title="Not built yet" icon={<InfoIcon />} className={classes.notBuilt}>
        This section is a placeholder. It does not read or change anything, and an empty screen here does not mean there
        is nothing to see.
      </Alert>
      <section aria-labelledby={`planned-${title}`}>
        <Title order={2} id={`planned-${title}`} mb="xs">
          What this section will do
        </Title>
        <List spacing={6} size="md" className={classes.plannedList}>
          {planned.map((p) => (
            <List.Item key={p}>{p}</List.Item>
          ))}
        </List>
      </section>
    </Stack>
  );
}
