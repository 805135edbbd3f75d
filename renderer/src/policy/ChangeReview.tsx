import { Alert, Stack, Text } from '@mantine/core';
import { DiffBody, useVersionDiff, type Ref } from './DiffView';
import { READABLE_ALERT } from './readable';

/**
 * What a lifecycle step will change, shown inside its signing dialog: the tenant and the effect in
 * one sentence, then the diff against the version the gateways enforce now.
 */
export function ChangeReview({
  tenantId,
  effect,
  fromLabel,
  from,
  to,
}: {
  tenantId: string;
  effect: string;
  fromLabel: string;
  from: Ref;
  to: Ref;
}) {
  const diff = useVersionDiff(tenantId, from, to);
  return (
    <Stack gap="xs" component="section" aria-label="What will change" data-testid="change-review">
      <Alert color="blue" variant="light" title="Effect" styles={READABLE_ALERT} data-testid="change-effect">
        <Text size="sm">{effect}</Text>
      </Alert>
      <Text size="sm" fw={500}>
        Changes against {fromLabel}
      </Text>
      <DiffBody diff={diff} maxHeight={220} context={3} />
    </Stack>
  );
}
