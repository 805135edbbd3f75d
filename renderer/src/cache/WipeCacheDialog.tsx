import { Alert, Button, Group, Modal, Stack, Text } from '@mantine/core';
import { plural } from '../app/format';

/** Asks before the cache is wiped, and says how many unsent items would be lost. */
export function WipeCacheDialog({
  opened,
  pending,
  busy,
  onClose,
  onWipe,
}: {
  opened: boolean;
  pending: number;
  busy: boolean;
  onClose: () => void;
  onWipe: () => void;
}) {
  return (
    <Modal opened={opened} onClose={onClose} title="Wipe the local cache?">
      <Stack gap="sm">
        <Text size="sm">
          The cache file and its keys are deleted. Cached evidence is fetched again from the control plane when needed.
        </Text>
        {pending > 0 && (
          <Alert color="red" variant="outline" title="Unsent items">
            {pending === 1 ? '1 signed item has' : `${plural(pending, 'signed item')} have`} not reached the control
            plane yet. Wiping now loses them.
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button color="red" loading={busy} onClick={onWipe}>
            Wipe
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
