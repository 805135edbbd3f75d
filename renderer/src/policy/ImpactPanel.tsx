import { Button, Group, NumberInput, Progress, Stack, Table, Text, Title } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import type { ArxError } from '../app/arx-client';
import { callArx, subscribeArx } from '../app/arx-client';
import { ErrorNotice } from '../app/ErrorNotice';
import { useScrollToResult } from '../app/scroll-to-result';
import type { ResponseOf } from '../../../shared/contract';
import { IMPACT_DEFAULT_DECISIONS } from '../../../shared/contract/domains/policy-lifecycle';

type Job = ResponseOf<'policy.impactStatus'>;
type Flips = Record<string, { permitToDeny: number; denyToPermit: number }>;

function FlipTable({ label, flips }: { label: string; flips: Flips }) {
  const rows = Object.entries(flips).filter(([, f]) => f.permitToDeny + f.denyToPermit > 0);
  if (rows.length === 0) return null;
  return (
    <Table withTableBorder verticalSpacing={2} aria-label={`Flips by ${label}`}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{label}</Table.Th>
          <Table.Th>permit → deny</Table.Th>
          <Table.Th>deny → permit</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.map(([k, f]) => (
          <Table.Tr key={k}>
            <Table.Td>{k}</Table.Td>
            <Table.Td>{f.permitToDeny}</Table.Td>
            <Table.Td>{f.denyToPermit}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** The running or finished replay job: started, cancelled, and followed by events and polling. */
function useImpactJob(tenantId: string, policyName: string) {
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<ArxError | null>(null);
  const jobId = useRef<string | null>(null);

  useEffect(
    () =>
      subscribeArx('policy.impactProgress', (p) => {
        if (p.jobId === jobId.current)
          setJob((j) =>
            j ? { ...j, processed: p.processed, total: p.total, state: p.state === 'done' ? j.state : p.state } : j,
          );
      }),
    [],
  );

  useEffect(() => {
    if (!job || job.state !== 'running') return;
    const t = setTimeout(() => {
      void callArx((arx) => arx.policy.impactStatus({ jobId: job.jobId })).then((r) => {
        if (r.ok && r.value.jobId === jobId.current) setJob(r.value);
        else if (!r.ok) setError(r.error);
      });
    }, 500);
    return () => clearTimeout(t);
  }, [job]);

  const start = async (last: number) => {
    setError(null);
    const r = await callArx((arx) =>
      arx.policy.impactStart({ tenantId, target: { draft: policyName }, window: { lastDecisions: last } }),
    );
    if (!r.ok) return setError(r.error);
    jobId.current = r.value.jobId;
    setJob({ jobId: r.value.jobId, state: 'running', processed: 0, total: 0, result: null, error: null });
  };
  const cancel = async () => {
    if (!job) return;
    const r = await callArx((arx) => arx.policy.impactCancel({ jobId: job.jobId }));
    if (r.ok) setJob(r.value);
  };
  return { job, error, start, cancel };
}

/**
 * Replays the tenant's recorded decisions against the draft in main's workers (policy.impactStart)
 * and shows progress (policy.impactProgress events, and impactStatus until the job ends).
 */
export function ImpactPanel({ tenantId, policyName }: { tenantId: string; policyName: string }) {
  const [last, setLast] = useState<number>(IMPACT_DEFAULT_DECISIONS);
  const { job, error, start, cancel } = useImpactJob(tenantId, policyName);
  const result = job?.result ?? null;
  const resultRef = useScrollToResult(result);
  return (
    <section aria-labelledby="policy-impact-heading">
      <Title order={3} size="h4" id="policy-impact-heading" mb="xs">
        Impact of the draft
      </Title>
      <Text size="sm" c="dimmed" mb="xs">
        Replays recorded decisions of this tenant against your draft and counts those that would change.
      </Text>
      <Group align="flex-end" gap="sm" mb="sm">
        <NumberInput
          label="Last decisions"
          min={1}
          max={5_000_000}
          step={10_000}
          value={last}
          onChange={(v) => setLast(Number(v) || IMPACT_DEFAULT_DECISIONS)}
          w={200}
          thousandSeparator=","
        />
        <Button onClick={() => void start(last)} loading={job?.state === 'running'}>
          Run impact analysis
        </Button>
        {job?.state === 'running' && (
          <Button variant="default" onClick={() => void cancel()}>
            Cancel
          </Button>
        )}
      </Group>
      {error && <ErrorNotice error={error} title="Impact analysis failed" />}
      {job && <JobProgress job={job} />}
      {result && (
        <div ref={resultRef} style={{ scrollMarginTop: 16 }}>
          <ImpactResult result={result} />
        </div>
      )}
    </section>
  );
}

function JobProgress({ job }: { job: Job }) {
  const pct = job.total > 0 ? Math.round((job.processed / job.total) * 100) : 0;
  return (
    <Stack gap="xs">
      <Progress
        value={job.state === 'running' ? pct : 100}
        animated={job.state === 'running'}
        aria-label="Impact analysis progress"
      />
      <Text size="sm" role="status" aria-live="polite" data-testid="impact-status">
        {job.state === 'running'
          ? `${job.processed.toLocaleString()} of ${job.total.toLocaleString()} decisions replayed`
          : job.state}
        {job.error ? `: ${job.error}` : ''}
      </Text>
    </Stack>
  );
}

type ImpactResultValue = NonNullable<Job['result']>;

function ImpactResult({ result }: { result: ImpactResultValue }) {
  return (
    <Stack gap="sm" mt="sm" data-testid="impact-result">
      <Text size="sm">
        {result.replayed.toLocaleString()} decisions replayed in {(result.elapsedMs / 1000).toFixed(1)} s on{' '}
        {result.workers} workers: <strong>{result.totals.permitToDeny}</strong> would flip permit → deny,{' '}
        <strong>{result.totals.denyToPermit}</strong> deny → permit
        {result.errors ? `; ${result.errors} could not be replayed` : ''}
        {result.flagged ? `; ${result.flagged} flagged with evaluation errors` : ''}.
      </Text>
      <Group align="flex-start" grow>
        <FlipTable label="Team" flips={result.byTeam} />
        <FlipTable label="Model" flips={result.byModel} />
        <FlipTable label="Provider" flips={result.byProvider} />
      </Group>
      {result.examples.length > 0 && <ExamplesTable examples={result.examples} />}
    </Stack>
  );
}

function ExamplesTable({ examples }: { examples: ImpactResultValue['examples'] }) {
  return (
    <Table withTableBorder verticalSpacing={2} aria-label="Examples of changed decisions">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Event</Table.Th>
          <Table.Th>User</Table.Th>
          <Table.Th>Model</Table.Th>
          <Table.Th>Recorded</Table.Th>
          <Table.Th>With the draft</Table.Th>
          <Table.Th>Determined by</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {examples.map((e) => (
          <Table.Tr key={e.eventId}>
            <Table.Td>
              <Text size="xs" ff="monospace">
                {e.eventId}
              </Text>
            </Table.Td>
            <Table.Td>{e.user}</Table.Td>
            <Table.Td>{e.model}</Table.Td>
            <Table.Td>{e.recorded}</Table.Td>
            <Table.Td>{e.now}</Table.Td>
            <Table.Td>
              <Text size="xs">{e.determiningPolicies.join(', ')}</Text>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
