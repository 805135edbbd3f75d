import { Badge, Button, Stack, Table, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { ShortId, When } from '../../app/Readable';
import { relativeTime } from '../../app/time';
import type { EventDescription } from './describe-event';

/** The event as a person reads it: who, what model, the decision and why, the cost, and where to look next. */
export function EventSummary(props: {
  described: EventDescription;
  eventId: string;
  onRequest: ((requestId: string) => void) | null;
}) {
  const d = props.described;
  const rows: [string, ReactNode][] = [];
  if (d.time)
    rows.push([
      'When',
      <>
        <When iso={d.time} seconds />{' '}
        <Text span c="dimmed" size="sm">
          ({relativeTime(d.time)})
        </Text>
      </>,
    ]);
  if (d.who) rows.push(['Who', d.who]);
  if (d.model) rows.push(['Model', d.model]);
  if (d.decision)
    rows.push([
      'Decision',
      <Badge color={d.decision === 'deny' ? 'red' : 'green'} variant="light" key="d">
        {d.decision}
      </Badge>,
    ]);
  if (d.why) rows.push([d.decision === 'deny' ? 'Why denied' : 'Why', d.why]);
  if (d.cost) rows.push(['Cost', d.cost]);
  if (d.policyVersion)
    rows.push(['Policy version', <ShortId value={d.policyVersion} label="policy version" key="p" />]);
  for (const [k, v] of d.details) rows.push([k, v]);
  if (d.requestId) rows.push(['Request', <ShortId value={d.requestId} label="request id" key="r" />]);
  rows.push(['Event id', <ShortId value={props.eventId} label="event id" key="e" />]);
  if (d.writer) rows.push(['Written by', d.writer]);
  return (
    <Stack gap="sm">
      <Title order={3} size="h5" data-testid="event-headline">
        {d.headline}
      </Title>
      <Table withRowBorders={false} verticalSpacing={4} aria-label="Event summary">
        <Table.Tbody>
          {rows.map(([k, v]) => (
            <Table.Tr key={k}>
              <Table.Th w={150} scope="row">
                {k}
              </Table.Th>
              <Table.Td>{v}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {d.requestId && props.onRequest ? (
        <Button variant="light" size="xs" w="fit-content" onClick={() => props.onRequest!(d.requestId!)}>
          Show every event of this request
        </Button>
      ) : null}
    </Stack>
  );
}
