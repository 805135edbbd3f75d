import { Table, Text, Title } from '@mantine/core';
import type { OutboxItem } from '../../../shared/contract/domains/cache';
import { When } from '../app/Readable';
import { useTenant } from '../tenant/tenant-context';
import { cacheKeyText, cacheKindText } from './cache-key-text';
import type { CacheKinds } from './use-cache-panel';

/** What the cache holds, by kind, with the most recent keys. */
export function CachedEvidence({ kinds }: { kinds: CacheKinds | null }) {
  const { tenants } = useTenant();
  const slugOf = (id: string) => tenants.find((t) => t.tenantId === id)?.tenant;
  return (
    <section aria-labelledby="cache-evidence-heading">
      <Title order={3} id="cache-evidence-heading" mb="xs">
        Cached evidence
      </Title>
      {kinds === null ? (
        <Text size="sm" c="dimmed">
          Open the cache to see what it holds.
        </Text>
      ) : kinds.length === 0 ? (
        <Text size="sm">Nothing is cached yet.</Text>
      ) : (
        <Table withTableBorder aria-labelledby="cache-evidence-heading" verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Kind</Table.Th>
              <Table.Th scope="col">Records</Table.Th>
              <Table.Th scope="col">Most recent</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {kinds.map((k) => (
              <Table.Tr key={k.kind}>
                <Table.Td>{cacheKindText(k.kind)}</Table.Td>
                <Table.Td>{k.count.toLocaleString('en-US')}</Table.Td>
                <Table.Td>
                  {k.keys.map((key) => (
                    <Text size="xs" key={key} title={key} style={{ overflowWrap: 'anywhere' }}>
                      {cacheKeyText(key, slugOf)}
                    </Text>
                  ))}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </section>
  );
}

/** Artifacts signed while offline, with their delivery state. */
export function CacheOutbox({ items }: { items: OutboxItem[] | null }) {
  return (
    <section aria-labelledby="cache-outbox-heading">
      <Title order={3} id="cache-outbox-heading" mb="xs">
        Outbox (signed while offline)
      </Title>
      {items === null ? (
        <Text size="sm" c="dimmed">
          Open the cache to see its outbox.
        </Text>
      ) : items.length === 0 ? (
        <Text size="sm">Nothing is waiting: every artifact signed here has reached the control plane.</Text>
      ) : (
        <Table withTableBorder aria-labelledby="cache-outbox-heading" verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">#</Table.Th>
              <Table.Th scope="col">What</Table.Th>
              <Table.Th scope="col">State</Table.Th>
              <Table.Th scope="col">Signed</Table.Th>
              <Table.Th scope="col">Delivered</Table.Th>
              <Table.Th scope="col">Last error</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((i) => (
              <Table.Tr key={i.id} data-outbox-state={i.state}>
                <Table.Td>{i.seq}</Table.Td>
                <Table.Td>
                  {i.summary ?? i.kind}{' '}
                  <Text span size="xs" c="dimmed">
                    ({i.kind})
                  </Text>
                </Table.Td>
                <Table.Td>{i.state}</Table.Td>
                <Table.Td>{i.createdAt ? <When iso={i.createdAt} relative /> : '—'}</Table.Td>
                <Table.Td>{i.deliveredAt ? <When iso={i.deliveredAt} relative /> : '—'}</Table.Td>
                <Table.Td>{i.lastError ? `${i.lastError.code}: ${i.lastError.message}` : '—'}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </section>
  );
}
