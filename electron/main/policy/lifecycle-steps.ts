import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { ArxFailure } from '../../../shared/contract';
import type { VersionSummary } from '../../../shared/contract/domains/policy-lifecycle';
import { POLICY_SIGNATURE_PAYLOAD_TYPE, statementBytes, type PolicySignatureStatement } from '../../../shared/policy';
import { publishVersion, rejectVersion, submitVersion } from '../controlplane/repos/policy-steps';
import { readVersionState, policyByName, versionBySha, type VersionRow } from '../controlplane/repos/policy-versions';
import { withTenant } from '../controlplane/tenant-session';
import { reasonsOf } from './gateway-policy';
import { checkCandidate, checkVersion, requireState, storedVersion, type LifecycleContext } from './lifecycle-context';
import { getDraft, submissionBlockers } from './lifecycle-drafts';
import { planPublication, signPublication, verifyActivation } from './lifecycle-publication';
import { summary } from './lifecycle-read';

/** Submitting a draft (author's signature), rejecting and publishing a version. */

export async function submit(
  ctx: LifecycleContext,
  req: { tenantId: string; policyName: string; sha256: string; pin: string },
): Promise<VersionSummary> {
  const op = ctx.operator();
  const draft = await getDraft(ctx, req.tenantId, req.policyName);
  if (!draft)
    throw new ArxFailure('POLICY_DRAFT_MISSING', `You have no draft of the ${req.policyName} policy in this tenant.`);
  if (draft.digest.sha256 !== req.sha256) {
    throw new ArxFailure(
      'POLICY_DRAFT_CHANGED',
      `The draft changed since its digest was shown: it is now ${draft.digest.sha256}, not ${req.sha256}. Review it and submit again.`,
      { current: draft.digest.sha256 },
    );
  }
  const blockers = submissionBlockers(draft.text, draft.schema, draft.tests);
  if (blockers) throw blockers;
  const policyId = await policyFor(ctx, req.tenantId, req.policyName, draft.digest.sha256);
  const statement: PolicySignatureStatement = {
    _type: 'arx.policy-signature/v1',
    role: 'author',
    tenantId: req.tenantId,
    policyId,
    version: draft.digest,
  };
  const signed = await ctx.signStatement(
    POLICY_SIGNATURE_PAYLOAD_TYPE,
    statementBytes(statement),
    `Policy version ${draft.digest.sha256} of ${req.policyName} (author)`,
    req.pin,
    op,
  );
  const version = {
    sha256: draft.digest.sha256,
    blake3: draft.digest.blake3,
    tenantId: req.tenantId,
    policyId,
    policyName: req.policyName,
    parentSha256: draft.baseSha256,
    text: draft.text,
    schema: draft.schema,
    tests: draft.tests,
  };
  await ctx.step(req.tenantId, async (c) => {
    // Verified before anything is stored, as the gateway will verify it.
    const author = { role: 'author' as const, ...signedBy(signed) };
    const check = await checkCandidate(c, req.tenantId, { ...version, authorId: op.operatorId }, [author]);
    if (!check.verified.author) {
      throw new ArxFailure(
        'POLICY_SIGNATURE_INVALID',
        `Your signature does not verify: ${reasonsOf(check).join('; ')}`,
        { findings: check.findings },
      );
    }
    const data = {
      policyId,
      versionSha256: draft.digest.sha256,
      versionBlake3: draft.digest.blake3,
      author: op.operatorId,
    };
    const event = await ctx.eventRows(c, req.tenantId, 'com.arx.policy.submitted', data, op.edipi);
    await submitVersion(c, version, signed, event);
  });
  ctx.changed(req.tenantId, req.policyName, draft.digest.sha256, 'submitted');
  return summary(ctx, req.tenantId, draft.digest.sha256);
}

