import { Code, Group, ScrollArea, Stack, Table, Tabs, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { plural } from '../app/format';
import { Dn, ShortId, shortId, When } from '../app/Readable';
import type { BundleContents } from './BundleReportView';

/** What a verified bundle holds, read-only: its events (with their stored bytes), policies and certificates. */
export function BundleContentsView({ contents }: { contents: BundleContents }) {
  return (
    <Stack gap="sm">
      <Title order={2}>Inside the bundle (read-only)</Title>
      <Tabs defaultValue="events" keepMounted={false}>
        <Tabs.List aria-label="Bundle contents">
          <Tabs.Tab value="events">Events ({contents.events.length + contents.eventsOmitted})</Tabs.Tab>
          <Tabs.Tab value="policies">Policies ({contents.policies.length})</Tabs.Tab>
          <Tabs.Tab value="certificates">
            Certificates ({contents.certificates.length + contents.reviews.length})
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="events" pt="sm">
          <BundleEvents contents={contents} />
        </Tabs.Panel>
        <Tabs.Panel value="policies" pt="sm">
          <BundlePolicies policies={contents.policies} />
        </Tabs.Panel>
        <Tabs.Panel value="certificates" pt="sm">
          <BundleCertificates contents={contents} />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

function BundleEvents({ contents }: { contents: BundleContents }) {
  const [event, setEvent] = useState<number | null>(null);
  const shown = contents.events.find((e) => e.seq === event);
  return (
    <Group align="flex-start" grow>
      <ScrollArea h={360}>
        <Table aria-label="Events in the bundle" highlightOnHover>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Seq</Table.Th>
              <Table.Th>Type</Table.Th>
              <Table.Th>Time</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {contents.events.map((e) => (
              <Table.Tr
                key={e.seq}
                tabIndex={0}
                aria-selected={e.seq === event}
                onClick={() => setEvent(e.seq)}
                onKeyDown={(k) => (k.key === 'Enter' || k.key === ' ') && setEvent(e.seq)}
                style={{ cursor: 'pointer' }}
              >
                <Table.Td>{e.seq.toLocaleString('en-US')}</Table.Td>
                <Table.Td>{e.type}</Table.Td>
                <Table.Td>
                  <When iso={e.time} seconds />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        {contents.eventsOmitted > 0 && (
          <Text size="sm" c="dimmed">
            {plural(contents.eventsOmitted, 'more event')} verified but not listed here.
          </Text>
        )}
      </ScrollArea>
      <Stack gap={4}>
        <Text size="sm" fw={600}>
          {shown ? `Event seq ${shown.seq}: stored bytes` : 'Select an event to see its stored bytes'}
        </Text>
        {shown && (
          <Code block aria-label={`Event ${shown.seq}`} style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
            {shown.json}
          </Code>
        )}
      </Stack>
    </Group>
  );
}

function BundlePolicies({ policies }: { policies: BundleContents['policies'] }) {
  return (
    <Stack gap="md">
      {policies.map((p) => (
        <Stack gap={4} key={p.sha256}>
          <Text size="sm" fw={600}>
            {p.name} — {p.state} — version <ShortId value={p.sha256} label="the policy version (SHA-256)" />
          </Text>
          {p.signatures.length === 0 && <Text size="sm">No signatures.</Text>}
          {p.signatures.map((s) => (
            <Text size="sm" key={`${s.role}/${s.certificateSha256}`}>
              {s.role}: operator <ShortId value={s.operatorId} label="the operator id" />, certificate{' '}
              <ShortId value={s.certificateSha256} label="the certificate (SHA-256)" />, signed{' '}
              <When iso={s.signedAt} />
            </Text>
          ))}
          <ScrollArea h={200}>
            <Code block aria-label={`Policy text of ${p.name}`}>
              {p.text}
            </Code>
          </ScrollArea>
        </Stack>
      ))}
    </Stack>
  );
}

function BundleCertificates({ contents }: { contents: BundleContents }) {
  return (
    <>
      <Table aria-label="Certificates in the bundle">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Subject</Table.Th>
            <Table.Th>Issuer</Table.Th>
            <Table.Th>Valid</Table.Th>
            <Table.Th>Member</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {contents.certificates.map((c) => (
            <Table.Tr key={c.sha256}>
              <Table.Td>
                <Dn value={c.subject} />
              </Table.Td>
              <Table.Td>
                <Dn value={c.issuer} />
              </Table.Td>
              <Table.Td>
                <When iso={c.notBefore} /> – <When iso={c.notAfter} />
              </Table.Td>
              <Table.Td>
                <Code title={c.member}>{c.member.replace(/[0-9a-f]{64}/g, (h) => shortId(h))}</Code>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {contents.reviews.length > 0 && (
        <Stack gap={2} mt="sm">
          <Text size="sm" fw={600}>
            Fidelity certificates
          </Text>
          {contents.reviews.map((r) => (
            <Text size="sm" key={r.id}>
              <ShortId value={r.id} label="the certificate id" />: seq {r.fromSeq.toLocaleString('en-US')}…
              {r.toSeq.toLocaleString('en-US')}, signed <When iso={r.createdAt} />
            </Text>
          ))}
        </Stack>
      )}
    </>
  );
}
