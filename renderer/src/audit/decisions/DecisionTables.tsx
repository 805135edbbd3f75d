import { Badge, Code, Group, Stack, Table, Text, Title } from '@mantine/core';
import { plural } from '../../app/format';
import { ShortId } from '../../app/Readable';
import type { ReverifyResult } from '../../../../shared/contract/domains/review';
import type { ReviewDecisionEntry } from '../../../../shared/review';

const n = (x: number) => x.toLocaleString('en-US');

function Outcome({ o }: { o: ReviewDecisionEntry['recorded'] }) {
  if (!o)
    return (
      <Text size="sm" c="dimmed">
        unreadable
      </Text>
    );
  return (
    <Stack gap={2}>
      <Badge color={o.decision === 'permit' ? 'teal' : 'red'} variant="light" w="fit-content">
        {o.decision}
      </Badge>
      <Text size="xs">{o.determiningPolicies.length ? o.determiningPolicies.join(', ') : 'no determining policy'}</Text>
      {o.errors.length > 0 && (
        <Text size="xs" c="orange">
          errors: {o.errors.join(', ')}
        </Text>
      )}
    </Stack>
  );
}

/** Decisions listed with what was recorded next to what the engine decides today. */
export function DecisionTable({ label, entries }: { label: string; entries: readonly ReviewDecisionEntry[] }) {
  return (
    <Table striped withTableBorder aria-label={label} verticalSpacing="xs">
      <Table.Thead>
        <Table.Tr>
          <Table.Th scope="col">Seq</Table.Th>
          <Table.Th scope="col">Event</Table.Th>
          <Table.Th scope="col">Recorded</Table.Th>
          <Table.Th scope="col">Recomputed</Table.Th>
          <Table.Th scope="col">What differs</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {entries.map((e) => (
          <Table.Tr key={e.seq}>
            <Table.Td>{n(e.seq)}</Table.Td>
            <Table.Td>
              <ShortId value={e.eventId} label="the event id" />
            </Table.Td>
            <Table.Td>
              <Outcome o={e.recorded} />
            </Table.Td>
            <Table.Td>
              {e.recomputed ? (
                <Outcome o={e.recomputed} />
              ) : (
                <Text size="sm" c="dimmed">
                  not evaluated
                </Text>
              )}
            </Table.Td>
            <Table.Td>
              {e.problem ? (
                <Text size="sm">
                  <Code>{e.problem.code}</Code> {e.problem.message}
                </Text>
              ) : e.differences.length ? (
                <Text size="sm">{e.differences.join(', ')}</Text>
              ) : (
                <Text size="sm" c="dimmed">
                  same outcome
                </Text>
              )}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

export function ReverifyResultView({ result }: { result: ReverifyResult }) {
  const clean = result.mismatched === 0 && result.unverifiable === 0;
  return (
    <Stack gap="md" data-testid="reverify-result">
      <Group gap="sm">
        <Badge size="lg" color={clean ? 'teal' : 'red'}>
          {clean
            ? 'All decisions match'
            : result.mismatched + result.unverifiable === 1
              ? '1 decision does not re-verify'
              : `${n(result.mismatched + result.unverifiable)} decisions do not re-verify`}
        </Badge>
        <Text size="sm">
          {n(result.total)} decisions in seq {n(result.fromSeq)}–{n(result.toSeq)}: {n(result.matched)} match,{' '}
          {n(result.mismatched)} mismatch, {n(result.unverifiable)} could not be evaluated, {n(result.withErrors)}{' '}
          carried evaluation errors. {n(result.decisionsPerSecond)} decisions/s on {plural(result.workers, 'worker')}.
        </Text>
      </Group>
      <Title order={4}>Mismatches</Title>
      {result.mismatches.length ? (
        <DecisionTable label="Mismatched decisions" entries={result.mismatches} />
      ) : (
        <Text size="sm">None: every recorded decision is what the recorded policy version decides.</Text>
      )}
      <Title order={4}>Decisions that carried evaluation errors</Title>
      {result.errored.length ? (
        <DecisionTable label="Decisions with evaluation errors" entries={result.errored} />
      ) : (
        <Text size="sm">None.</Text>
      )}
      {result.omitted > 0 && (
        <Text size="sm" c="orange">
          {n(result.omitted)} more entries were counted but not listed.
        </Text>
      )}
      <Title order={4}>Policy versions</Title>
      <Table withTableBorder aria-label="Policy versions involved">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Version (SHA-256)</Table.Th>
            <Table.Th scope="col">Decisions</Table.Th>
            <Table.Th scope="col">Approval signatures</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {result.policyVersions.map((v) => (
            <Table.Tr key={v.sha256}>
              <Table.Td>
                <ShortId value={v.sha256} label="the policy version (SHA-256)" keep={12} />
              </Table.Td>
              <Table.Td>{n(v.decisions)}</Table.Td>
              <Table.Td>
                <Badge
                  color={
                    v.signatures === 'verified'
                      ? 'teal'
                      : v.signatures === 'unsigned' || v.signatures === 'unchecked'
                        ? 'yellow'
                        : 'red'
                  }
                  variant="light"
                >
                  {v.signatures}
                </Badge>{' '}
                <Text span size="xs">
                  {v.detail}
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
