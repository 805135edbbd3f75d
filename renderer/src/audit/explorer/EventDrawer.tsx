import { Drawer, Loader, Stack, Title } from '@mantine/core';
import { ErrorNotice } from '../../app/ErrorNotice';
import { errorTitle, OfflineBanner } from '../../cache/OfflineBanner';
import { describeEvent } from './describe-event';
import { EventChecks } from './EventChecks';
import { EventEvidenceTabs } from './EventEvidenceTabs';
import { EventSummary } from './EventSummary';
import { useExplorerEvent } from './use-explorer-event';

/**
 * One event as evidence: the checks are recomputed here (shared/explorer/event-check.ts) from the
 * stored bytes, the stored hashes, the proof and the signed checkpoint that main handed over.
 */
export function EventDrawer(props: {
  tenantId: string;
  seq: number | null;
  onClose: () => void;
  /** Opens the explorer on every event of a request. */
  onRequest: (requestId: string) => void;
}) {
  const { tenantId, seq, onClose } = props;
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
          <EventEvidenceTabs
            event={state.event}
            checked={checked}
            summary={
              <Stack gap="md">
                <EventSummary
                  described={describeEvent(checked.parsed)}
                  eventId={state.event.eventId}
                  onRequest={props.onRequest}
                />
                <EventChecks checked={checked} />
              </Stack>
            }
          />
        </Stack>
      ) : null}
    </Drawer>
  );
}
