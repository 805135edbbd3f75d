import { Alert, Badge, Code, Stack, Table, Text } from '@mantine/core';
import { plural } from '../app/format';
import { Dn, ShortId, When } from '../app/Readable';
import type { BundleReport } from './BundleReportView';

const where = (loc: Record<string, string | number>) =>
  Object.entries(loc)
    .filter(([k]) => k !== 'expected' && k !== 'found')
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

/** "CODE at member m, seq 4: message" for a finding or a warning. */
function Finding({
  code,
  location,
  message,
}: {
  code: string;
  location: Record<string, string | number>;
  message: string;
}) {
  return (
    <>
      <Code fw={700}>{code}</Code>{' '}
      {where(location) && (
        <Text span c="dimmed">
          at {where(location)}:{' '}
        </Text>
      )}
      {message}
    </>
  );
}

/** The verdict: unusable (with the fatal error), verified, or failed, with what the bundle covers. */
export function BundleVerdict({ report }: { report: BundleReport }) {
  const s = report.summary;
  if (report.fatal) {
    return (
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
    );
  }
  return (
    <Alert
      color={report.ok ? 'green' : 'red'}
      variant="outline"
      title={report.ok ? 'Verified: every check holds' : 'Verification failed'}
      data-testid="bundle-verdict"
      data-verdict={report.ok ? 'verified' : 'failed'}
    >
      <Text size="sm">
        Tenant {s.tenantSlug} ({s.tenantId ? <ShortId value={s.tenantId} label="tenant id" /> : 'no tenant id'}
        ), {plural(s.events, 'event')} (seq {seqText(s.from)}–{seqText(s.to)}), {plural(s.checkpoints, 'checkpoint')},{' '}
        {plural(s.policyVersions, 'policy version')}, {plural(s.reviews, 'fidelity certificate')}. Signed by{' '}
        {s.signer ? <Dn value={s.signer} /> : 'an unknown signer'}
        {s.createdAt ? (
          <>
            {' '}
            on <When iso={s.createdAt} />
          </>
        ) : null}
        .
      </Text>
    </Alert>
  );
}

const seqText = (x: number | null) => (x === null ? '?' : x.toLocaleString('en-US'));

/** Every check ✓/✗ with what it covered and its findings. */
export function ChecksTable({ checks }: { checks: BundleReport['checks'] }) {
  return (
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
        {checks.map((c) => (
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
                      <Finding {...f} />
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
  );
}

/** Warnings: they do not fail the bundle, but an auditor should read them. */
export function BundleWarnings({ warnings }: { warnings: BundleReport['warnings'] }) {
  return (
    <Alert color="yellow" variant="light" title={`Warnings (${warnings.length})`} data-testid="bundle-warnings">
      <Stack gap={4}>
        {warnings.map((w, i) => (
          <Text size="sm" key={i} data-warning={w.code}>
            <Finding {...w} />
          </Text>
        ))}
      </Stack>
    </Alert>
  );
}
