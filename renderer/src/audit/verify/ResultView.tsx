import type { ReactNode } from 'react';
import { ShortId, When } from '../../app/Readable';
import { Alert, Badge, Code, Stack, Table, Text, Title } from '@mantine/core';
import type { VerifyProblem, VerifyResult } from '../../../../shared/contract/domains/audit-verify';
import { bytes, num, short } from './format';
import classes from './verify.module.css';

function rangeText(r: VerifyResult): string {
  const seqs = r.lastSeq === null ? 'no events' : `seq ${num(r.range.fromSeq)} to ${num(r.lastSeq)}`;
  if (r.range.kind === 'all') return `All events (${seqs})`;
  if (r.range.kind === 'time') return `${r.range.fromTime} to ${r.range.toTime} (${seqs})`;
  return `Seq ${num(r.range.fromSeq)} to ${r.range.toSeq === null ? 'the end' : num(r.range.toSeq)} (${seqs})`;
}

function ProblemRow({ p }: { p: VerifyProblem }) {
  const seq =
    p.seq < 0 ? '—' : p.lastSeq !== null && p.lastSeq !== p.seq ? `${num(p.seq)}–${num(p.lastSeq)}` : num(p.seq);
  return (
    <Table.Tr data-problem-code={p.code} data-problem-seq={p.seq}>
      <Table.Td>
        <Badge color={p.severity === 'error' ? 'red' : 'yellow'} variant="light" radius="sm">
          {p.severity}
        </Badge>
      </Table.Td>
      <Table.Td>
        <Code>{p.code}</Code>
      </Table.Td>
      <Table.Td className={classes.num}>{seq}</Table.Td>
      <Table.Td>{p.meaning}</Table.Td>
      <Table.Td className={classes.hash} title={p.expected ?? undefined}>
        {short(p.expected)}
      </Table.Td>
      <Table.Td className={classes.hash} title={p.found ?? undefined}>
        {short(p.found)}
      </Table.Td>
    </Table.Tr>
  );
}

/** The summary table: what was checked, against what, and how long it took. */
function summaryRows(result: VerifyResult): [string, ReactNode][] {
  const cp = result.checkpoint;
  return [
    ['Tenant', `${result.tenant.name} (${result.tenant.slug})`],
    ['Range', rangeText(result)],
    ['Events verified', `${num(result.counts.events)} (${bytes(result.counts.bytes)})`],
    [
      'Checkpoints',
      `${num(result.counts.checkpointsVerified)} of ${num(result.counts.checkpointsTotal)} signatures verified`,
    ],
    [
      'Anchored on',
      cp ? (
        <>
          the signed checkpoint of {num(cp.treeSize)} events, issued <When iso={cp.issuedAt} /> by {cp.keyName}
        </>
      ) : (
        'no signed checkpoint in this range'
      ),
    ],
    ['Checkpoint root (SHA-256)', cp ? <ShortId value={cp.rootSha256} label="checkpoint root" keep={16} /> : '—'],
    [
      'Chain head (BLAKE3)',
      <>
        <ShortId value={result.head.hashBlake3} label="chain head" keep={16} /> after {num(result.head.size)} events
      </>,
    ],
    ['Policy versions', `${num(result.counts.policyVersionsChecked)} checked`],
    [
      'Searchable copies',
      result.documents === 'checked'
        ? 'compared with the stored bytes'
        : result.documents === 'skipped'
          ? 'not compared'
          : 'could not be compared',
    ],
    ['Duration', `${(result.durationMs / 1000).toFixed(1)} s`],
  ];
}

/** What the verification found: intact, or every problem with its code, seq, expected and found values. */
export function ResultView({ result }: { result: VerifyResult }) {
  const errors = result.problems.filter((p) => p.severity === 'error');
  const summary = summaryRows(result);
  return (
    <Stack gap="md">
      {result.verdict === 'intact' ? (
        <Alert color="green" variant="light" title="Intact" role="status" data-verdict="intact">
          Every event digest, chain link, sequence number, checkpoint signature and checkpoint root in this range holds.
        </Alert>
      ) : (
        <Alert
          color="red"
          variant="light"
          title={`Broken: ${num(errors.length + result.counts.omitted)} problem${errors.length + result.counts.omitted === 1 ? '' : 's'} found`}
          role="alert"
          data-verdict="broken"
        >
          The chain does not verify. Every problem is listed below with where it is and what it means; verification
          continued past each one.
        </Alert>
      )}
      {result.tail && <TailAlert tail={result.tail} />}
      <Table withTableBorder verticalSpacing={6} className={classes.summary} aria-label="Verification summary">
        <Table.Tbody>
          {summary.map(([k, v]) => (
            <Table.Tr key={k}>
              <Table.Th scope="row">{k}</Table.Th>
              <Table.Td>{v}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {result.problems.length > 0 && <ProblemsSection result={result} />}
    </Stack>
  );
}

/** Events chained after the newest checkpoint checked here: a warning, not a failure. */
function TailAlert({ tail }: { tail: NonNullable<VerifyResult['tail']> }) {
  return (
    <Alert color="yellow" variant="light" title="Not yet covered by a signed checkpoint" data-testid="verify-tail">
      {num(tail.count)} event{tail.count === 1 ? '' : 's'} from seq {num(tail.fromSeq)} on{' '}
      {tail.count === 1 ? 'is' : 'are'} chained but not covered by a signed checkpoint checked here:{' '}
      {tail.laterCheckpointSize === null
        ? "they become provable with the gateway's next checkpoint."
        : `the checkpoint of ${num(tail.laterCheckpointSize)} events covers them, but it lies beyond this range; verify a range up to seq ${num(tail.laterCheckpointSize - 1)} to check it.`}
    </Alert>
  );
}

/** Every problem found, with where it is and what it means. */
function ProblemsSection({ result }: { result: VerifyResult }) {
  return (
    <section aria-labelledby="verify-problems-heading">
      <Title order={3} id="verify-problems-heading" mb="xs">
        Problems ({num(result.problems.length)})
      </Title>
      <Table striped withTableBorder verticalSpacing={6} aria-labelledby="verify-problems-heading">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Severity</Table.Th>
            <Table.Th>Code</Table.Th>
            <Table.Th>Seq</Table.Th>
            <Table.Th>What it means</Table.Th>
            <Table.Th>Expected</Table.Th>
            <Table.Th>Found</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {result.problems.map((p, i) => (
            <ProblemRow key={`${p.code}-${p.seq}-${i}`} p={p} />
          ))}
        </Table.Tbody>
      </Table>
      {result.counts.omitted > 0 && (
        <Text size="sm" mt="xs">
          … and {num(result.counts.omitted)} more problems, counted but not listed.
        </Text>
      )}
    </section>
  );
}
