import { Code, Stack, Text, Title } from '@mantine/core';
import type { z } from 'zod';
import type { BundleContentsSchema, BundleReportSchema } from '../../../shared/contract/domains/bundle';
import { BundleContentsView } from './BundleContentsView';
import { BundleVerdict, BundleWarnings, ChecksTable } from './report-parts';

export type BundleReport = z.infer<typeof BundleReportSchema>;
export type BundleContents = z.infer<typeof BundleContentsSchema>;

/** The verification report of one bundle: the verdict, every check ✓/✗ with its findings, then what the bundle holds (read-only). */
export function BundleReportView({
  path,
  report,
  contents,
  envelope = null,
}: {
  path: string;
  report: BundleReport;
  contents: BundleContents | null;
  envelope?: { recipients: number; openedBy: string; hybrid: boolean } | null;
}) {
  return (
    <Stack gap="md" aria-label="Bundle verification report" role="region">
      <Title order={2}>Verification report</Title>
      <Text size="sm">
        <Code>{path}</Code>
      </Text>
      {report.summary.classification && (
        <Text fw={700} size="lg" data-testid="bundle-classification" role="note" aria-label="Classification marking">
          {report.summary.classification} — the marking signed in this bundle's manifest
        </Text>
      )}
      {envelope && (
        <Text size="sm" data-testid="bundle-envelope">
          Encrypted bundle: {envelope.recipients === 1 ? '1 recipient' : `${envelope.recipients} recipients`}; opened
          with {envelope.openedBy === 'card' ? 'your card' : 'the organisation recovery key'} (
          {envelope.hybrid ? 'hybrid ML-KEM-1024 + classical' : 'classical'} stanza). The bundle inside was verified as
          below.
        </Text>
      )}
      <BundleVerdict report={report} />
      {report.checks.length > 0 && <ChecksTable checks={report.checks} />}
      {report.warnings.length > 0 && <BundleWarnings warnings={report.warnings} />}
      {contents && <BundleContentsView contents={contents} />}
    </Stack>
  );
}
