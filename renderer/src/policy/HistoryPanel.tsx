import { Alert, Badge, Button, Group, Loader, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { ArxError, Result } from '../app/arx-client';
import { callArx, subscribeArx } from '../app/arx-client';
import { ErrorNotice } from '../app/ErrorNotice';
import type { ResponseOf } from '../../../shared/contract';
import type { VersionSummary } from '../../../shared/contract/domains/policy-lifecycle';
import { SignDialog } from '../signing/SignDialog';
import { DiffView } from './DiffView';
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

interface Signing {
  title: string;
  purpose: string;
  details: [string, string][];
  sign: (pin: string) => Promise<Result<unknown>>;
}

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

  const done = (value?: unknown) => {
    setSigning(null);
    const isQueued = (value as { delivery?: string } | undefined)?.delivery === 'queued';
    setQueued(isQueued);
    if (isQueued) return; // nothing changed in the control plane yet: keep the history as shown
    setReload((n) => n + 1);
    onChanged();
  };
  const approver = tenant.roles.includes('approver');

  const act = async (title: string, call: () => Promise<Result<unknown>>) => {
    setError(null);
    const r = await call();
    if (r.ok) done();
    else setError({ title, error: r.error });
  };

  // The first row is the purpose main records with the signature (electron/main/policy/lifecycle.ts).
  const versionDetails = (v: VersionSummary, statement: string): [string, string][] => [
    ['Statement', statement],
    ['Tenant', tenant.tenant],
    ['Version SHA-256', v.sha256],
    ['Version BLAKE3', v.blake3],
    ['Author', `${v.author.displayName} (EDIPI ${v.author.edipi})`],
  ];

  if (history.state === 'loading') return <Loader size="xs" aria-label="Reading the history" />;
  if (history.state === 'error') return <ErrorNotice error={history.error} title="The history could not be read" />;
  const { versions, rollbacks } = history.value;
  const pendingRollbacks = rollbacks.filter((r) => r.state === 'requested');

  return (
    <Stack gap="lg">
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
                              onClick={() =>
                                setSigning({
                                  title: 'Sign and approve the policy version',
                                  purpose: `You approve this version of ${tenant.tenant}'s ${policyName} policy as the second person. Review the diff first.`,
                                  details: versionDetails(v, `Approval of policy version ${v.sha256} of ${policyName}`),
                                  sign: (pin) =>
                                    callArx((arx) =>
                                      arx.policy.approve({ tenantId: tenant.tenantId, sha256: v.sha256, pin }),
                                    ),
                                })
                              }
                            >
                              Approve…
                            </Button>
                          )}
                          {v.state === 'submitted' && approver && !mine && (
                            <Button
                              size="xs"
                              variant="default"
                              onClick={() =>
                                void act('Not rejected', () =>
                                  callArx((arx) => arx.policy.reject({ tenantId: tenant.tenantId, sha256: v.sha256 })),
                                )
                              }
                            >
                              Reject
                            </Button>
                          )}
                          {v.state === 'approved' && (
                            <Button
                              size="xs"
                              onClick={() =>
                                setSigning({
                                  title: 'Sign and publish the policy version',
                                  purpose: `You publish this version of ${tenant.tenant}'s ${policyName} policy: the gateway loads it only through this signed publication.`,
                                  details: versionDetails(v, `Publication of ${policyName} version ${v.sha256}`),
                                  sign: (pin) =>
                                    callArx((arx) =>
                                      arx.policy.publish({ tenantId: tenant.tenantId, sha256: v.sha256, pin }),
                                    ),
                                })
                              }
                            >
                              Publish…
                            </Button>
                          )}
                          {v.state === 'superseded' && v.signaturesVerified && (
                            <Button
                              size="xs"
                              variant="default"
                              onClick={() =>
                                setSigning({
                                  title: 'Sign a rollback request',
                                  purpose: `You request that ${tenant.tenant}'s ${policyName} policy go back to this earlier version. A different approver must approve the rollback.`,
                                  details: versionDetails(
                                    v,
                                    `Rollback of ${policyName} to version ${v.sha256} (request)`,
                                  ),
                                  sign: (pin) =>
                                    callArx((arx) =>
                                      arx.policy.rollback({ tenantId: tenant.tenantId, sha256: v.sha256, pin }),
                                    ),
                                })
                              }
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
                  disabled={r.requestedBy.operatorId === operatorId}
                  onClick={() =>
                    setSigning({
                      title: 'Sign and approve the rollback',
                      purpose: `You approve that ${tenant.tenant}'s ${policyName} policy goes back to an earlier version; it is published at once.`,
                      details: [
                        ['Statement', `Approval of the rollback to version ${r.toSha256}`],
                        ['Tenant', tenant.tenant],
                        ['Policy', policyName],
                        ['Rollback', r.rollbackId],
                        ['To version SHA-256', r.toSha256],
                        ['From version SHA-256', r.fromSha256 ?? 'none'],
                        ['Requested by', r.requestedBy.displayName],
                      ],
                      sign: (pin) =>
                        callArx((arx) =>
                          arx.policy.approveRollback({ tenantId: tenant.tenantId, rollbackId: r.rollbackId, pin }),
                        ),
                    })
                  }
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
          onSign={signing.sign}
          onSigned={done}
          onCancel={() => setSigning(null)}
        />
      )}
    </Stack>
  );
}
