import { Alert, Code, Group, Table, Text } from '@mantine/core';
import type { Check, EventCheck } from '../../../../shared/explorer/event-check';

/** The four checks of one event, each ✓/✗/– with what it means. */
export function EventChecks({ checked }: { checked: EventCheck }) {
  return (
    <>
      <Table withTableBorder aria-label="Checks of this event">
        <Table.Tbody>
          <CheckRow name="Digest (BLAKE3 of the stored bytes)" check={checked.digest} />
          <CheckRow name="Chain link (from the previous event)" check={checked.link} />
          <CheckRow name="Inclusion proof (to the signed checkpoint)" check={checked.inclusion} />
          <CheckRow name="jsonb copy agrees with the bytes" check={checked.jsonb} />
        </Table.Tbody>
      </Table>
      {checked.jsonb.state === 'fail' ? (
        <Alert color="red" title="The jsonb copy disagrees with the stored bytes">
          {checked.jsonb.detail}
        </Alert>
      ) : null}
    </>
  );
}

function CheckRow({ name, check }: { name: string; check: Check }) {
  const mark = check.state === 'ok' ? '✓' : check.state === 'fail' ? '✗' : '–';
  const color = check.state === 'ok' ? 'green' : check.state === 'fail' ? 'red' : 'dimmed';
  const word = check.state === 'ok' ? 'verified' : check.state === 'fail' ? 'failed' : 'not available';
  return (
    <Table.Tr data-check={check.state}>
      <Table.Td w={32}>
        <Text c={color} fw={700} aria-hidden>
          {mark}
        </Text>
      </Table.Td>
      <Table.Td>
        <Group gap={6}>
          <Text size="sm" fw={600}>
            {name}: {word}
          </Text>
          {check.state === 'fail' ? <Code>{check.code}</Code> : null}
        </Group>
        <Text size="xs" c="dimmed">
          {check.detail}
        </Text>
      </Table.Td>
    </Table.Tr>
  );
}
