import { Center, Loader, Paper, Stack, Text, Title } from '@mantine/core';
import { ClassificationBanner } from '../shell/ClassificationBanner';
import type { ArxError } from './arx-client';
import { ErrorNotice } from './ErrorNotice';

/**
 * What shows before app.info has answered, or instead of the console when it could not. Without
 * app.info the classification is unknown, and the banner says exactly that.
 */
export function StartupProblem({ error }: { error: ArxError | null }) {
  return (
    <Stack gap={0} mih="100dvh">
      <header>
        <ClassificationBanner marking={null} position="top" />
      </header>
      <Center component="main" id="main-content" style={{ flex: 1 }} p="lg">
        {error === null ? (
          <Stack align="center" gap="xs">
            <Loader size="sm" aria-hidden="true" />
            <Text size="sm">Starting ARX Console…</Text>
          </Stack>
        ) : (
          <Paper withBorder p="xl" maw={640} w="100%">
            <Stack>
              <Title order={1}>ARX Console could not start</Title>
              <ErrorNotice error={error} title="Main did not answer the start-up request (app.info)" />
              <Text size="sm">Nothing of the console is available until this is fixed. Restart it once it is.</Text>
            </Stack>
          </Paper>
        )}
      </Center>
      <footer>
        <ClassificationBanner marking={null} position="bottom" />
      </footer>
    </Stack>
  );
}
