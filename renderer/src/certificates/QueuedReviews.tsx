import { Badge, Code, Table, Text } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import type { OutboxItem } from '../../../shared/contract/domains/cache';
import { callArx, subscribeArx } from '../app/arx-client';

/** The outbox kind of reviews signed while the control plane was unreachable (electron/main/review/outbox-delivery.ts). */
const REVIEW_KIND = 'review.signed';

/**
 * Reviews of this tenant signed offline and not delivered yet: read from the cache's outbox
 * (`cache.outboxList`), shown as "queued (outbox)" — or "rejected" with the control plane's code —
 * until the outbox delivers them; then `onDelivered` lets the stored list load again. Items are
 * matched to the tenant shown by their `tenantId` (read in main from the signed statement's
 * subject; null when the payload cannot be read — such items are listed in Settings only).
 * Nothing is rendered when there are none or the cache is locked.
 */
export function QueuedReviews({ tenantId, onDelivered }: { tenantId: string; onDelivered: () => void }) {
  const [items, setItems] = useState<OutboxItem[]>([]);
  const delivered = useRef<Set<string> | null>(null);
  const notify = useRef(onDelivered);
  useEffect(() => {
    notify.current = onDelivered;
  }, [onDelivered]);

  useEffect(() => {
    let live = true;
    const load = async () => {
      const r = await callArx((arx) => arx.cache.outboxList({}));
      if (!live || !r.ok) return;
      const mine = r.value.items.filter((i) => i.kind === REVIEW_KIND && i.tenantId === tenantId);
      const done = new Set(mine.filter((i) => i.state === 'delivered').map((i) => i.id));
      // An item seen waiting that is now delivered: the stored list has a new certificate.
      if (delivered.current && [...done].some((id) => !delivered.current!.has(id))) notify.current();
      delivered.current = done;
      setItems(mine.filter((i) => i.state !== 'delivered'));
    };
    void load();
    const off = subscribeArx('cache.changed', () => void load());
    return () => {
      live = false;
      off();
    };
  }, [tenantId]);

  if (items.length === 0) return null;
  return (
    <Table striped withTableBorder aria-label="Reviews waiting in the outbox" verticalSpacing="xs">
      <Table.Thead>
        <Table.Tr>
          <Table.Th scope="col">Signed review</Table.Th>
          <Table.Th scope="col">Delivery</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {items.map((i) => (
          <Table.Tr key={i.id}>
            <Table.Td>{i.summary ?? 'A review (its sealed payload cannot be read)'}</Table.Td>
            <Table.Td miw={170}>
              {i.state === 'pending' ? (
                <Badge
                  color="yellow"
                  variant="light"
                  styles={{ root: { overflow: 'visible' }, label: { overflow: 'visible' } }}
                >
                  queued (outbox)
                </Badge>
              ) : (
                <>
                  <Badge
                    color="red"
                    variant="light"
                    styles={{ root: { overflow: 'visible' }, label: { overflow: 'visible' } }}
                  >
                    rejected
                  </Badge>
                  {i.lastError && (
                    <Text size="xs" mt={4}>
                      <Code>{i.lastError.code}</Code> {i.lastError.message}
                    </Text>
                  )}
                </>
              )}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
