import { callArx, type Result } from '../app/arx-client';
import type { ResponseOf } from '../../../shared/contract';
import type { VersionSummary } from '../../../shared/contract/domains/policy-lifecycle';
import type { EventType } from '../../../shared/events/types';
import type { Outcome } from './ActionOutcome';
import type { Ref } from './DiffView';
import type { WorkspaceTenant } from './DraftWorkspace';

type Rollback = ResponseOf<'policy.history'>['rollbacks'][number];

/** One signed lifecycle step: what the dialog shows, what it sends, and what it says afterwards. */
export interface Signing {
  title: string;
  purpose: string;
  details: [string, string][];
  sign: (pin: string) => Promise<Result<unknown>>;
  /** The effect and the diff shown before the PIN; the confirmation the signer ticks, if any. */
  review: { effect: string; from: Ref; fromLabel: string; to: Ref };
  confirmation?: string;
  outcome: Outcome;
}

const short = (sha: string) => sha.slice(0, 12);

type StepContext = ReturnType<typeof stepContext>;

/** What every step says: the tenant, version labels counted from 1, the diff base and the event to look for. */
function stepContext(tenant: WorkspaceTenant, policyName: string, versions: VersionSummary[]) {
  // Versions come newest first; people count them from 1.
  const label = (sha: string) => {
    const i = versions.findIndex((v) => v.sha256 === sha);
    return i < 0 ? `version ${short(sha)}` : `version ${versions.length - i} (${short(sha)})`;
  };
  const active = versions.find((v) => v.active);
  const fromActive = active
    ? { from: { sha256: active.sha256 }, fromLabel: `the active ${label(active.sha256)}` }
    : { from: { empty: true as const }, fromLabel: 'no active version' };
  const where = (type: EventType) => ({ tenantId: tenant.tenantId, type });
  const t = tenant.tenant;
  const details = (v: VersionSummary, statement: string): [string, string][] => [
    ['Statement', statement],
    ['Tenant', t],
    ['Version SHA-256', v.sha256],
    ['Version BLAKE3', v.blake3],
    ['Author', `${v.author.displayName} (EDIPI ${v.author.edipi})`],
  ];
  return { label, active, fromActive, where, t, tenantId: tenant.tenantId, policyName, details };
}

function approveStep(
  { label, fromActive, where, t, tenantId, policyName, details }: StepContext,
  v: VersionSummary,
): Signing {
  return {
    title: 'Sign and approve the policy version',
    purpose: `You approve ${label(v.sha256)} of ${t}'s ${policyName} policy as the second person. Review the changes below.`,
    details: details(v, `Approval of policy version ${v.sha256} of ${policyName}`),
    sign: (pin) => callArx((arx) => arx.policy.approve({ tenantId, sha256: v.sha256, pin })),
    review: {
      effect: `Nothing changes on the gateways yet: once approved, ${label(v.sha256)} can be published in tenant ${t}.`,
      ...fromActive,
      to: { sha256: v.sha256 },
    },
    outcome: {
      title: `Approved ${label(v.sha256)}`,
      text: `${label(v.sha256)} of ${t}'s ${policyName} policy is approved and can now be published from the Versions list below. The approval is in ${t}'s audit chain.`,
      event: where('com.arx.policy.approved'),
    },
  };
}

function publishStep(
  { label, active, fromActive, where, t, tenantId, policyName, details }: StepContext,
  v: VersionSummary,
): Signing {
  return {
    title: 'Sign and publish the policy version',
    purpose: `You publish ${label(v.sha256)} of ${t}'s ${policyName} policy: the gateway loads it only through this signed publication.`,
    details: details(v, `Publication of ${policyName} version ${v.sha256}`),
    sign: (pin) => callArx((arx) => arx.policy.publish({ tenantId, sha256: v.sha256, pin })),
    review: {
      effect: `Every gateway of tenant ${t} will enforce ${label(v.sha256)}${active ? ` instead of ${label(active.sha256)}` : ''}.`,
      ...fromActive,
      to: { sha256: v.sha256 },
    },
    confirmation: `I understand that every gateway of tenant ${t} will enforce ${label(v.sha256)}`,
    outcome: {
      title: `Published ${label(v.sha256)}`,
      text: `Every gateway of tenant ${t} now enforces ${label(v.sha256)}. It is marked active in the Versions list below; the publication is in ${t}'s audit chain.`,
      event: where('com.arx.policy.published'),
    },
  };
}

