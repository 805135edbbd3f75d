import { Alert, Badge, Code, Group, ScrollArea, Stack, Table, Tabs, Text, Title } from '@mantine/core';
import { plural } from '../app/format';
import { useState } from 'react';
import type { z } from 'zod';
import type { BundleContentsSchema, BundleReportSchema } from '../../../shared/contract/domains/bundle';

export type BundleReport = z.infer<typeof BundleReportSchema>;
export type BundleContents = z.infer<typeof BundleContentsSchema>;

const where = (loc: Record<string, string | number>) =>
  Object.entries(loc)
    .filter(([k]) => k !== 'expected' && k !== 'found')
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

/** The verification report of one bundle: the verdict, every check ✓/✗ with its findings, then what the bundle holds (read-only). */
export function BundleReportView({
  path,
  report,
  contents,
}: {
  path: string;
  report: BundleReport;
  contents: BundleContents | null;
}) {
  const s = report.summary;
  return (
    <Stack gap="md" aria-label="Bundle verification report" role="region">
      <Title order={2}>Verification report</Title>
      <Text size="sm">
        <Code>{path}</Code>
      </Text>
      {report.fatal ? (
        <Alert
          color="red"
          variant="outline"
          role="alert"
          title="Not a usable bundle"
          data-testid="bundle-verdict"
          data-verdict="unusable"
        >
          <Text size="sm">
            <Code fw={700}>{report.fatal.code}</Code> {report.fatal.message}
            {where(report.fatal.location) && ` (at ${where(report.fatal.location)})`}
          </Text>
        </Alert>
      ) : (
        <Alert
          color={report.ok ? 'green' : 'red'}
          variant="outline"
          title={report.ok ? 'Verified: every check holds' : 'Verification failed'}
          data-testid="bundle-verdict"
          data-verdict={report.ok ? 'verified' : 'failed'}
        >
          <Text size="sm">
            Tenant {s.tenantSlug} ({s.tenantId}), events {s.from}…{s.to} ({plural(s.events, 'event')}),{' '}
            {plural(s.checkpoints, 'checkpoint')}, {plural(s.policyVersions, 'policy version')},{' '}
            {plural(s.reviews, 'fidelity certificate')}. Signed by {s.signer ?? 'an unknown signer'} at {s.createdAt}.
          </Text>
        </Alert>
      )}
      {report.checks.length > 0 && (
        <Table withTableBorder aria-label="Checks">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Check</Table.Th>
              <Table.Th>Result</Table.Th>
              <Table.Th>Covered</Table.Th>
              <Table.Th>Findings</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {report.checks.map((c) => (
              <Table.Tr key={c.id} data-check={c.id} data-ok={c.ok}>
                <Table.Td>{c.label}</Table.Td>
                <Table.Td>
                  <Badge color={c.ok ? 'green' : 'red'} variant="light" aria-label={c.ok ? 'passed' : 'failed'}>
                    {c.ok ? '✓' : '✗'}
                  </Badge>
                </Table.Td>
                <Table.Td>{c.checked}</Table.Td>
                <Table.Td>
                  {c.findings.length === 0 ? (
                    <Text size="sm" c="dimmed">
                      none
                    </Text>
                  ) : (
                    <Stack gap={4}>
                      {c.findings.map((f, i) => (
                        <Text size="sm" key={i}>
                          <Code fw={700}>{f.code}</Code>{' '}
                          {where(f.location) && (
                            <Text span c="dimmed">
                              at {where(f.location)}:{' '}
                            </Text>
                          )}
                          {f.message}
                        </Text>
                      ))}
                      {c.omitted > 0 && <Text size="sm">… and {c.omitted} more</Text>}
                    </Stack>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {report.warnings.length > 0 && (
        <Alert
          color="yellow"
          variant="light"
          title={`Warnings (${report.warnings.length})`}
          data-testid="bundle-warnings"
        >
          <Stack gap={4}>
            {report.warnings.map((w, i) => (
              <Text size="sm" key={i} data-warning={w.code}>
                <Code fw={700}>{w.code}</Code>{' '}
                {where(w.location) && (
                  <Text span c="dimmed">
                    at {where(w.location)}:{' '}
                  </Text>
                )}
                {w.message}
              </Text>
            ))}
          </Stack>
        </Alert>
      )}
      {contents && <BundleContentsView contents={contents} />}
    </Stack>
  );
}

function BundleContentsView({ contents }: { contents: BundleContents }) {
  const [event, setEvent] = useState<number | null>(null);
  const shown = contents.events.find((e) => e.seq === event);
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
                      <Table.Td>{e.seq}</Table.Td>
                      <Table.Td>{e.type}</Table.Td>
                      <Table.Td>{e.time}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              {contents.eventsOmitted > 0 && (
                <Text size="sm" c="dimmed">
                  {contents.eventsOmitted} more events were verified but are not listed here.
                </Text>
              )}
            </ScrollArea>
            <Stack gap={4}>
              <Text size="sm" fw={600}>
                {shown ? `Event seq ${shown.seq}: stored bytes` : 'Select an event to see its stored bytes'}
              </Text>
              {shown && (
                <Code
                  block
                  aria-label={`Event ${shown.seq}`}
                  style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}
                >
                  {shown.json}
                </Code>
              )}
            </Stack>
          </Group>
        </Tabs.Panel>
        <Tabs.Panel value="policies" pt="sm">
          <Stack gap="md">
            {contents.policies.map((p) => (
              <Stack gap={4} key={p.sha256}>
                <Text size="sm" fw={600}>
                  {p.name} — {p.state} — version <Code>{p.sha256}</Code>
                </Text>
                <Text size="sm">
                  {p.signatures
                    .map(
                      (s) =>
                        `${s.role}: operator ${s.operatorId}, certificate ${s.certificateSha256.slice(0, 16)}…, ${s.signedAt}`,
                    )
                    .join('; ') || 'no signatures'}
                </Text>
                <ScrollArea h={200}>
                  <Code block aria-label={`Policy text of ${p.name}`}>
                    {p.text}
                  </Code>
                </ScrollArea>
              </Stack>
            ))}
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="certificates" pt="sm">
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
                  <Table.Td>{c.subject}</Table.Td>
                  <Table.Td>{c.issuer}</Table.Td>
                  <Table.Td>
                    {c.notBefore.slice(0, 10)} – {c.notAfter.slice(0, 10)}
                  </Table.Td>
                  <Table.Td>
                    <Code>{c.member}</Code>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {contents.reviews.length > 0 && (
            <Text size="sm" mt="sm">
              Fidelity certificates:{' '}
              {contents.reviews.map((r) => `${r.id} (seq ${r.fromSeq}…${r.toSeq}, ${r.createdAt})`).join('; ')}
            </Text>
          )}
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
