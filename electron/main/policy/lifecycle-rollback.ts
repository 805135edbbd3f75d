import { randomUUID } from 'node:crypto';
import { ArxFailure } from '../../../shared/contract';
import {
  checkRollbackSignatures,
  POLICY_ROLLBACK_PAYLOAD_TYPE,
  statementBytes,
  type PolicyRollbackStatement,
} from '../../../shared/policy';
import { enrolledCertificates } from '../controlplane/repos/operators';
import {
  insertRollback,
  markRollbackApplied,
  rollbackRow,
  type RollbackRow,
} from '../controlplane/repos/policy-rollbacks';
import { policyByName, publicationsOf, versionBySha } from '../controlplane/repos/policy-versions';
import { withTenant } from '../controlplane/tenant-session';
import { reasonsOf } from './gateway-policy';
import { checkVersion, type LifecycleContext } from './lifecycle-context';
import { rollbackView } from './lifecycle-read';
import { activate } from './lifecycle-steps';
import { nodeSignatureVerifier } from './node-verify';

/** Rollback to an earlier published version: a requester's and a different approver's signatures. */

export async function requestRollback(ctx: LifecycleContext, req: { tenantId: string; sha256: string; pin: string }) {
  const op = ctx.operator();
  const rollbackId = randomUUID();
  const target = await rollbackTarget(ctx, req.tenantId, req.sha256);
  const statement: PolicyRollbackStatement = {
    _type: 'arx.policy-rollback/v1',
    role: 'requester',
    rollbackId,
    tenantId: req.tenantId,
    policyId: target.v.policyId,
    toSha256: target.v.sha256,
    fromSha256: target.from,
  };
  const signed = await ctx.signStatement(
    POLICY_ROLLBACK_PAYLOAD_TYPE,
    statementBytes(statement),
    `Rollback of ${target.v.policyName} to version ${target.v.sha256} (request)`,
    req.pin,
    op,
  );
  await ctx.step(req.tenantId, async (c) => {
    await insertRollback(c, {
      id: rollbackId,
      tenantId: req.tenantId,
      policyId: target.v.policyId,
      toSha256: target.v.sha256,
      fromSha256: target.from,
      requestedBy: op.operatorId,
      certificateSha256: signed.certificateSha256,
      envelope: signed.envelope,
    });
    const data = {
      policyId: target.v.policyId,
      versionSha256: target.v.sha256,
      rollbackId,
      fromSha256: target.from,
      requestedBy: op.operatorId,
    };
    await ctx.audit(c, req.tenantId, 'com.arx.policy.rollbackrequested', data, op.edipi);
  });
  ctx.changed(req.tenantId, target.v.policyName, target.v.sha256, 'rollback-requested');
  return rollbackView(ctx, req.tenantId, rollbackId);
}

/** The version to return to: published once, not active now, and still passing the signature check. */
async function rollbackTarget(ctx: LifecycleContext, tenantId: string, sha256: string) {
  return withTenant(ctx.pool(), tenantId, async (c) => {
    const v = await versionBySha(c, tenantId, sha256);
    if (!v) throw new ArxFailure('POLICY_VERSION_UNKNOWN', `No version ${sha256} in this tenant.`);
    const pubs = await publicationsOf(c, tenantId, v.policyId);
    if (!pubs.some((p) => p.sha256 === v.sha256))
      throw new ArxFailure(
        'POLICY_ROLLBACK_INVALID',
        `Version ${v.sha256} was never published: a rollback returns to an earlier published version.`,
      );
    const policy = await policyByName(c, tenantId, v.policyName);
    if (policy?.activeSha256 === v.sha256)
      throw new ArxFailure('POLICY_ROLLBACK_INVALID', `Version ${v.sha256} is the active version already.`);
    const check = await checkVersion(c, tenantId, v.sha256);
    if (!check.ok)
      throw new ArxFailure(
        'POLICY_ROLLBACK_INVALID',
        `Version ${v.sha256} does not pass the signature check: ${reasonsOf(check).join('; ')}`,
        { findings: check.findings },
      );
    return { v, from: policy?.activeSha256 ?? null };
  });
}