function rollbackStep(
  { label, fromActive, where, t, tenantId, policyName, details }: StepContext,
  v: VersionSummary,
): Signing {
  return {
    title: 'Sign a rollback request',
    purpose: `You request that ${t}'s ${policyName} policy go back to ${label(v.sha256)}. A different approver must approve the rollback.`,
    details: details(v, `Rollback of ${policyName} to version ${v.sha256} (request)`),
    sign: (pin) => callArx((arx) => arx.policy.rollback({ tenantId, sha256: v.sha256, pin })),
    review: {
      effect: `Once a different approver approves, every gateway of tenant ${t} will enforce ${label(v.sha256)} again.`,
      ...fromActive,
      to: { sha256: v.sha256 },
    },
    confirmation: `I request that tenant ${t} go back to ${label(v.sha256)}`,
    outcome: {
      title: 'Rollback requested',
      text: `The request to go back to ${label(v.sha256)} waits for a different approver under "Rollbacks awaiting approval" below; it is in ${t}'s audit chain.`,
      event: where('com.arx.policy.rollbackrequested'),
    },
  };
}

function approveRollbackStep({ label, fromActive, where, t, tenantId, policyName }: StepContext, r: Rollback): Signing {
  return {
    title: 'Sign and approve the rollback',
    purpose: `You approve that ${t}'s ${policyName} policy goes back to ${label(r.toSha256)}; it is published at once.`,
    details: [
      ['Statement', `Approval of the rollback to version ${r.toSha256}`],
      ['Tenant', t],
      ['Policy', policyName],
      ['Rollback', r.rollbackId],
      ['To version SHA-256', r.toSha256],
      ['From version SHA-256', r.fromSha256 ?? 'none'],
      ['Requested by', r.requestedBy.displayName],
    ],
    sign: (pin) => callArx((arx) => arx.policy.approveRollback({ tenantId, rollbackId: r.rollbackId, pin })),
    review: {
      effect: `Every gateway of tenant ${t} will enforce ${label(r.toSha256)} again, as soon as you sign.`,
      ...(r.fromSha256
        ? { from: { sha256: r.fromSha256 }, fromLabel: `the active ${label(r.fromSha256)}` }
        : fromActive),
      to: { sha256: r.toSha256 },
    },
    confirmation: `I understand that every gateway of tenant ${t} will enforce ${label(r.toSha256)} again`,
    outcome: {
      title: 'Rolled back',
      text: `Every gateway of tenant ${t} now enforces ${label(r.toSha256)} again. It is marked active in the Versions list below; the rollback is in ${t}'s audit chain.`,
      event: where('com.arx.policy.rolledback'),
    },
  };
}

/**
 * The two-person steps of the history list (approve, publish, rollback), each with the diff against
 * the active version, the tenant and the effect, and the confirmation that names where to see it.
 */
export function lifecycleSteps(tenant: WorkspaceTenant, policyName: string, versions: VersionSummary[]) {
  const ctx = stepContext(tenant, policyName, versions);
  const { label, where, t } = ctx;
  return {
    label,
    approve: (v: VersionSummary) => approveStep(ctx, v),
    publish: (v: VersionSummary) => publishStep(ctx, v),
    rollback: (v: VersionSummary) => rollbackStep(ctx, v),
    approveRollback: (r: Rollback) => approveRollbackStep(ctx, r),
    rejected: (v: VersionSummary): Outcome => ({
      title: `Rejected ${label(v.sha256)}`,
      text: `${label(v.sha256)} will not be published; the author can submit a new draft. The rejection is in ${t}'s audit chain.`,
      event: where('com.arx.policy.rejected'),
    }),
  };
}