/** The signature row's operator, certificate and envelope. */
export const signedBy = (s: { envelope: unknown; certificateSha256: string; operator: { operatorId: string } }) => ({
  operatorId: s.operator.operatorId,
  certificateSha256: s.certificateSha256,
  envelope: s.envelope,
});

/**
 * The policy's id (a new one for a policy's first version) and the refusal of a duplicate come
 * before the card is asked: nobody should type a PIN for a step that cannot happen.
 */
async function policyFor(ctx: LifecycleContext, tenantId: string, policyName: string, sha256: string): Promise<string> {
  return withTenant(ctx.pool(), tenantId, async (c) => {
    if (await versionBySha(c, tenantId, sha256)) {
      throw new ArxFailure(
        'POLICY_VERSION_EXISTS',
        `Version ${sha256} already exists in this tenant (same text, schema and tests).`,
      );
    }
    // A new policy's row is created with its first version (submit_version), under this id.
    return (await policyByName(c, tenantId, policyName))?.id ?? randomUUID();
  });
}

export async function reject(
  ctx: LifecycleContext,
  req: { tenantId: string; sha256: string },
): Promise<VersionSummary> {
  const op = ctx.operator();
  const name = await ctx.step(req.tenantId, async (c) => {
    const v = await storedVersion(c, req.tenantId, req.sha256);
    requireState(v, req.sha256, 'submitted', 'rejected');
    const data = { policyId: v.policyId, versionSha256: v.sha256, by: op.operatorId };
    await rejectVersion(
      c,
      req.tenantId,
      req.sha256,
      await ctx.eventRows(c, req.tenantId, 'com.arx.policy.rejected', data, op.edipi),
    );
    return v.policyName;
  });
  ctx.changed(req.tenantId, name, req.sha256, 'rejected');
  return summary(ctx, req.tenantId, req.sha256);
}

export async function publish(
  ctx: LifecycleContext,
  req: { tenantId: string; sha256: string; pin: string },
): Promise<VersionSummary> {
  const op = ctx.operator();
  // Refused before the card is asked: nobody should type a PIN for a step that cannot happen.
  const { v, statement } = await withTenant(ctx.pool(), req.tenantId, async (c) => {
    const v = await publishable(c, req.tenantId, req.sha256);
    return { v, statement: await planPublication(c, req.tenantId, v, 'publish', null) };
  });
  const signed = await signPublication(
    ctx,
    statement,
    `Publication of ${v.policyName} version ${v.sha256}`,
    req.pin,
    op,
  );
  await ctx.step(req.tenantId, async (c) => {
    await readVersionState(c, req.tenantId, req.sha256);
    await publishable(c, req.tenantId, req.sha256);
    const previous = await verifyActivation(c, statement, {
      envelope: signed.envelope,
      publishedBy: op.operatorId,
      requestedBy: null,
    });
    const data = {
      policyId: v.policyId,
      versionSha256: v.sha256,
      previousSha256: previous,
      publishedBy: op.operatorId,
    };
    const event = await ctx.eventRows(c, req.tenantId, 'com.arx.policy.published', data, op.edipi);
    const at = { tenantId: req.tenantId, sha256: v.sha256, previousSha256: previous, sequence: statement.sequence };
    await publishVersion(c, at, signed, event);
  });
  ctx.changed(req.tenantId, v.policyName, req.sha256, 'published');
  return summary(ctx, req.tenantId, req.sha256);
}

/** An approved version whose two signatures verify, or the refusal. */
async function publishable(c: pg.ClientBase, tenantId: string, sha256: string): Promise<VersionRow> {
  const v = await storedVersion(c, tenantId, sha256);
  requireState(v, sha256, 'approved', 'published');
  const check = await checkVersion(c, tenantId, sha256);
  if (!check.ok)
    throw new ArxFailure(
      'POLICY_SIGNATURE_INVALID',
      `Version ${sha256} is not published: ${reasonsOf(check).join('; ')}`,
      {
        findings: check.findings,
      },
    );
  return v;
}