export async function approveRollback(
  ctx: LifecycleContext,
  req: { tenantId: string; rollbackId: string; pin: string },
) {
  const op = ctx.operator();
  const rb = await withTenant(ctx.pool(), req.tenantId, (c) => rollbackRow(c, req.rollbackId));
  if (!rb) throw new ArxFailure('NOT_FOUND', `No rollback ${req.rollbackId} in this tenant.`);
  if (rb.state !== 'requested')
    throw new ArxFailure('POLICY_STATE_INVALID', `Rollback ${req.rollbackId} is ${rb.state}.`, { state: rb.state });
  if (rb.requester.operatorId === op.operatorId)
    throw new ArxFailure(
      'POLICY_SELF_APPROVAL',
      'You requested this rollback: a different operator with the approver role must approve it.',
    );
  const statement: PolicyRollbackStatement = { ...rollbackStatement(rb), role: 'approver' };
  const signed = await ctx.signStatement(
    POLICY_ROLLBACK_PAYLOAD_TYPE,
    statementBytes(statement),
    `Approval of the rollback to version ${rb.toSha256}`,
    req.pin,
    op,
  );
  if (signed.operator.operatorId === rb.requester.operatorId)
    throw new ArxFailure('POLICY_SELF_APPROVAL', 'The card that signed belongs to the requester of this rollback.');
  const name = await ctx.step(req.tenantId, async (c) => {
    const applied = await markRollbackApplied(c, req.rollbackId, {
      approvedBy: op.operatorId,
      certificateSha256: signed.certificateSha256,
      envelope: signed.envelope,
    });
    if (!applied) throw new ArxFailure('POLICY_STATE_INVALID', `Rollback ${req.rollbackId} is no longer requested.`);
    const now = (await rollbackRow(c, req.rollbackId))!;
    const certs = await enrolledCertificates(c, req.tenantId, [
      now.requester.certificateSha256,
      now.approver!.certificateSha256,
    ]);
    const r = checkRollbackSignatures(now, (s) => certs.get(s), nodeSignatureVerifier);
    if (!r.ok) {
      const self = r.findings.some((f) => f.includes('approved by its requester'));
      throw new ArxFailure(
        self ? 'POLICY_SELF_APPROVAL' : 'POLICY_SIGNATURE_INVALID',
        `The rollback does not verify: ${r.findings.join('; ')}`,
      );
    }
    const v = await versionBySha(c, req.tenantId, rb.toSha256);
    const check = await checkVersion(c, req.tenantId, rb.toSha256);
    if (!v || !check.ok)
      throw new ArxFailure('POLICY_ROLLBACK_INVALID', `Version ${rb.toSha256} no longer passes the signature check.`);
    const previous = await activate(c, req.tenantId, v, op.operatorId, 'rollback', req.rollbackId);
    if (previous !== rb.fromSha256) {
      throw new ArxFailure(
        'POLICY_ROLLBACK_INVALID',
        `The active version changed since the rollback was requested (${previous ?? 'none'}, not ${rb.fromSha256 ?? 'none'}): request it again.`,
      );
    }
    const data = { policyId: v.policyId, versionSha256: v.sha256, fromSha256: previous ?? v.sha256, by: op.operatorId };
    await ctx.audit(c, req.tenantId, 'com.arx.policy.rolledback', data, op.edipi);
    return v.policyName;
  });
  ctx.changed(req.tenantId, name, rb.toSha256, 'rolledback');
  return rollbackView(ctx, req.tenantId, req.rollbackId);
}

function rollbackStatement(rb: RollbackRow): PolicyRollbackStatement {
  return {
    _type: 'arx.policy-rollback/v1',
    role: 'requester',
    rollbackId: rb.rollbackId,
    tenantId: rb.tenantId,
    policyId: rb.policyId,
    toSha256: rb.toSha256,
    fromSha256: rb.fromSha256,
  };
}
