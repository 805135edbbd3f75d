import { Badge, Button, Group, Table, Text } from '@mantine/core';
import type { CertificateSummary } from '../../../shared/contract/domains/review';
import { ExportBundleButton } from '../bundle/ExportBundle';

export function CertificateList({
  items,
  onVerify,
  onExport,
}: {
  items: readonly CertificateSummary[];
  onVerify: (c: CertificateSummary) => void;
  onExport: (c: CertificateSummary) => void;
}) {
  if (items.length === 0) return <Text size="sm">No fidelity certificates in this tenant yet.</Text>;
  return (
    <Table striped withTableBorder aria-label="Fidelity certificates" verticalSpacing="xs">
      <Table.Thead>
        <Table.Tr>
          <Table.Th scope="col">Reviewed range</Table.Th>
          <Table.Th scope="col">Verdict</Table.Th>
          <Table.Th scope="col">Reviewer</Table.Th>
          <Table.Th scope="col">Signed</Table.Th>
          <Table.Th scope="col">Decisions</Table.Th>
          <Table.Th scope="col">Actions</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {items.map((c) => (
          <Table.Tr key={c.id}>
            <Table.Td>
              seq {c.fromSeq.toLocaleString('en-US')}–{c.toSeq.toLocaleString('en-US')}
            </Table.Td>
            <Table.Td miw={96}>
              <Badge color={c.verdict === 'intact' ? 'teal' : 'red'} variant="light" style={{ overflow: 'visible' }}>
                {c.verdict}
              </Badge>
            </Table.Td>
            <Table.Td>{c.reviewer.displayName}</Table.Td>
            <Table.Td>{c.reviewedAt}</Table.Td>
            <Table.Td>{c.decisions ? `${c.decisions.total} (${c.decisions.mismatched} mismatched)` : '—'}</Table.Td>
            <Table.Td>
              <Group gap="xs">
                <Button
                  size="xs"
                  variant="light"
                  onClick={() => onVerify(c)}
                  aria-label={`Verify the review of seq ${c.fromSeq}–${c.toSeq}`}
                >
                  Verify
                </Button>
                <Button
                  size="xs"
                  variant="default"
                  onClick={() => onExport(c)}
                  aria-label={`Export the review of seq ${c.fromSeq}–${c.toSeq} for OpenSSL`}
                >
                  Export for OpenSSL
                </Button>
                <ExportBundleButton
                  tenant={{ id: c.tenantId, slug: c.tenantSlug }}
                  target={{ kind: 'review', id: c.id, fromSeq: c.fromSeq, toSeq: c.toSeq }}
                  label="Export bundle"
                  size="xs"
                  variant="default"
                  result="dialog"
                  ariaLabel={`Export an evidence bundle for the review of seq ${c.fromSeq}–${c.toSeq}`}
                />
              </Group>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
