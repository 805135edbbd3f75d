import type pg from 'pg';
import { ArxFailure, type OperatorSession } from '../../../shared/contract';
import { POLICY_SIGNATURE_PAYLOAD_TYPE, statementBytes, type PolicySignatureStatement } from '../../../shared/policy';
import type { Delivery } from '../cache/outbox';
import { readVersionState, versionBySha } from '../controlplane/repos/policy-versions';
import { approveVersion } from '../controlplane/repos/policy-steps';
import { withTenant } from '../controlplane/tenant-session';
import { reasonsOf } from './gateway-policy';
import {
  checkVersion,
  requireState,
  type ApprovalResult,
  type LifecycleContext,
  type QueuedApproval,
  type SignedStatement,
} from './lifecycle-context';
import { summary } from './lifecycle-read';
import { signedBy } from './lifecycle-steps';

/**
 * Approving a submitted version (a different operator with the approver role signs), online or,
 * with the control plane unreachable, queued in the cache's outbox and delivered later.
 */

type Approvable = {
  sha256: string;
  blake3: string;
  policyId: string;
  policyName: string;
  state: string;
  authorId: string;
};

export async function approve(
  ctx: LifecycleContext,
  req: { tenantId: string; sha256: string; pin: string },
): Promise<ApprovalResult> {
  const op = ctx.operator();
  const { version, online } = await approvable(ctx, req.tenantId, req.sha256);
  requireState(version, req.sha256, 'submitted', 'approved');
  if (version.authorId === op.operatorId) {
    throw new ArxFailure(
      'POLICY_SELF_APPROVAL',
      'You are the author of this version: a different operator with the approver role must approve it.',
    );
  }
  const statement: PolicySignatureStatement = {
    _type: 'arx.policy-signature/v1',
    role: 'approver',
    tenantId: req.tenantId,
    policyId: version.policyId,
    version: { sha256: version.sha256, blake3: version.blake3 },
  };
  const signed = await ctx.signStatement(
    POLICY_SIGNATURE_PAYLOAD_TYPE,
    statementBytes(statement),
    `Approval of policy version ${version.sha256} of ${version.policyName}`,
    req.pin,
    op,
  );
  if (signed.operator.operatorId === version.authorId)
    throw new ArxFailure('POLICY_SELF_APPROVAL', 'The card that signed belongs to the author of this version.');
  const writes = ctx.deps.offline?.writes;
  const store = () => storeApproval(ctx, req.tenantId, version, signed, op);
  const queue = () => queueApproval(ctx, req.tenantId, version, signed, op);
  const mayQueue = () => ctx.shown(req.tenantId, req.sha256) !== null;
  const queued = writes ? await writes.storeOrQueue(online, store, queue, mayQueue) : (await store(), null);
  if (queued) return queued.queued;
  ctx.changed(req.tenantId, version.policyName, version.sha256, 'approved');
  return { ...(await summary(ctx, req.tenantId, req.sha256)), delivery: 'stored' };
}

/** The approval's signature, the version's new state and com.arx.policy.approved: one transaction in the tenant. */
async function storeApproval(
  ctx: LifecycleContext,
  tenantId: string,
  v: Approvable,
  signed: SignedStatement,
  by: OperatorSession,
): Promise<void> {
  await ctx.step(tenantId, async (client) => {
    if ((await readVersionState(client, tenantId, v.sha256)) !== 'submitted')
      throw new ArxFailure('POLICY_STATE_INVALID', `Version ${v.sha256} is no longer submitted.`);
    const data = { policyId: v.policyId, versionSha256: v.sha256, approver: by.operatorId };
    const event = await ctx.eventRows(client, tenantId, 'com.arx.policy.approved', data, by.edipi);
    await writeApproval(client, tenantId, v.sha256, signedBy(signed), event);
  });
}

/** The version to approve: from the database, or (unreachable, cache open) as last shown to this console. */
async function approvable(
  ctx: LifecycleContext,
  tenantId: string,
  sha256: string,
): Promise<{ version: Approvable; online: boolean }> {
  const offline = ctx.deps.offline;
  let online = offline ? offline.writes.connected() : true;
  let version: Approvable | null = null;
  if (online) {
    try {
      version = await withTenant(ctx.pool(), tenantId, (c) => versionBySha(c, tenantId, sha256));
    } catch (err) {
      if (!offline || !offline.writes.unreachable(err)) throw err;
      online = false;
    }
  }
  if (!online) {
    // The cache first: it holds both the outbox and the versions shown before a restart.
    offline!.writes.requireQueueable();
    const known = ctx.shown(tenantId, sha256);
    if (!known) {
      throw new ArxFailure(
        'DB_UNREACHABLE',
        'The control plane is unreachable and this version was not loaded while it was connected: it cannot be approved offline.',
        { sha256 },
      );
    }
    version = { ...known, authorId: known.author.operatorId };
  }
  if (!version) throw new ArxFailure('POLICY_VERSION_UNKNOWN', `No version ${sha256} in this tenant.`);
  return { version, online };
}

