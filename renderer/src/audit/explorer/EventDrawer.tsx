import { Alert, Code, Drawer, Group, Loader, ScrollArea, Stack, Table, Tabs, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { ExplorerEvent } from '../../../../shared/contract/domains/audit-explorer';
import { checkEvent, type Check, type EventCheck } from '../../../../shared/explorer/event-check';
import { ErrorNotice } from '../../app/ErrorNotice';
import { errorTitle, OfflineBanner } from '../../cache/OfflineBanner';
import { callArx, type ArxError } from '../../app/arx-client';
import classes from './explorer.module.css';

/**
 * One event as evidence: the checks are recomputed here (shared/explorer/event-check.ts) from the
 * stored bytes, the stored hashes, the proof and the signed checkpoint that main handed over.
 */
export function EventDrawer({ tenantId, seq, onClose }: { tenantId: string; seq: number | null; onClose: () => void }) {
  const [answer, setAnswer] = useState<{
    tenantId: string;
    seq: number;
    event?: ExplorerEvent;
    checked?: EventCheck;
    error?: ArxError;
  } | null>(null);
  useEffect(() => {
    if (seq === null) return;
    let live = true;
    void callArx((arx) => arx.explorer.event({ tenantId, seq })).then((r) => {
      // The verdict is computed here, from what main sent, as the user opens the event.
      if (live)
        setAnswer(
          r.ok ? { tenantId, seq, event: r.value, checked: checkEvent(r.value) } : { tenantId, seq, error: r.error },
        );
    });
    return () => {
      live = false;
    };
  }, [tenantId, seq]);
  // An answer for the same seq in another tenant is not this event.
  const state = answer?.seq === seq && answer.tenantId === tenantId ? answer : null;
  const checked = state?.checked ?? null;

  return (
    <Drawer
      opened={seq !== null}
      onClose={onClose}
      position="right"
      size="xl"
      title={
        <Title order={2} size="h4">
          Event {seq}
        </Title>
      }
    >
      {!state || (!state.event && !state.error) ? <Loader aria-label="Loading the event" /> : null}
      {state?.error ? <ErrorNotice error={state.error} title={errorTitle(state.error)} /> : null}
      {state?.event && checked ? (
        <Stack gap="md">
          <OfflineBanner cached={state.event.cached} what="this event" />
          <Text size="sm" c="dimmed">
            {state.event.eventId}
          </Text>
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
          <Tabs defaultValue="bytes">
            <Tabs.List aria-label="Event views">
              <Tabs.Tab value="bytes">Stored bytes</Tabs.Tab>
              <Tabs.Tab value="parsed">Parsed</Tabs.Tab>
              <Tabs.Tab value="jsonb">jsonb copy</Tabs.Tab>
              <Tabs.Tab value="hashes">Digest and link</Tabs.Tab>
              <Tabs.Tab value="proof">Inclusion proof</Tabs.Tab>
            </Tabs.List>
            <Tabs.Panel value="bytes" pt="sm">
              <Text size="xs" c="dimmed" mb={4}>
                {atobLength(state.event.bytesBase64)} bytes, exactly as hashed (UTF-8).
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
                <Code block>{JSON.stringify(state.event.doc, null, 2)}</Code>
              </ScrollArea.Autosize>
            </Tabs.Panel>
            <Tabs.Panel value="hashes" pt="sm">
              <Table aria-label="Digest and chain link">
                <Table.Tbody>
                  <Hex name="Stored digest d" value={state.event.digest} />
                  <Hex name="Recomputed digest" value={checked.digest.recomputed} />
                  <Hex name="Previous chain hash" value={state.event.previousHash ?? '(missing)'} />
                  <Hex name="Stored chain hash h" value={state.event.chainHash} />
                  <Hex name="Recomputed chain hash" value={checked.link.recomputed ?? '(not computable)'} />
                </Table.Tbody>
              </Table>
            </Tabs.Panel>
            <Tabs.Panel value="proof" pt="sm">
              {state.event.proof ? (
                <>
                  <Text size="xs" c="dimmed" mb={4}>
                    c2sp.org/tlog-proof@v1 to the checkpoint of size {state.event.proof.treeSize} issued{' '}
                    {state.event.proof.issuedAt}.
                  </Text>
                  <ScrollArea.Autosize mah={420}>
                    <Code block className={classes.hex} data-testid="event-proof">
                      {state.event.proof.tlogProof}
                    </Code>
                  </ScrollArea.Autosize>
                </>
              ) : (
                <Text size="sm">{state.event.proofUnavailable}</Text>
              )}
            </Tabs.Panel>
          </Tabs>
        </Stack>
      ) : null}
    </Drawer>
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
