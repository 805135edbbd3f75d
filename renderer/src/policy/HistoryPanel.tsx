import { Alert, Badge, Button, Group, Loader, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { ArxError, Result } from '../app/arx-client';
import { callArx, subscribeArx } from '../app/arx-client';
import { ErrorNotice } from '../app/ErrorNotice';
import type { ResponseOf } from '../../../shared/contract';
import type { VersionSummary } from '../../../shared/contract/domains/policy-lifecycle';
import { useControlPlaneBlocker } from '../shell/ControlPlaneBanner';
import { SignDialog } from '../signing/SignDialog';
import { ActionOutcome, type Outcome } from './ActionOutcome';
import { ChangeReview } from './ChangeReview';
import { DiffView } from './DiffView';
import { lifecycleSteps, type Signing } from './lifecycle-steps';
import type { WorkspaceTenant } from './DraftWorkspace';
import { READABLE_BADGE } from './readable';

type History = ResponseOf<'policy.history'>;
type Rollback = History['rollbacks'][number];

const STATE_COLOR: Record<VersionSummary['state'], string> = {
  submitted: 'blue',
  approved: 'teal',
  published: 'green',
  superseded: 'gray',
  rejected: 'red',
};

const short = (sha: string) => sha.slice(0, 12);

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
  const [history, setHistory] = useState<
    { state: 'loading' } | { state: 'ok'; value: History } | { state: 'error'; error: ArxError }
  >({ state: 'loading' });
  const [reload, setReload] = useState(0);
  const [signing, setSigning] = useState<Signing | null>(null);
  const [error, setError] = useState<{ title: string; error: ArxError } | null>(null);
  // An approval signed while the control plane was unreachable: in the outbox (policy.approve delivery 'queued').
  const [queued, setQueued] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  // Publish, reject and rollbacks need the control plane; an approval is queued in the outbox.
  const offline = useControlPlaneBlocker();

  useEffect(() => {
    let live = true;
    void callArx((arx) => arx.policy.history({ tenantId: tenant.tenantId, policyName })).then((r) => {
      if (live) setHistory(r.ok ? { state: 'ok', value: r.value } : { state: 'error', error: r.error });
    });
    return () => {
      live = false;
    };
  }, [tenant.tenantId, policyName, reload]);

  useEffect(
    () =>
      subscribeArx('policy.changed', (p) => {
        if (p.tenantId === tenant.tenantId && p.policyName === policyName) setReload((n) => n + 1);
      }),
    [tenant.tenantId, policyName],
  );

  const done = (value: unknown, result: Outcome | null) => {
    setSigning(null);
    const isQueued = (value as { delivery?: string } | undefined)?.delivery === 'queued';
    setQueued(isQueued);
    setOutcome(isQueued ? null : result);
    if (isQueued) return; // nothing changed in the control plane yet: keep the history as shown
    setReload((n) => n + 1);
    onChanged();
  };
  const approver = tenant.roles.includes('approver');

  const act = async (title: string, call: () => Promise<Result<unknown>>, result: Outcome) => {
    setError(null);
    setOutcome(null);
    const r = await call();
    if (r.ok) done(r.value, result);
    else setError({ title, error: r.error });
  };

  if (history.state === 'loading') return <Loader size="xs" aria-label="Reading the history" />;
  if (history.state === 'error') return <ErrorNotice error={history.error} title="The history could not be read" />;
  const { versions, rollbacks } = history.value;
  const pendingRollbacks = rollbacks.filter((r) => r.state === 'requested');
  const steps = lifecycleSteps(tenant, policyName, versions);

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
                {versions.map((v) => {
                  const mine = v.author.operatorId === operatorId;
                  const problems = v.signatures
                    .filter((s) => !s.verified)
                    .map((s) => `${s.role}: ${s.problem ?? 'does not verify'}`);
                  return (
                    <Table.Tr key={v.sha256} data-testid="policy-version-row" data-sha256={v.sha256}>
                      <Table.Td>
                        <Text size="xs" ff="monospace" title={v.sha256}>
                          {short(v.sha256)}
                        </Text>
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
                        <Group gap={4}>
                          {v.state === 'submitted' && approver && (
                            <Button
                              size="xs"
                              disabled={mine}
                              title={mine ? 'You are the author: another operator must approve' : undefined}
                              onClick={() => setSigning(steps.approve(v))}
                            >
                              Approve…
                            </Button>
                          )}
                          {v.state === 'submitted' && approver && !mine && (
                            <Button
                              size="xs"
                              variant="default"
                              disabled={offline !== null}
                              onClick={() =>
                                void act(
                                  'Not rejected',
                                  () =>
                                    callArx((arx) =>
                                      arx.policy.reject({ tenantId: tenant.tenantId, sha256: v.sha256 }),
                                    ),
                                  steps.rejected(v),
                                )
                              }
                            >
                              Reject
                            </Button>
                          )}
                          {v.state === 'approved' && (
                            <Button size="xs" disabled={offline !== null} onClick={() => setSigning(steps.publish(v))}>
                              Publish…
                            </Button>
                          )}
                          {v.state === 'superseded' && v.signaturesVerified && (
                            <Button
                              size="xs"
                              variant="default"
                              disabled={offline !== null}
                              onClick={() => setSigning(steps.rollback(v))}
                            >
                              Roll back to this…
                            </Button>
                          )}
                        </Group>
                      </Table.Td>
                      <Table.Td>{v.author.displayName}</Table.Td>
                      <Table.Td>{v.approver?.displayName ?? '—'}</Table.Td>
                      <Table.Td>
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
                      </Table.Td>
                      <Table.Td>{v.decisions.toLocaleString()}</Table.Td>
                      <Table.Td>
                        <Text size="xs" style={{ whiteSpace: 'nowrap' }}>
                          {v.createdAt.slice(0, 16).replace('T', ' ')} UTC
                        </Text>
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </section>
      {pendingRollbacks.length > 0 && (
        <section aria-labelledby="policy-rollbacks-heading">
          <Title order={3} size="h4" id="policy-rollbacks-heading" mb="xs">
            Rollbacks awaiting approval
          </Title>
          {pendingRollbacks.map((r: Rollback) => (
            <Group key={r.rollbackId} gap="sm">
              <Text size="sm">
                Back to <code>{short(r.toSha256)}</code>, requested by {r.requestedBy.displayName} at{' '}
                {r.requestedAt.slice(0, 19).replace('T', ' ')} UTC
              </Text>
              {approver && (
                <Button
                  size="xs"
                  disabled={r.requestedBy.operatorId === operatorId || offline !== null}
                  onClick={() => setSigning(steps.approveRollback(r))}
                >
                  Approve rollback…
                </Button>
              )}
            </Group>
          ))}
        </section>
      )}
      {error && <ErrorNotice error={error.error} title={error.title} />}
      {queued && (
        <Alert role="status" color="yellow" variant="light" title="Approved, queued in the outbox">
          Signed. The control plane is unreachable: this approval is in the outbox and will be delivered when it is
          back.
        </Alert>
      )}
      <DiffView tenantId={tenant.tenantId} policyName={policyName} versions={versions} />
      {signing && (
        <SignDialog
          opened
          title={signing.title}
          purpose={signing.purpose}
          details={signing.details}
          review={<ChangeReview tenantId={tenant.tenantId} {...signing.review} />}
          confirmation={signing.confirmation}
          onSign={signing.sign}
          onSigned={(value) => done(value, signing.outcome)}
          onCancel={() => setSigning(null)}
        />
      )}
    </Stack>
  );
}