function queueApproval(
  ctx: LifecycleContext,
  tenantId: string,
  v: Approvable,
  signed: SignedStatement,
  op: OperatorSession,
): ApprovalResult {
  const payload: QueuedApproval = {
    v: 1,
    tenantId,
    policyId: v.policyId,
    policyName: v.policyName,
    sha256: v.sha256,
    blake3: v.blake3,
    envelope: signed.envelope,
    certificateSha256: signed.certificateSha256,
    operatorId: op.operatorId,
    edipi: op.edipi,
  };
  ctx.deps.offline!.enqueue(
    payload,
    `Approval of ${v.policyName} version ${v.sha256.slice(0, 16)}…, signed by ${op.displayName}`,
  );
  const shown = ctx.shown(tenantId, v.sha256);
  if (!shown) throw new ArxFailure('INTERNAL', 'The queued approval has no version summary to show.');
  return { ...shown, delivery: 'queued' };
}

/** The approver's signature row and the version's new state, refused unless the two-person check passes. */
async function writeApproval(
  c: pg.ClientBase,
  tenantId: string,
  sha256: string,
  signed: { operatorId: string; certificateSha256: string; envelope: unknown },
  event: unknown[],
): Promise<void> {
  const check = await checkVersion(c, tenantId, sha256, [{ role: 'approver', ...signed }]);
  if (!check.ok) {
    const self = check.findings.some((f) => f.problem === 'SELF_APPROVAL');
    throw new ArxFailure(
      self ? 'POLICY_SELF_APPROVAL' : 'POLICY_SIGNATURE_INVALID',
      `The approval does not verify: ${reasonsOf(check).join('; ')}`,
      { findings: check.findings },
    );
  }
  await approveVersion(c, tenantId, sha256, signed, event);
}

/**
 * The delivery of kind `policy.approval` (an approval signed offline): the same signature row,
 * state change and com.arx.policy.approved event as an online approval, in the outbox's
 * exactly-once transaction. Refused (kept as rejected with the code): the version is gone
 * (POLICY_VERSION_UNKNOWN), no longer submitted — approved, rejected or published meanwhile
 * (POLICY_STATE_INVALID) — or the signature does not verify against the enrolled certificates
 * and roles (POLICY_SIGNATURE_INVALID / POLICY_SELF_APPROVAL).
 */
export function approvalDelivery(ctx: LifecycleContext): Delivery {
  return (payload) => {
    const q = payload as QueuedApproval;
    if (
      q?.v !== 1 ||
      typeof q.tenantId !== 'string' ||
      typeof q.sha256 !== 'string' ||
      typeof q.operatorId !== 'string'
    )
      throw new ArxFailure('INVALID_REQUEST', 'The queued approval is not in the expected form.');
    return {
      tenantId: q.tenantId,
      operatorId: q.operatorId,
      events: [
        {
          type: 'com.arx.policy.approved',
          data: { policyId: q.policyId, versionSha256: q.sha256, approver: q.operatorId },
          subject: q.edipi,
        },
      ],
      // The screens showing this version (submitted) learn it is approved, as after an online approval.
      stored: () => ctx.changed(q.tenantId, q.policyName, q.sha256, 'approved'),
      writeWithEvents: async (c, event) => {
        const state = await readVersionState(c, q.tenantId, q.sha256);
        if (state === null)
          throw new ArxFailure('POLICY_VERSION_UNKNOWN', `No version ${q.sha256} in this tenant (any more).`);
        if (state !== 'submitted') {
          throw new ArxFailure(
            'POLICY_STATE_INVALID',
            `Version ${q.sha256} is ${state} now; the approval signed offline is refused.`,
            { state },
          );
        }
        const signed = { operatorId: q.operatorId, certificateSha256: q.certificateSha256, envelope: q.envelope };
        await writeApproval(c, q.tenantId, q.sha256, signed, event);
      },
    };
  };
}
