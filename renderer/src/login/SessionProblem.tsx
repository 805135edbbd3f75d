import { Button, Group, Stack, Text, Title } from '@mantine/core';
import type { AppInfo } from '../../../shared/contract';
import type { ArxError } from '../app/arx-client';
import { ErrorNotice } from '../app/ErrorNotice';
import { GateScreen, gateHeading } from '../app/GateScreen';

/**
 * card.session failed: the console started (app.info answered), but main could not say whether an
 * operator is logged in. Nothing of the console is shown; the user can ask again.
 */
export function SessionProblem({ info, error, onRetry }: { info: AppInfo; error: ArxError; onRetry: () => void }) {
  return (
    <GateScreen info={info} maxWidth={560}>
      <Stack gap="md">
        <Title order={1} className={gateHeading}>
          The operator session could not be read
        </Title>
        <ErrorNotice error={error} title="Main did not answer the session request (card.session)" />
        <Text size="sm">Nobody can log in or use the console until main answers it.</Text>
        <Group justify="flex-end">
          <Button onClick={onRetry}>Try again</Button>
        </Group>
      </Stack>
    </GateScreen>
  );
}
