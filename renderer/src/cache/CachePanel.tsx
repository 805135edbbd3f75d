import { Alert, Group, Loader, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { callArx } from '../app/arx-client';
import { ErrorNotice } from '../app/ErrorNotice';
import { CachedEvidence, CacheOutbox } from './CacheContents';
import { RecoverySection, RewrapSection } from './CacheKeySections';
import { CacheStatusView } from './CacheStatusView';
import { useCachePanel } from './use-cache-panel';
import { WipeCacheDialog } from './WipeCacheDialog';

/**
 * The encrypted local evidence cache: its state, the outbox of artifacts signed while
 * offline, and its maintenance (unlock, lock, recovery key, re-wrap to another card, key rotation,
 * rebuild, wipe). Every action goes through window.arx; errors are shown with their code.
 */
export function CachePanel() {
  const { status, items, kinds, error, setError, busy, notice, run } = useCachePanel();
  const [wipeOpen, setWipeOpen] = useState(false);

  if (!status && !error) {
    return (
      <Group gap="xs">
        <Loader size="xs" aria-hidden="true" />
        <Text size="sm">Reading the cache state…</Text>
      </Group>
    );
  }
  const open = status?.state === 'unlocked' || status?.state === 'damaged';
  const pending = status?.outbox.pending ?? 0;
  return (
    <Stack gap="md">
      {error && <ErrorNotice error={error} title="The cache action failed" />}
      {notice && (
        <Alert color="green" variant="light" role="status" title="Done">
          {notice}
        </Alert>
      )}
      {status && <CacheStatusView status={status} busy={busy} run={run} onWipe={() => setWipeOpen(true)} />}
      <CachedEvidence kinds={kinds} />
      <CacheOutbox items={items} />
      <RewrapSection open={open} busy={busy} run={run} onError={setError} />
      <RecoverySection busy={busy} run={run} />
      <WipeCacheDialog
        opened={wipeOpen}
        pending={pending}
        busy={busy === 'wipe'}
        onClose={() => setWipeOpen(false)}
        onWipe={() => {
          setWipeOpen(false);
          void run(
            'wipe',
            () => callArx((arx) => arx.cache.wipe({ discardOutbox: pending > 0 })),
            () => 'The cache was wiped.',
          );
        }}
      />
    </Stack>
  );
}
