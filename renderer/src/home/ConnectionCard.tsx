import { Anchor, Table, Text } from '@mantine/core';
import { useArxResult } from '../app/use-arx-result';
import { goTo } from '../shell/go-to';
import { useConsoleStatus } from '../shell/use-console-status';
import { HomeCard } from './HomeCard';

const CACHE_STATE: Record<'absent' | 'locked' | 'unlocked' | 'damaged', string> = {
  absent: 'not created yet (made at the first unlock)',
  locked: 'locked (needs your card)',
  unlocked: 'open',
  damaged: 'damaged: only the outbox can be read',
};

/** Control plane, card and local cache, as main reports them; Settings handles the cache. */
export function ConnectionCard() {
  const status = useConsoleStatus();
  const cache = useArxResult((arx) => arx.cache.status({}));
  const row = (label: string, value: string, detail?: string) => (
    <Table.Tr>
      <Table.Th scope="row">{label}</Table.Th>
      <Table.Td>
        {value}
        {detail ? (
          <Text span size="xs" c="dimmed">
            {' '}
            ({detail})
          </Text>
        ) : null}
      </Table.Td>
    </Table.Tr>
  );
  return (
    <HomeCard id="connection" title="Connection and cache">
      <Table aria-label="Connection and cache" verticalSpacing={4}>
        <Table.Tbody>
          {status.state === 'ok'
            ? row('Control plane', status.value.controlPlane.state.replace('-', ' '), status.value.controlPlane.detail)
            : row('Control plane', status.state === 'loading' ? 'reading…' : 'unknown')}
          {status.state === 'ok' && row('Card', status.value.card.state.replace('-', ' '), status.value.card.detail)}
          {cache.state === 'ok' &&
            row(
              'Local cache',
              CACHE_STATE[cache.value.state],
              `${cache.value.records.toLocaleString('en-US')} records, ${cache.value.outbox.pending.toLocaleString('en-US')} waiting to be sent`,
            )}
          {cache.state === 'error' && row('Local cache', 'unknown', cache.error.message)}
        </Table.Tbody>
      </Table>
      <Anchor component="button" type="button" size="sm" ta="left" onClick={() => goTo('settings')}>
        Cache and settings
      </Anchor>
    </HomeCard>
  );
}
