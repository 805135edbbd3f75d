import { Button, Group, Progress, Stack, Text } from '@mantine/core';
import type { VerifyStatus } from '../../../../shared/contract/domains/audit-verify';
import { bytes, duration, num } from './format';

const PHASE: Record<VerifyStatus['progress']['phase'], string> = {
  queued: 'Starting',
  checkpoints: 'Checking checkpoint signatures and policy versions',
  events: 'Verifying events',
  documents: 'Comparing the searchable copies with the stored bytes',
  done: 'Finished',
};

/** The running verification: a progress bar with events per second and time left, and Cancel. */
export function ProgressView({
  status,
  onCancel,
  cancelling,
}: {
  status: VerifyStatus;
  onCancel: () => void;
  cancelling: boolean;
}) {
  const p = status.progress;
  const pct = p.total ? Math.min(100, (p.rows / p.total) * 100) : 0;
  return (
    <Stack gap="xs" aria-live="polite">
      <Text size="sm" fw={500}>
        {PHASE[p.phase]}
      </Text>
      <Progress
        value={p.phase === 'documents' ? 100 : pct}
        animated
        striped
        aria-label="Verification progress"
        size="lg"
      />
      <Group justify="space-between" wrap="nowrap">
        <Text size="sm" data-testid="verify-progress-text">
          {num(p.rows)}
          {p.total !== null ? ` of ${num(p.total)}` : ''} events ({bytes(p.bytes)}) ·{' '}
          {num(Math.round(p.eventsPerSecond))} events/s ·{' '}
          {p.phase === 'events'
            ? duration(p.secondsLeft)
            : p.phase === 'documents'
              ? 'almost done'
              : 'estimating time left'}
        </Text>
        <Button variant="outline" color="red" onClick={onCancel} loading={cancelling}>
          Cancel verification
        </Button>
      </Group>
    </Stack>
  );
}
