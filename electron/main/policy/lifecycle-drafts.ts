import { ArxFailure } from '../../../shared/contract';
import type { Draft, PolicyTest } from '../../../shared/contract/domains/policy-lifecycle';
import { canonicalText, GATEWAY_SCHEMA, policyVersionDigest, validatePolicies } from '../../../shared/policy';
import { runPolicyTests } from '../../../shared/policy/policy-tests';
import { draftOf as draftRow } from '../controlplane/repos/policy-drafts';
import { discardDraft as discardDraftRow, saveDraft as saveDraftRow } from '../controlplane/repos/policy-steps';
import { versionBySha } from '../controlplane/repos/policy-versions';
import { withTenant } from '../controlplane/tenant-session';
import * as cedar from './cedar-node';
import type { LifecycleContext } from './lifecycle-context';

/** Each operator's own draft of a policy: saved, opened, discarded; checked before it can be submitted. */

export async function getDraft(ctx: LifecycleContext, tenantId: string, policyName: string): Promise<Draft | null> {
  const op = ctx.operator();
  const row = await withTenant(ctx.pool(), tenantId, (c) => draftRow(c, tenantId, op.operatorId, policyName));
  if (!row) return null;
  return draftOf(tenantId, policyName, row.baseSha256, row.text, row.schema, row.tests as PolicyTest[], row.savedAt);
}

export async function saveDraft(
  ctx: LifecycleContext,
  req: {
    tenantId: string;
    policyName: string;
    baseSha256: string | null;
    text: string;
    schema: string | null;
    tests: PolicyTest[];
  },
): Promise<Draft> {
  ctx.operator();
  const text = canonicalText(req.text);
  const schema = canonicalText(req.schema ?? GATEWAY_SCHEMA);
  return withTenant(ctx.pool(), req.tenantId, async (c) => {
    if (req.baseSha256 && !(await versionBySha(c, req.tenantId, req.baseSha256))) {
      throw new ArxFailure(
        'POLICY_VERSION_UNKNOWN',
        `The draft's base version ${req.baseSha256} is not in this tenant.`,
        { path: 'baseSha256' },
      );
    }
    const savedAt = await saveDraftRow(c, {
      tenantId: req.tenantId,
      policyName: req.policyName,
      baseSha256: req.baseSha256,
      text,
      schema,
      tests: req.tests,
    });
    return draftOf(req.tenantId, req.policyName, req.baseSha256, text, schema, req.tests, savedAt);
  });
}

export async function discardDraft(ctx: LifecycleContext, tenantId: string, policyName: string): Promise<boolean> {
  ctx.operator();
  return withTenant(ctx.pool(), tenantId, (c) => discardDraftRow(c, tenantId, policyName));
}

function draftOf(
  tenantId: string,
  policyName: string,
  baseSha256: string | null,
  text: string,
  schema: string,
  tests: PolicyTest[],
  savedAt: string,
): Draft {
  return {
    tenantId,
    policyName,
    baseSha256,
    text,
    schema,
    tests,
    savedAt,
    digest: policyVersionDigest({ policies: text, schema, tests }),
  };
}

/**
 * Why a draft cannot be submitted, or null: validation errors (strict, against its schema), failing
 * tests, or tests whose evaluation reports errors. Also used by `arx policy check`.
 */
export function submissionBlockers(text: string, schema: string, tests: readonly PolicyTest[]): ArxFailure | null {
  const validation = validatePolicies(cedar, text, schema);
  const run = runPolicyTests(cedar, text, tests);
  const bad = run.results.filter((r) => r.status !== 'pass');
  if (validation.ok && bad.length === 0) return null;
  const parts: string[] = [];
  if (!validation.ok)
    parts.push(`${validation.errors.length} validation error${validation.errors.length === 1 ? '' : 's'}`);
  if (run.failed) parts.push(`${run.failed} failing test${run.failed === 1 ? '' : 's'}`);
  if (validation.ok && run.errored)
    parts.push(`${run.errored} test${run.errored === 1 ? '' : 's'} with evaluation errors`);
  return new ArxFailure('POLICY_SUBMIT_BLOCKED', `The draft cannot be submitted: ${parts.join(', ')}.`, {
    validation: validation.errors,
    tests: bad.map((r) => ({ name: r.name, status: r.status, message: r.message })),
  });
}
