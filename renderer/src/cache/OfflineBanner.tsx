import { Alert, Text } from '@mantine/core';
import type { CachedMark } from '../../../shared/contract/domains/cache';
import type { ArxError } from '../app/arx-client';
import { cachedAtText } from './cached-at';

/**
 * Shown above evidence answered from the encrypted local cache because the control plane is
 * unreachable (docs/cache.md, "What is cached and when it is served"): when it was fetched, that
 * it is this workstation's copy, and that nothing can be changed from it.
 */
export function OfflineBanner({ cached, what = 'evidence' }: { cached: CachedMark | null | undefined; what?: string }) {
  if (!cached) return null;
  const when = cachedAtText(cached.at);
  return (
    // No title: Mantine would label the alert by it (aria-labelledby), over the aria-label.
    <Alert
      color="yellow"
      variant="light"
      role="status"
      aria-label="Offline — cached evidence"
      data-testid="offline-banner"
      data-cached-at={cached.at}
    >
      <Text size="sm">
        <Text span fw={700} inherit>
          Offline
        </Text>{' '}
        — showing {what} cached at {when} on this workstation (read-only).
      </Text>
    </Alert>
  );
}

/** The title for an error notice: an uncached read while offline is not a failure of the request as such. */
export function errorTitle(error: ArxError, fallback?: string): string | undefined {
  if (error.code === 'OFFLINE_NOT_CACHED') return 'Not available offline';
  return fallback;
}
