import { Badge, Button, Group, Table, Text, Tooltip } from '@mantine/core';
import type { VersionSummary } from '../../../shared/contract/domains/policy-lifecycle';
import { ShortId, When } from '../app/Readable';
import { READABLE_BADGE } from './readable';

const STATE_COLOR: Record<VersionSummary['state'], string> = {
  submitted: 'blue',
  approved: 'teal',
  published: 'green',
  superseded: 'gray',
  rejected: 'red',
};

/** What the operator can do with one version; each callback opens its step. */
export type VersionActions = {
  approve: (v: VersionSummary) => void;
  reject: (v: VersionSummary) => void;
  publish: (v: VersionSummary) => void;
  rollback: (v: VersionSummary) => void;
};

type Props = {
  versions: VersionSummary[];
  operatorId: string;
  approver: boolean;
  offline: string | null;
  actions: VersionActions;
};

/** Every version with its state, the steps open to this operator, its signers and its decisions. */
export function VersionsTable({ versions, ...rest }: Props) {
  return (
    <Table.ScrollContainer minWidth={860}>
      <Table withTableBorder verticalSpacing={4} aria-label="Policy versions" data-testid="policy-versions">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Version</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Actions</Table.Th>
            <Table.Th>Author</Table.Th>
            <Table.Th>Approver</Table.Th>
            <Table.Th>Signatures</Table.Th>
            <Table.Th>Decisions</Table.Th>
            <Table.Th>Created</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {versions.map((v) => (
            <VersionRow key={v.sha256} v={v} {...rest} />
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function VersionRow({ v, operatorId, approver, offline, actions }: Omit<Props, 'versions'> & { v: VersionSummary }) {
  return (
    <Table.Tr data-testid="policy-version-row" data-sha256={v.sha256}>
      <Table.Td>
        <ShortId value={v.sha256} label="the version (SHA-256)" keep={12} size="xs" />
      </Table.Td>
      <Table.Td>
        <Group gap={4}>
          <Badge styles={READABLE_BADGE} color={STATE_COLOR[v.state]} variant="light">
            {v.state}
          </Badge>
          {v.active && (
            <Badge styles={READABLE_BADGE} variant="outline">
              active
            </Badge>
          )}
        </Group>
      </Table.Td>
      <Table.Td>
        <VersionButtons
          v={v}
          mine={v.author.operatorId === operatorId}
          approver={approver}
          offline={offline}
          actions={actions}
        />
      </Table.Td>
      <Table.Td>{v.author.displayName}</Table.Td>
      <Table.Td>{v.approver?.displayName ?? '—'}</Table.Td>
      <Table.Td>
        <SignatureBadge v={v} />
      </Table.Td>
      <Table.Td>{v.decisions.toLocaleString('en-US')}</Table.Td>
      <Table.Td>
        <Text size="xs" style={{ whiteSpace: 'nowrap' }}>
          <When iso={v.createdAt} relative />
        </Text>
      </Table.Td>
    </Table.Tr>
  );
}

function VersionButtons({
  v,
  mine,
  approver,
  offline,
  actions,
}: {
  v: VersionSummary;
  mine: boolean;
  approver: boolean;
  offline: string | null;
  actions: VersionActions;
}) {
  return (
    <Group gap={4}>
      {v.state === 'submitted' && approver && (
        <Button
          size="xs"
          disabled={mine}
          title={mine ? 'You are the author: another operator must approve' : undefined}
          onClick={() => actions.approve(v)}
        >
          Approve…
        </Button>
      )}
      {v.state === 'submitted' && approver && !mine && (
        <Button size="xs" variant="default" disabled={offline !== null} onClick={() => actions.reject(v)}>
          Reject
        </Button>
      )}
      {v.state === 'approved' && (
        <Button size="xs" disabled={offline !== null} onClick={() => actions.publish(v)}>
          Publish…
        </Button>
      )}
      {v.state === 'superseded' && v.signaturesVerified && (
        <Button size="xs" variant="default" disabled={offline !== null} onClick={() => actions.rollback(v)}>
          Roll back to this…
        </Button>
      )}
    </Group>
  );
}

function SignatureBadge({ v }: { v: VersionSummary }) {
  const problems = v.signatures.filter((s) => !s.verified).map((s) => `${s.role}: ${s.problem ?? 'does not verify'}`);
  return (
    <Tooltip
      label={
        problems.join('; ') ||
        v.signatures.map((s) => `${s.role}: ${s.operator.displayName}, verified`).join('; ') ||
        'none'
      }
      multiline
      w={320}
    >
      <Badge
        styles={READABLE_BADGE}
        color={v.signaturesVerified ? 'green' : problems.length ? 'red' : 'blue'}
        variant="light"
        tabIndex={0}
      >
        {v.signaturesVerified
          ? 'verified'
          : problems.length
            ? `${problems.length} invalid`
            : `${v.signatures.length} of 2 verified`}
      </Badge>
    </Tooltip>
  );
}
