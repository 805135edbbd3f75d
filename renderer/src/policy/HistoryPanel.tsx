import { Alert, Button, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import type { ArxError, Result } from '../app/arx-client';
import { callArx } from '../app/arx-client';
import { ErrorNotice } from '../app/ErrorNotice';
import { useControlPlaneBlocker } from '../shell/ControlPlaneBanner';
import { SignDialog } from '../signing/SignDialog';
import { ActionOutcome, type Outcome } from './ActionOutcome';
import { ChangeReview } from './ChangeReview';
import { DiffView } from './DiffView';
import { lifecycleSteps, type Signing } from './lifecycle-steps';
import type { WorkspaceTenant } from './DraftWorkspace';
import { usePolicyHistory, type PolicyHistory } from './use-policy-history';
import { ShortId, When } from '../app/Readable';
import { VersionsTable } from './VersionsTable';

type Rollback = PolicyHistory['rollbacks'][number];

/**
 * Every version of the policy with its state, author, approver, whether the signatures verify,
 * and the decisions it produced; the two-person steps (approve, publish,
 * rollback) for the operator's roles; and the diff between any two versions or the draft.
 */
export function HistoryPanel({
  operatorId,
  tenant,
  policyName,
  onChanged,
}: {
  operatorId: string;
  tenant: WorkspaceTenant;
  policyName: string;
  onChanged: () => void;
}) {
  const { history, reload } = usePolicyHistory(tenant.tenantId, policyName);
  const { signing, setSigning, error, queued, outcome, setOutcome, done, act } = useHistoryActions(reload, onChanged);
  // Publish, reject and rollbacks need the control plane; an approval is queued in the outbox.
  const offline = useControlPlaneBlocker();
  const approver = tenant.roles.includes('approver');

  if (history.state === 'loading') return <Loader size="xs" aria-label="Reading the history" />;
  if (history.state === 'error') return <ErrorNotice error={history.error} title="The history could not be read" />;
  const { versions, rollbacks } = history.value;
  const steps = lifecycleSteps(tenant, policyName, versions);
  const actions = {
    approve: (v: (typeof versions)[number]) => setSigning(steps.approve(v)),
    reject: (v: (typeof versions)[number]) =>
      void act(
        'Not rejected',
        () => callArx((arx) => arx.policy.reject({ tenantId: tenant.tenantId, sha256: v.sha256 })),
        steps.rejected(v),
      ),
    publish: (v: (typeof versions)[number]) => setSigning(steps.publish(v)),
    rollback: (v: (typeof versions)[number]) => setSigning(steps.rollback(v)),
  };

  return (
    <Stack gap="lg">
      {outcome && <ActionOutcome outcome={outcome} onClose={() => setOutcome(null)} />}
      {offline && (
        <Text size="sm" c="dimmed" data-testid="needs-control-plane">
          Publishing, rejecting and rollbacks are disabled: {offline}. An approval signed now is queued and delivered
          when it is back.
        </Text>
      )}
      <section aria-labelledby="policy-history-heading">
        <Title order={3} size="h4" id="policy-history-heading" mb="xs">
          Versions
        </Title>
        {versions.length === 0 ? (
          <Text size="sm" c="dimmed">
            No version of this policy has been submitted yet.
          </Text>
        ) : (
          <VersionsTable
            versions={versions}
            operatorId={operatorId}
            approver={approver}
            offline={offline}
            actions={actions}
          />
        )}
      </section>
      <PendingRollbacks
        rollbacks={rollbacks.filter((r) => r.state === 'requested')}
        operatorId={operatorId}
        approver={approver}
        offline={offline}
        onApprove={(r) => setSigning(steps.approveRollback(r))}
      />
      {error && <ErrorNotice error={error.error} title={error.title} />}
      {queued && <QueuedApproval />}
      <DiffView tenantId={tenant.tenantId} policyName={policyName} versions={versions} />
      {signing && (
        <StepDialog
          tenantId={tenant.tenantId}
          signing={signing}
          onSigned={(value) => done(value, signing.outcome)}
          onCancel={() => setSigning(null)}
        />
      )}
    </Stack>
  );
}

/** One two-person step on the card: what changes is shown before the PIN. */
function StepDialog({
  tenantId,
  signing,
  onSigned,
  onCancel,
}: {
  tenantId: string;
  signing: Signing;
  onSigned: (value: unknown) => void;
  onCancel: () => void;
}) {
  return (
    <SignDialog
      opened
      title={signing.title}
      purpose={signing.purpose}
      details={signing.details}
      review={<ChangeReview tenantId={tenantId} {...signing.review} />}
      confirmation={signing.confirmation}
      onSign={signing.sign}
      onSigned={onSigned}
      onCancel={onCancel}
    />
  );
}

function QueuedApproval() {
  return (
    <Alert role="status" color="yellow" variant="light" title="Approved, queued in the outbox">
      Signed. The control plane is unreachable: this approval is in the outbox and will be delivered when it is back.
    </Alert>
  );
}

/** The open signing step, and what the last step left: an error, a queued approval or an outcome. */
function useHistoryActions(reload: () => void, onChanged: () => void) {
  const [signing, setSigning] = useState<Signing | null>(null);
  const [error, setError] = useState<{ title: string; error: ArxError } | null>(null);
  // An approval signed while the control plane was unreachable: in the outbox (policy.approve delivery 'queued').
  const [queued, setQueued] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);

  const done = (value: unknown, result: Outcome | null) => {
    setSigning(null);
    const isQueued = (value as { delivery?: string } | undefined)?.delivery === 'queued';
    setQueued(isQueued);
    setOutcome(isQueued ? null : result);
    if (isQueued) return; // nothing changed in the control plane yet: keep the history as shown
    reload();
    onChanged();
  };
  const act = async (title: string, call: () => Promise<Result<unknown>>, result: Outcome) => {
    setError(null);
    setOutcome(null);
    const r = await call();
    if (r.ok) done(r.value, result);
    else setError({ title, error: r.error });
  };
  return { signing, setSigning, error, queued, outcome, setOutcome, done, act };
}

function PendingRollbacks({
  rollbacks,
  operatorId,
  approver,
  offline,
  onApprove,
}: {
  rollbacks: Rollback[];
  operatorId: string;
  approver: boolean;
  offline: string | null;
  onApprove: (r: Rollback) => void;
}) {
  if (rollbacks.length === 0) return null;
  return (
    <section aria-labelledby="policy-rollbacks-heading">
      <Title order={3} size="h4" id="policy-rollbacks-heading" mb="xs">
        Rollbacks awaiting approval
      </Title>
      {rollbacks.map((r) => (
        <Group key={r.rollbackId} gap="sm">
          <Text size="sm">
            Back to <ShortId value={r.toSha256} label="the version (SHA-256)" keep={12} />, requested by{' '}
            {r.requestedBy.displayName} <When iso={r.requestedAt} relative />
          </Text>
          {approver && (
            <Button
              size="xs"
              disabled={r.requestedBy.operatorId === operatorId || offline !== null}
              onClick={() => onApprove(r)}
            >
              Approve rollback…
            </Button>
          )}
        </Group>
      ))}
    </section>
  );
}
