import { Text } from '@mantine/core';
import { useState } from 'react';
import { plural } from '../app/format';
import { relativeTime, utcTime } from '../app/time';

/** What a tenant's newest signed checkpoint covers (audit.tenants). */
export interface CoveredChain {
  slug: string;
  events: number;
  checkpointedEvents: number;
  checkpointedAt: string | null;
}

const n = (x: number) => x.toLocaleString('en-US');

/** The last seq the newest signed checkpoint covers, or null when it covers no event yet. */
export function coveredEnd(t: CoveredChain): number | null {
  return t.checkpointedEvents > 0 ? t.checkpointedEvents - 1 : null;
}

/**
 * A "To seq" that follows `fallback` (the newest checkpoint's end, refreshed while the screen stays
 * open) until the operator types a value of their own.
 */
export function useDefaultEnd<T extends number | string>(fallback: T): [T, (v: T) => void] {
  const [value, setValue] = useState<T>(fallback);
  const [edited, setEdited] = useState(false);
  const [seen, setSeen] = useState<T>(fallback);
  if (seen !== fallback) {
    setSeen(fallback);
    if (!edited) setValue(fallback);
  }
  return [
    value,
    (v: T) => {
      setValue(v);
      setEdited(true);
    },
  ];
}

/**
 * Why a bundle of seq … `to` cannot be exported now (a bundle proves its last event under a
 * signed checkpoint), or null when the newest checkpoint covers it. Said before the PIN.
 */
export function uncoveredReason(t: CoveredChain, to: number): string | null {
  const end = coveredEnd(t);
  if (end === null)
    return `No signed checkpoint covers any event of ${t.slug} yet, so nothing can be proved in a bundle: wait for the first checkpoint.`;
  if (to > end)
    return `Seq ${n(end + 1)} on is not covered by a signed checkpoint yet: end the range at seq ${n(end)}, or wait for the next checkpoint.`;
  return null;
}

function noneCovered(events: number): string {
  if (events === 0) return 'No signed checkpoint yet.';
  return events === 1 ? 'No signed checkpoint covers it yet.' : 'No signed checkpoint covers any of them yet.';
}

function afterText(after: number): string {
  if (after <= 0) return '.';
  if (after === 1) return '; the one event after it becomes provable with the next one.';
  return `; the ${plural(after, 'event')} after it become provable with the next one.`;
}

/**
 * "The range ends at the newest signed checkpoint (seq 50,009, issued 3 minutes ago); the 12 events
 * after it become provable with the next one." Or that there is no checkpoint yet.
 */
export function CheckpointCoverNote({ chain }: { chain: CoveredChain }) {
  const end = coveredEnd(chain);
  const after = chain.events - chain.checkpointedEvents;
  return (
    <Text size="xs" c="dimmed" data-testid="checkpoint-cover">
      {plural(chain.events, 'event')} in {chain.slug}.{' '}
      {end === null || chain.checkpointedAt === null ? (
        noneCovered(chain.events)
      ) : (
        <>
          The range ends by default at the newest signed checkpoint (seq {n(end)}, issued{' '}
          <time dateTime={chain.checkpointedAt} title={utcTime(chain.checkpointedAt)}>
            {relativeTime(chain.checkpointedAt)}
          </time>
          ){afterText(after)}
        </>
      )}
    </Text>
  );
}
