import { randomUUID } from 'node:crypto';
import { bytesEqual } from '../../../shared/bytes';
import { ArxFailure } from '../../../shared/contract';
import { DsseEnvelopeSchema, openEnvelope } from '../../../shared/dsse';
import {
  POLICY_PUBLICATION_PAYLOAD_TYPE,
  publicationBytes,
  type PolicyPublicationStatement,
} from '../../../shared/policy';
import { rollbackRow, type RollbackRow } from '../controlplane/repos/policy-rollbacks';
import {
  approveRollback as approveRollbackRow,
  requestRollback as requestRollbackRow,
} from '../controlplane/repos/policy-steps';
import { policyByName, publicationsOf, versionBySha } from '../controlplane/repos/policy-versions';
import { withTenant } from '../controlplane/tenant-session';
import { reasonsOf } from './gateway-policy';
import { checkVersion, type LifecycleContext } from './lifecycle-context';
import { planPublication, signPublication, verifyActivation } from './lifecycle-publication';
import { rollbackView } from './lifecycle-read';

/**
 * Rollback to an earlier published version: a publication (kind rollback) signed by its requester
 * and, on approval, by a different approver; both sign the same statement, which names the
 * version active at the request and the sequence the rollback takes.
 */

export async function requestRollback(ctx: LifecycleContext, req: { tenantId: string; sha256: string; pin: string }) {
  const op = ctx.operator();
  const rollbackId = randomUUID();
  const { v, statement } = await rollbackTarget(ctx, req.tenantId, req.sha256, rollbackId);
  const signed = await signPublication(
    ctx,
    statement,
    `Rollback of ${v.policyName} to version ${v.sha256} (request)`,
    req.pin,
    op,
  );
  await ctx.step(req.tenantId, async (c) => {
    const data = {
      policyId: v.policyId,
      versionSha256: v.sha256,
      rollbackId,
      fromSha256: statement.previousSha256,
      requestedBy: op.operatorId,
    };
    const event = await ctx.eventRows(c, req.tenantId, 'com.arx.policy.rollbackrequested', data, op.edipi);
    const at = {
      tenantId: req.tenantId,
      rollbackId,
      toSha256: v.sha256,
      previousSha256: statement.previousSha256,
      sequence: statement.sequence,
    };
    await requestRollbackRow(c, at, signed, event);
  });
  ctx.changed(req.tenantId, v.policyName, v.sha256, 'rollback-requested');
  return rollbackView(ctx, req.tenantId, rollbackId);
}

/** The version to return to (published once, not active now, still passing the signature check) and the statement to sign. */
async function rollbackTarget(ctx: LifecycleContext, tenantId: string, sha256: string, rollbackId: string) {
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
    return { v, statement: await planPublication(c, tenantId, v, 'rollback', rollbackId) };
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
  const statement = requestedStatement(rb);
  const signed = await signPublication(
    ctx,
    statement,
    `Approval of the rollback to version ${rb.toSha256}`,
    req.pin,
    op,
  );
  if (signed.operator.operatorId === rb.requester.operatorId)
    throw new ArxFailure('POLICY_SELF_APPROVAL', 'The card that signed belongs to the requester of this rollback.');
  const name = await ctx.step(req.tenantId, async (c) => {
    const now = await rollbackRow(c, req.rollbackId);
    if (now?.state !== 'requested')
      throw new ArxFailure('POLICY_STATE_INVALID', `Rollback ${req.rollbackId} is no longer requested.`);
    const v = await versionBySha(c, req.tenantId, rb.toSha256);
    const check = await checkVersion(c, req.tenantId, rb.toSha256);
    if (!v || !check.ok)
      throw new ArxFailure('POLICY_ROLLBACK_INVALID', `Version ${rb.toSha256} no longer passes the signature check.`);
    // The publication as the function will store it: the request's envelope with both signatures.
    const request = rb.requester.envelope as { signatures: unknown[] };
    const both = { ...request, signatures: [...request.signatures, ...(signed.envelope as typeof request).signatures] };
    const previous = await verifyActivation(c, statement, {
      envelope: both,
      publishedBy: op.operatorId,
      requestedBy: rb.requester.operatorId,
    });
    const data = { policyId: v.policyId, versionSha256: v.sha256, fromSha256: previous ?? v.sha256, by: op.operatorId };
    const event = await ctx.eventRows(c, req.tenantId, 'com.arx.policy.rolledback', data, op.edipi);
    await approveRollbackRow(c, req.tenantId, req.rollbackId, signed, event);
    return v.policyName;
  });
  ctx.changed(req.tenantId, name, rb.toSha256, 'rolledback');
  return rollbackView(ctx, req.tenantId, req.rollbackId);
}

/**
 * The statement the requester signed, read back from the request and compared with the one this
 * rollback's fields give (POLICY_ROLLBACK_INVALID otherwise): the approver signs the same bytes.
 */
function requestedStatement(rb: RollbackRow): PolicyPublicationStatement {
  const refused = () =>
    new ArxFailure('POLICY_ROLLBACK_INVALID', `Rollback ${rb.rollbackId} does not carry its signed request.`);
  const parsed = DsseEnvelopeSchema.safeParse(rb.requester.envelope);
  const opened = parsed.success ? openEnvelope(parsed.data) : undefined;
  if (!parsed.success || !opened || parsed.data.payloadType !== POLICY_PUBLICATION_PAYLOAD_TYPE) throw refused();
  let signed: Partial<PolicyPublicationStatement>;
  try {
    signed = JSON.parse(new TextDecoder().decode(opened.payload)) as Partial<PolicyPublicationStatement>;
  } catch {
    throw refused();
  }
  if (!signed.version || !Number.isInteger(signed.sequence)) throw refused();
  const expected: PolicyPublicationStatement = {
    _type: 'arx.policy-publication/v1',
    kind: 'rollback',
    tenantId: rb.tenantId,
    policyId: rb.policyId,
    version: { sha256: rb.toSha256, blake3: String(signed.version.blake3) },
    previousSha256: rb.fromSha256,
    sequence: signed.sequence!,
    rollbackId: rb.rollbackId,
  };
  if (!bytesEqual(publicationBytes(expected), opened.payload)) throw refused();
  return expected;
}
