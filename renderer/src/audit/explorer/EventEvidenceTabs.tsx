import { Code, ScrollArea, Table, Tabs, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import type { ExplorerEvent } from '../../../../shared/contract/domains/audit-explorer';
import type { EventCheck } from '../../../../shared/explorer/event-check';
import classes from './explorer.module.css';

/**
 * One event: the summary first, then the evidence as stored one tab away: bytes, parsed, the
 * jsonb copy, digests and the inclusion proof.
 */
export function EventEvidenceTabs(props: { event: ExplorerEvent; checked: EventCheck; summary: ReactNode }) {
  const { event, checked } = props;
  return (
    <Tabs defaultValue="summary">
      <Tabs.List aria-label="Event views">
        <Tabs.Tab value="summary">Summary</Tabs.Tab>
        <Tabs.Tab value="bytes">Stored bytes</Tabs.Tab>
        <Tabs.Tab value="parsed">Parsed</Tabs.Tab>
        <Tabs.Tab value="jsonb">jsonb copy</Tabs.Tab>
        <Tabs.Tab value="hashes">Digest and link</Tabs.Tab>
        <Tabs.Tab value="proof">Inclusion proof</Tabs.Tab>
      </Tabs.List>
      <Tabs.Panel value="summary" pt="sm">
        {props.summary}
      </Tabs.Panel>
      <Tabs.Panel value="bytes" pt="sm">
        <Text size="xs" c="dimmed" mb={4}>
          {atobLength(event.bytesBase64)} bytes, exactly as hashed (UTF-8).
        </Text>
        <ScrollArea.Autosize mah={420}>
          <Code block className={`${classes.hex} ${classes.wrap}`} data-testid="event-bytes">
            {checked.text}
          </Code>
        </ScrollArea.Autosize>
      </Tabs.Panel>
      <Tabs.Panel value="parsed" pt="sm">
        <ScrollArea.Autosize mah={420}>
          <Code block>{JSON.stringify(checked.parsed, null, 2)}</Code>
        </ScrollArea.Autosize>
      </Tabs.Panel>
      <Tabs.Panel value="jsonb" pt="sm">
        <Text size="xs" c="dimmed" mb={4}>
          The database’s query copy. It is not evidence; the bytes are.
        </Text>
        <ScrollArea.Autosize mah={420}>
          <Code block>{JSON.stringify(event.doc, null, 2)}</Code>
        </ScrollArea.Autosize>
      </Tabs.Panel>
      <Tabs.Panel value="hashes" pt="sm">
        <DigestTable event={event} checked={checked} />
      </Tabs.Panel>
      <Tabs.Panel value="proof" pt="sm">
        <ProofView event={event} />
      </Tabs.Panel>
    </Tabs>
  );
}

function DigestTable({ event, checked }: { event: ExplorerEvent; checked: EventCheck }) {
  return (
    <Table aria-label="Digest and chain link">
      <Table.Tbody>
        <Hex name="Stored digest d" value={event.digest} />
        <Hex name="Recomputed digest" value={checked.digest.recomputed} />
        <Hex name="Previous chain hash" value={event.previousHash ?? '(missing)'} />
        <Hex name="Stored chain hash h" value={event.chainHash} />
        <Hex name="Recomputed chain hash" value={checked.link.recomputed ?? '(not computable)'} />
      </Table.Tbody>
    </Table>
  );
}

function ProofView({ event }: { event: ExplorerEvent }) {
  if (!event.proof) return <Text size="sm">{event.proofUnavailable}</Text>;
  return (
    <>
      <Text size="xs" c="dimmed" mb={4}>
        c2sp.org/tlog-proof@v1 to the checkpoint of size {event.proof.treeSize} issued {event.proof.issuedAt}.
      </Text>
      <ScrollArea.Autosize mah={420}>
        <Code block className={classes.hex} data-testid="event-proof">
          {event.proof.tlogProof}
        </Code>
      </ScrollArea.Autosize>
    </>
  );
}

function Hex({ name, value }: { name: string; value: string }) {
  return (
    <Table.Tr>
      <Table.Th w={180}>{name}</Table.Th>
      <Table.Td className={classes.hex}>{value}</Table.Td>
    </Table.Tr>
  );
}

const atobLength = (b64: string) =>
  Math.floor((b64.length * 3) / 4) - (b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0);
