import { Drawer, Loader, Stack, Text, Title } from '@mantine/core';
import { ErrorNotice } from '../../app/ErrorNotice';
import { errorTitle, OfflineBanner } from '../../cache/OfflineBanner';
import { EventChecks } from './EventChecks';
import { EventEvidenceTabs } from './EventEvidenceTabs';
import { useExplorerEvent } from './use-explorer-event';

/**
 * One event as evidence: the checks are recomputed here (shared/explorer/event-check.ts) from the
 * stored bytes, the stored hashes, the proof and the signed checkpoint that main handed over.
 */
export function EventDrawer({ tenantId, seq, onClose }: { tenantId: string; seq: number | null; onClose: () => void }) {
  const state = useExplorerEvent(tenantId, seq);
  const checked = state?.checked ?? null;
  return (
    <Drawer
      opened={seq !== null}
      onClose={onClose}
      position="right"
      size="xl"
      title={
        <Title order={2} size="h4">
          Event {seq}
        </Title>
      }
    >
      {!state || (!state.event && !state.error) ? <Loader aria-label="Loading the event" /> : null}
      {state?.error ? <ErrorNotice error={state.error} title={errorTitle(state.error)} /> : null}
      {state?.event && checked ? (
        <Stack gap="md">
          <OfflineBanner cached={state.event.cached} what="this event" />
          <Text size="sm" c="dimmed">
            {state.event.eventId}
          </Text>
          <EventChecks checked={checked} />
          <EventEvidenceTabs event={state.event} checked={checked} />
        </Stack>
      ) : null}
    </Drawer>
  );
}
