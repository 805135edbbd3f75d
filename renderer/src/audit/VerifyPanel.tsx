import { Alert, Button, Group, Loader, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import type { z } from 'zod';
import type { VerifyRange, VerifyTenantSchema } from '../../../shared/contract/domains/audit-verify';
import { ErrorNotice } from '../app/ErrorNotice';
import { When } from '../app/Readable';
import { errorTitle, OfflineBanner } from '../cache/OfflineBanner';
import { useArxResult } from '../app/use-arx-result';
import { ExportVerifiedRange } from '../bundle/ExportBundle';
import { useTenant, useTenantLock } from '../tenant/tenant-context';
import { num } from './verify/format';
import { ProgressView } from './verify/ProgressView';
import { RangePicker, toRange, type RangeDraft } from './verify/RangePicker';
import { ResultView } from './verify/ResultView';
import { useScrollToResult } from '../app/scroll-to-result';
import { useVerifyRun, type VerifyRun } from './verify/use-verify-run';
import classes from './verify/verify.module.css';

/**
 * Audit tab: verify a tenant's chain. The work runs in main (worker threads, streaming from the
 * database); this panel starts it, shows its progress (events per second, time left), can cancel
 * it, and shows the result: intact, or every problem with its code, seq and meaning.
 */
export function VerifyPanel() {
  const tenants = useArxResult((arx) => arx.audit.tenants({}));
  const { current, operatorId } = useTenant();
  const { run, start, cancel } = useVerifyRun(operatorId);
  // Only tenants where the operator is ISSO or auditor are listed: the header's may not be one.
  const selected = tenants.state === 'ok' ? (tenants.value.find((t) => t.id === current?.tenantId) ?? null) : null;
  useTenantLock(run.state === 'running' ? 'A verification is running in this tenant; cancel it to switch.' : null);

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
  return (
    <Stack gap="lg">
      <VerifyForm
        tenant={selected}
        running={run.state === 'running'}
        onStart={(range) => void start(selected.id, range)}
      />
      <RunOutcome run={run} onCancel={() => void cancel()} />
    </Stack>
  );
}

type VerifyTenant = z.infer<typeof VerifyTenantSchema>;

/** The tenant's extent, the range to verify and the start button. */
function VerifyForm(props: { tenant: VerifyTenant; running: boolean; onStart: (range: VerifyRange) => void }) {
  const { tenant: selected, running } = props;
  const [draft, setDraft] = useState<RangeDraft>({ kind: 'all', fromSeq: 0, toSeq: '', fromTime: '', toTime: '' });
  const range = toRange(draft);
  return (
    <Stack gap="sm" className={classes.form}>
      <Text size="sm" fw={650} data-testid="verify-tenant">
        {selected.name} ({selected.slug}) — {num(selected.events)} events
      </Text>
      {selected.firstTime && (
        <Text size="xs" c="dimmed">
          Events from <When iso={selected.firstTime} /> to {selected.lastTime ? <When iso={selected.lastTime} /> : '—'},
          seq 0 to {num(Math.max(0, selected.events - 1))}.
        </Text>
      )}
      <RangePicker value={draft} onChange={setDraft} maxSeq={Math.max(0, selected.events - 1)} disabled={running} />
      {!range.ok && (
        <Text size="sm" c="red" role="status">
          {range.problem}
        </Text>
      )}
      <Group>
        <Button onClick={() => range.ok && props.onStart(range.range)} disabled={!range.ok || running}>
          Verify chain
        </Button>
      </Group>
    </Stack>
  );
}

/** Progress while running, then the result (or why there is none). */
function RunOutcome({ run, onCancel }: { run: VerifyRun; onCancel: () => void }) {
  const resultRef = useScrollToResult(run.state === 'done' ? run.result : null);
  return (
    <>
      {run.state === 'running' && <ProgressView status={run.status} onCancel={onCancel} cancelling={run.cancelling} />}
      {run.state === 'cancelled' && (
        <Alert color="gray" variant="light" title="Verification cancelled" role="status" data-testid="verify-cancelled">
          Stopped after {num(run.status.progress.rows)} events. A verification only reads, so nothing was changed or
          left half-written; no result was recorded.
        </Alert>
      )}
      {run.state === 'error' && (
        <ErrorNotice error={run.error} title={errorTitle(run.error, 'The verification could not run')} />
      )}
      {run.state === 'done' && (
        <Stack gap="md" ref={resultRef} style={{ scrollMarginTop: 16 }}>
          <OfflineBanner cached={run.result.cached} what="the verification of this range" />
          <ResultView result={run.result} />
          <ExportVerifiedRange result={run.result} />
        </Stack>
      )}
    </>
  );
}
