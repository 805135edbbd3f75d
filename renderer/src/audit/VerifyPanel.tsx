import { Alert, Button, Group, Loader, Stack, Text } from '@mantine/core';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { VerifyResult, VerifyStatus } from '../../../shared/contract/domains/audit-verify';
import { callArx, subscribeArx, type ArxError } from '../app/arx-client';
import { ErrorNotice } from '../app/ErrorNotice';
import { errorTitle, OfflineBanner } from '../cache/OfflineBanner';
import { useArxResult } from '../app/use-arx-result';
import { ExportVerifiedRange } from '../bundle/ExportBundle';
import { useTenant, useTenantLock } from '../tenant/tenant-context';
import { num } from './verify/format';
import { recordVerification } from './verify/last-verification';
import { ProgressView } from './verify/ProgressView';
import { RangePicker, toRange, type RangeDraft } from './verify/RangePicker';
import { ResultView } from './verify/ResultView';
import classes from './verify/verify.module.css';

type Run =
  | { state: 'idle' }
  | { state: 'running'; status: VerifyStatus; cancelling: boolean }
  | { state: 'done'; result: VerifyResult }
  | { state: 'cancelled'; status: VerifyStatus }
  | { state: 'error'; error: ArxError };

/**
 * Audit tab: verify a tenant's chain. The work runs in main (worker threads, streaming from the
 * database); this panel starts it, shows its progress (events per second, time left), can cancel
 * it, and shows the result: intact, or every problem with its code, seq and meaning.
 */
export function VerifyPanel() {
  const tenants = useArxResult((arx) => arx.audit.tenants({}));
  const { current, operatorId } = useTenant();
  const [draft, setDraft] = useState<RangeDraft>({ kind: 'all', fromSeq: 0, toSeq: '', fromTime: '', toTime: '' });
  const [run, setRun] = useState<Run>({ state: 'idle' });
  const jobRef = useRef<string | null>(null);

  const settle = useCallback(
    async (status: VerifyStatus) => {
      if (jobRef.current !== status.jobId) return;
      if (status.state === 'running') {
        setRun((r) => (r.state === 'running' ? { ...r, status } : r));
        return;
      }
      jobRef.current = null;
      if (status.state === 'cancelled') {
        setRun({ state: 'cancelled', status });
        return;
      }
      const res = await callArx((arx) => arx.audit.verifyResult({ jobId: status.jobId }));
      // Home shows the last run per tenant; a whole-chain run or a range, it is what was checked last.
      if (res.ok && operatorId) recordVerification(operatorId, res.value);
      setRun(res.ok ? { state: 'done', result: res.value } : { state: 'error', error: res.error });
    },
    [operatorId],
  );

  // Progress arrives as events; a poll covers a missed one and the end of the job.
  useEffect(() => {
    if (run.state !== 'running') return;
    const off = subscribeArx('audit.verifyProgress', (s) => void settle(s));
    const timer = setInterval(() => {
      const id = jobRef.current;
      if (!id) return;
      void callArx((arx) => arx.audit.verifyStatus({ jobId: id })).then((r) => {
        if (r.ok) void settle(r.value);
      });
    }, 400);
    return () => {
      off();
      clearInterval(timer);
    };
  }, [run.state, settle]);

  const range = toRange(draft);
  // Only tenants where the operator is ISSO or auditor are listed: the header's may not be one.
  const selected = tenants.state === 'ok' ? (tenants.value.find((t) => t.id === current?.tenantId) ?? null) : null;
  const tenantId = selected?.id ?? null;
  useTenantLock(run.state === 'running' ? 'A verification is running in this tenant; cancel it to switch.' : null);

  const start = async () => {
    if (!tenantId || !range.ok) return;
    const r = await callArx((arx) => arx.audit.verifyStart({ tenantId, range: range.range }));
    if (!r.ok) {
      setRun({ state: 'error', error: r.error });
      return;
    }
    jobRef.current = r.value.jobId;
    setRun({ state: 'running', status: r.value, cancelling: false });
  };

  const cancel = async () => {
    const id = jobRef.current;
    if (!id) return;
    setRun((r) => (r.state === 'running' ? { ...r, cancelling: true } : r));
    const r = await callArx((arx) => arx.audit.verifyCancel({ jobId: id }));
    if (r.ok) await settle(r.value);
    else setRun({ state: 'error', error: r.error });
  };

  if (tenants.state === 'loading') {
    return (
      <Group gap="xs">
        <Loader size="xs" aria-hidden="true" />
        <Text size="sm">Loading the tenants you may verify…</Text>
      </Group>
    );
  }
  if (tenants.state === 'error') return <ErrorNotice error={tenants.error} title="The tenants could not be listed" />;
  if (!selected) {
    return (
      <Alert color="gray">
        You hold no ISSO or auditor role in {current?.tenant ?? 'this tenant'}, so there is no chain here for you to
        verify.
        {tenants.value.length > 0 ? ` You may verify ${tenants.value.map((t) => t.slug).join(', ')}.` : ''}
      </Alert>
    );
  }

  const running = run.state === 'running';
  return (
    <Stack gap="lg">
      <Stack gap="sm" className={classes.form}>
        <Text size="sm" fw={650} data-testid="verify-tenant">
          {selected.name} ({selected.slug}) — {num(selected.events)} events
        </Text>
        {selected.firstTime && (
          <Text size="xs" c="dimmed">
            Events from {selected.firstTime} to {selected.lastTime}, seq 0 to {num(Math.max(0, selected.events - 1))}.
          </Text>
        )}
        <RangePicker
          value={draft}
          onChange={setDraft}
          maxSeq={selected ? Math.max(0, selected.events - 1) : null}
          disabled={running}
        />
        {!range.ok && (
          <Text size="sm" c="red" role="status">
            {range.problem}
          </Text>
        )}
        <Group>
          <Button onClick={() => void start()} disabled={!tenantId || !range.ok || running}>
            Verify chain
          </Button>
        </Group>
      </Stack>
      {run.state === 'running' && (
        <ProgressView status={run.status} onCancel={() => void cancel()} cancelling={run.cancelling} />
      )}
      {run.state === 'cancelled' && (
        <Alert color="gray" variant="light" title="Verification cancelled" role="status" data-testid="verify-cancelled">
          Stopped after {num(run.status.progress.rows)} events. A verification only reads, so nothing was changed or
          left half-written; no result was recorded.
        </Alert>
      )}
      {run.state === 'error' && (
        <ErrorNotice error={run.error} title={errorTitle(run.error, 'The verification could not run')} />
      )}
      {run.state === 'done' && <OfflineBanner cached={run.result.cached} what="the verification of this range" />}
      {run.state === 'done' && <ResultView result={run.result} />}
      {run.state === 'done' && <ExportVerifiedRange result={run.result} />}
    </Stack>
  );
}
