import { Alert, Button, CloseButton, Group, Text } from '@mantine/core';
import type { EventType } from '../../../shared/events/types';
import { openInExplorer } from '../audit/explorer/link';
import { goTo } from '../shell/go-to';
import { READABLE_ALERT } from './readable';

export interface Outcome {
  title: string;
  /** What changed and where to see it. */
  text: string;
  /** The audit event the step wrote, opened in the explorer of this tenant. */
  event?: { tenantId: string; type: EventType };
}

/** The visible end of a state change: what happened and where to see the result. */
export function ActionOutcome({ outcome, onClose }: { outcome: Outcome; onClose: () => void }) {
  const event = outcome.event;
  return (
    <Alert
      role="status"
      color="green"
      variant="light"
      title={outcome.title}
      styles={READABLE_ALERT}
      data-testid="action-outcome"
    >
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <Text size="sm">{outcome.text}</Text>
        <Group gap="xs" wrap="nowrap">
          {event && (
            <Button
              size="xs"
              variant="default"
              onClick={() => {
                openInExplorer(event.tenantId, { type: event.type });
                goTo('audit', 'explorer');
              }}
            >
              Open in the audit explorer
            </Button>
          )}
          <CloseButton aria-label="Dismiss" onClick={onClose} />
        </Group>
      </Group>
    </Alert>
  );
}
