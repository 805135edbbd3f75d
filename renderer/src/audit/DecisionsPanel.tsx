import { Alert, Button, Group, NumberInput, Progress, Stack, Text } from '@mantine/core';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ReverifyResult, ReverifyStatus } from '../../../shared/contract/domains/review';
import { callArx, subscribeArx, type ArxError } from '../app/arx-client';
import { ErrorNotice } from '../app/ErrorNotice';
import { useArxResult } from '../app/use-arx-result';
import { ReverifyResultView } from './decisions/DecisionTables';
import { useTenant, useTenantLock } from '../tenant/tenant-context';

type Run =
  | { state: 'idle' }
  | { state: 'running'; status: ReverifyStatus }
  | { state: 'done'; result: ReverifyResult }
  | { state: 'cancelled' }
  | { state: 'error'; error: ArxError };

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
  const [run, setRun] = useState<Run>({ state: 'idle' });
  const jobRef = useRef<string | null>(null);

  const settle = useCallback(async (s: ReverifyStatus) => {
    if (jobRef.current !== s.jobId) return;
    if (s.state === 'running') {
      setRun({ state: 'running', status: s });
      return;
    }
    jobRef.current = null;
    if (s.state === 'cancelled') return setRun({ state: 'cancelled' });
    const r = await callArx((arx) => arx.decisions.reverifyResult({ jobId: s.jobId }));
    setRun(r.ok ? { state: 'done', result: r.value } : { state: 'error', error: r.error });
  }, []);

  useEffect(() => {
    if (run.state !== 'running') return;
    const off = subscribeArx('decisions.reverifyProgress', (s) => void settle(s));
    const timer = setInterval(() => {
      const id = jobRef.current;
      if (id)
        void callArx((arx) => arx.decisions.reverifyStatus({ jobId: id })).then((r) => r.ok && void settle(r.value));
    }, 400);
    return () => {
      off();
      clearInterval(timer);
    };
  }, [run.state, settle]);

  const start = async () => {
    if (!tenantId) return;
    const r = await callArx((arx) =>
      arx.decisions.reverifyStart({
        tenantId,
        fromSeq: typeof fromSeq === 'number' ? fromSeq : null,
        toSeq: typeof toSeq === 'number' ? toSeq : null,
      }),
    );
    if (!r.ok) return setRun({ state: 'error', error: r.error });
    jobRef.current = r.value.jobId;
    setRun({ state: 'running', status: r.value });
  };
  const cancel = async () => {
    const id = jobRef.current;
    if (!id) return;
    const r = await callArx((arx) => arx.decisions.reverifyCancel({ jobId: id }));
    jobRef.current = null;
    setRun(r.ok ? { state: 'cancelled' } : { state: 'error', error: r.error });
  };

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
  return (
    <Stack gap="md">
      <Text size="sm">
        Every recorded decision is evaluated again with the policy version it names (loaded by digest, its text and
        approval signatures checked) and the same engine; the decision and the determining policies are compared as
        sets. Nothing is written.
      </Text>
      <Group align="flex-end" gap="sm">
        <NumberInput
          label="From seq"
          placeholder="0"
          min={0}
          value={fromSeq}
          onChange={setFrom}
          disabled={running}
          w={140}
          allowDecimal={false}
        />
        <NumberInput
          label="To seq"
          placeholder="end of chain"
          min={0}
          value={toSeq}
          onChange={setTo}
          disabled={running}
          w={140}
          allowDecimal={false}
        />
        <Button onClick={() => void start()} disabled={!tenantId || running}>
          Re-verify decisions
        </Button>
        {running && (
          <Button variant="default" onClick={() => void cancel()}>
            Cancel
          </Button>
        )}
      </Group>
      {run.state === 'running' && (
        <Stack gap={4} aria-live="polite">
          <Progress
            value={run.status.total ? (100 * run.status.processed) / run.status.total : 0}
            aria-label="Re-verification progress"
            animated
          />
          <Text size="sm">
            {n(run.status.processed)} of {n(run.status.total)} decisions · {n(run.status.decisionsPerSecond)}{' '}
            decisions/s
            {run.status.secondsLeft !== null ? ` · about ${Math.ceil(run.status.secondsLeft)} s left` : ''}
          </Text>
        </Stack>
      )}
      {run.state === 'cancelled' && <Text size="sm">Cancelled. Nothing was written.</Text>}
      {run.state === 'error' && <ErrorNotice error={run.error} title="Re-verification failed" />}
      {run.state === 'done' && <ReverifyResultView result={run.result} />}
    </Stack>
  );
}
