import { Alert, Button, Group, NumberInput, Progress, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import type { ReverifyStatus } from '../../../shared/contract/domains/review';
import { ErrorNotice } from '../app/ErrorNotice';
import { useArxResult } from '../app/use-arx-result';
import { ReverifyResultView } from './decisions/DecisionTables';
import { useScrollToResult } from '../app/scroll-to-result';
import { useReverifyRun } from './decisions/use-reverify-run';
import { useTenant, useTenantLock } from '../tenant/tenant-context';

const n = (x: number) => Math.round(x).toLocaleString('en-US');

/**
 * Audit tab: re-verify recorded decisions. Main loads each recorded policy version by digest
 * (checking its text and approval signatures), evaluates every decision again with the gateway's
 * engine in worker threads, and reports each mismatch with the recorded and recomputed outcome.
 */
export function DecisionsPanel() {
  const tenants = useArxResult((arx) => arx.audit.tenants({}));
  const current = useTenant().current;
  const selected = tenants.state === 'ok' ? (tenants.value.find((t) => t.id === current?.tenantId) ?? null) : null;
  const tenantId = selected?.id ?? null;
  const [fromSeq, setFrom] = useState<number | string>('');
  const [toSeq, setTo] = useState<number | string>('');
  const { run, start, cancel } = useReverifyRun();
  const resultRef = useScrollToResult(run.state === 'done' ? run.result : null);

  const running = run.state === 'running';
  useTenantLock(running ? 'A re-verification is running in this tenant; cancel it to switch.' : null);
  if (tenants.state === 'error') return <ErrorNotice error={tenants.error} title="No tenants to re-verify" />;
  if (tenants.state === 'ok' && !selected)
    return (
      <Alert color="gray">
        You hold no ISSO or auditor role in {current?.tenant ?? 'this tenant'}, so there are no decisions here for you
        to re-verify.
      </Alert>
    );
  const seqOrNull = (v: number | string) => (typeof v === 'number' ? v : null);
  return (
    <Stack gap="md">
      <Text size="sm">
        Every recorded decision is evaluated again with the policy version it names (loaded by digest, its text and
        approval signatures checked) and the same engine; the decision and the determining policies are compared as
        sets. Nothing is written.
      </Text>
      <Group align="flex-end" gap="sm">
        <SeqInput label="From seq" placeholder="0" value={fromSeq} onChange={setFrom} disabled={running} />
        <SeqInput label="To seq" placeholder="end of chain" value={toSeq} onChange={setTo} disabled={running} />
        <Button
          onClick={() => tenantId && void start(tenantId, seqOrNull(fromSeq), seqOrNull(toSeq))}
          disabled={!tenantId || running}
        >
          Re-verify decisions
        </Button>
        {running && (
          <Button variant="default" onClick={() => void cancel()}>
            Cancel
          </Button>
        )}
      </Group>
      {run.state === 'running' && <ReverifyProgress status={run.status} />}
      {run.state === 'cancelled' && <Text size="sm">Cancelled. Nothing was written.</Text>}
      {run.state === 'error' && <ErrorNotice error={run.error} title="Re-verification failed" />}
      {run.state === 'done' && (
        <div ref={resultRef} style={{ scrollMarginTop: 16 }}>
          <ReverifyResultView result={run.result} />
        </div>
      )}
    </Stack>
  );
}

function SeqInput(props: {
  label: string;
  placeholder: string;
  value: number | string;
  onChange: (v: number | string) => void;
  disabled: boolean;
}) {
  return <NumberInput {...props} min={0} w={140} allowDecimal={false} />;
}

function ReverifyProgress({ status }: { status: ReverifyStatus }) {
  return (
    <Stack gap={4} aria-live="polite">
      <Progress
        value={status.total ? (100 * status.processed) / status.total : 0}
        aria-label="Re-verification progress"
        animated
      />
      <Text size="sm">
        {n(status.processed)} of {n(status.total)} decisions · {n(status.decisionsPerSecond)} decisions/s
        {status.secondsLeft !== null ? ` · about ${Math.ceil(status.secondsLeft)} s left` : ''}
      </Text>
    </Stack>
  );
}
