import { Badge, Button, Group, Table, Text } from '@mantine/core';
import type { CertificateSummary } from '../../../shared/contract/domains/review';
import { plural } from '../app/format';
import { ShortId, When } from '../app/Readable';
import { ExportBundleButton } from '../bundle/ExportBundle';
import { coveredEnd, type CoveredChain } from '../tenant/checkpoint-cover';

const n = (x: number) => x.toLocaleString('en-US');

/** Why a certificate's bundle cannot be exported yet (its range ends after the newest checkpoint), or null. */
function bundleWaits(c: CertificateSummary, chain: CoveredChain | null): string | null {
  if (!chain) return null;
  const end = coveredEnd(chain);
  if (end !== null && c.toSeq <= end) return null;
  return `A bundle waits for a signed checkpoint covering seq ${n(c.toSeq)}${end === null ? '' : ` (the newest covers seq ${n(end)})`}.`;
}

function decisionsText(d: CertificateSummary['decisions']): string {
  if (!d) return 'not re-verified';
  return `${plural(d.total, 'decision')}, ${n(d.mismatched)} mismatched`;
}

export function CertificateList({
  items,
  chain,
  onVerify,
  onExport,
}: {
  items: readonly CertificateSummary[];
  /** The tenant's chain as audit.tenants lists it (what its newest checkpoint covers), when known. */
  chain: CoveredChain | null;
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
          <Table.Th scope="col">Chain root</Table.Th>
          <Table.Th scope="col">Decisions</Table.Th>
          <Table.Th scope="col">Actions</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {items.map((c) => (
          <CertificateRow key={c.id} c={c} chain={chain} onVerify={onVerify} onExport={onExport} />
        ))}
      </Table.Tbody>
    </Table>
  );
}

interface RowProps {
  c: CertificateSummary;
  chain: CoveredChain | null;
  onVerify: (c: CertificateSummary) => void;
  onExport: (c: CertificateSummary) => void;
}

function CertificateRow({ c, chain, onVerify, onExport }: RowProps) {
  return (
    <Table.Tr>
      <Table.Td>
        seq {n(c.fromSeq)}–{n(c.toSeq)}
        <Text size="xs" c="dimmed">
          {plural(c.toSeq - c.fromSeq + 1, 'event')}
        </Text>
      </Table.Td>
      <Table.Td miw={96}>
        <Badge color={c.verdict === 'intact' ? 'teal' : 'red'} variant="light" style={{ overflow: 'visible' }}>
          {c.verdict}
        </Badge>
      </Table.Td>
      <Table.Td>
        <span title={`EDIPI ${c.reviewer.edipi}`}>{c.reviewer.displayName}</span>
      </Table.Td>
      <Table.Td>
        <When iso={c.reviewedAt} relative />
      </Table.Td>
      <Table.Td>
        <ShortId value={c.subject.sha256} label="the chain root (SHA-256)" />
      </Table.Td>
      <Table.Td>{decisionsText(c.decisions)}</Table.Td>
      <Table.Td>
        <Group gap="xs" align="flex-start">
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
            disabledReason={bundleWaits(c, chain)}
            ariaLabel={`Export an evidence bundle for the review of seq ${c.fromSeq}–${c.toSeq}`}
          />
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}
