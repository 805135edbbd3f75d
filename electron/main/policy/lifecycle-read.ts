import type pg from 'pg';
import { ArxFailure } from '../../../shared/contract';
import type { PolicyTest, VersionSummary } from '../../../shared/contract/domains/policy-lifecycle';
import { checkSignedVersion } from '../../../shared/policy';
import { decisionCounts, eventsNamingPolicy } from '../controlplane/repos/events';
import { enrolledCertificates, operatorRefs, type OperatorRef } from '../controlplane/repos/operators';
import { rollbackIdsOfPolicy, rollbackRow } from '../controlplane/repos/policy-rollbacks';
import {
  listPolicies,
  policyByName,
  signaturesOf,
  versionBySha,
  versionsOfPolicy,
  type SignatureRow,
  type VersionRow,
} from '../controlplane/repos/policy-versions';
import { withTenant } from '../controlplane/tenant-session';
import type { DiffSide, LifecycleContext } from './lifecycle-context';
import { gatewayActiveVersion } from './gateway-policy';
import { getDraft } from './lifecycle-drafts';
import { nodeSignatureVerifier } from './node-verify';

/** What the policy screens read: versions with their checked signatures, the history, diff sides. */

const LIFECYCLE_TYPES = [
  'com.arx.policy.submitted',
  'com.arx.policy.approved',
  'com.arx.policy.rejected',
  'com.arx.policy.published',
  'com.arx.policy.rollbackrequested',
  'com.arx.policy.rolledback',
];

const unknownOperator = (people: Map<string, OperatorRef>) => (id: string) =>
  people.get(id) ?? { operatorId: id, displayName: '(unknown operator)', edipi: '' };

/** A side of a diff or the target of an impact replay: a version, the operator's draft, or nothing. */
export async function resolveRef(
  ctx: LifecycleContext,
  tenantId: string,
  ref: { sha256: string } | { draft: string } | { empty: true },
): Promise<DiffSide | null> {
  if ('empty' in ref) return null;
  if ('draft' in ref) {
    const d = await getDraft(ctx, tenantId, ref.draft);
    if (!d)
      throw new ArxFailure('POLICY_DRAFT_MISSING', `You have no draft of the ${ref.draft} policy in this tenant.`);
    return { text: d.text, schema: d.schema, tests: d.tests, digest: d.digest };
  }
  const v = await withTenant(ctx.pool(), tenantId, (c) => versionBySha(c, tenantId, ref.sha256));
  if (!v) throw new ArxFailure('POLICY_VERSION_UNKNOWN', `No version ${ref.sha256} in this tenant.`);
  return { text: v.text, schema: v.schema, tests: v.tests, digest: { sha256: v.sha256, blake3: v.blake3 } };
}

export async function summary(ctx: LifecycleContext, tenantId: string, sha256: string): Promise<VersionSummary> {
  return withTenant(ctx.pool(), tenantId, async (c) => {
    const v = await versionBySha(c, tenantId, sha256);
    if (!v) throw new ArxFailure('POLICY_VERSION_UNKNOWN', `No version ${sha256} in this tenant.`);
    return (await summaries(ctx, c, tenantId, [v]))[0]!;
  });
}

export async function detail(ctx: LifecycleContext, tenantId: string, sha256: string) {
  return withTenant(ctx.pool(), tenantId, async (c) => {
    const v = await versionBySha(c, tenantId, sha256);
    if (!v) throw new ArxFailure('POLICY_VERSION_UNKNOWN', `No version ${sha256} in this tenant.`);
    const [s] = await summaries(ctx, c, tenantId, [v]);
    const sigs = (await signaturesOf(c, tenantId, [sha256])).get(sha256) ?? [];
    return {
      ...s!,
      text: v.text,
      schema: v.schema,
      tests: v.tests as PolicyTest[],
      envelopes: sigs.map((x) => ({ role: x.role, envelope: x.envelope })),
    };
  });
}

/** Versions as the screens show them, each with its signatures checked; remembered for approving offline. */
async function summaries(
  ctx: LifecycleContext,
  c: pg.ClientBase,
  tenantId: string,
  versions: readonly VersionRow[],
): Promise<VersionSummary[]> {
  const shas = versions.map((v) => v.sha256);
  const sigs = await signaturesOf(c, tenantId, shas);
  const allSigs = [...sigs.values()].flat();
  const certs = await enrolledCertificates(
    c,
    tenantId,
    allSigs.map((s) => s.certificateSha256),
  );
  const people = await operatorRefs(c, [...versions.map((v) => v.authorId), ...allSigs.map((s) => s.operatorId)]);
  // Active is what a gateway would load through the signed publication chain, not the stored pointer.
  const active = new Set<string>();
  for (const policyId of new Set(versions.map((v) => v.policyId))) {
    const sha = await gatewayActiveVersion(c, tenantId, policyId);
    if (sha) active.add(sha);
  }
  const counts = await decisionCounts(c, tenantId, shas);
  const ref = unknownOperator(people);
  const out = versions.map((v): VersionSummary => {
    const list: SignatureRow[] = sigs.get(v.sha256) ?? [];
    const check = checkSignedVersion(v, list, (s) => certs.get(s), nodeSignatureVerifier);
    const approverSig = list.find((s) => s.role === 'approver');
    return {
      sha256: v.sha256,
      blake3: v.blake3,
      policyId: v.policyId,
      policyName: v.policyName,
      parentSha256: v.parentSha256,
      state: v.state,
      author: ref(v.authorId),
      approver: approverSig ? ref(approverSig.operatorId) : null,
      createdAt: v.createdAt,
      active: active.has(v.sha256),
      signaturesVerified: check.ok,
      signatures: list.map((s) => {
        const findings = check.findings.filter((f) => f.role === s.role || f.role === null);
        const ok = check.verified[s.role];
        return {
          role: s.role,
          operator: ref(s.operatorId),
          certificateSha256: s.certificateSha256,
          signedAt: s.signedAt,
          verified: ok,
          problem: ok ? null : findings.map((f) => `${f.problem}: ${f.message}`).join('; ') || 'does not verify',
        };
      }),
      decisions: counts.get(v.sha256) ?? 0,
    };
  });
  ctx.remember(tenantId, out);
  return out;
}

export async function list(ctx: LifecycleContext, tenantId: string) {
  return withTenant(ctx.pool(), tenantId, async (c) => {
    const policies = await listPolicies(c, tenantId);
    const out = [];
    for (const p of policies) {
      const loaded = await gatewayActiveVersion(c, tenantId, p.id);
      const v = loaded ? await versionBySha(c, tenantId, loaded) : null;
      out.push({ policyId: p.id, name: p.name, active: v ? (await summaries(ctx, c, tenantId, [v]))[0]! : null });
    }
    return { policies: out };
  });
}

export async function history(ctx: LifecycleContext, tenantId: string, policyName: string) {
  return withTenant(ctx.pool(), tenantId, async (c) => {
    const p = await policyByName(c, tenantId, policyName);
    if (!p) return { versions: [], rollbacks: [], events: [] };
    const versions = await summaries(ctx, c, tenantId, await versionsOfPolicy(c, tenantId, p.id));
    const rollbacks = [];
    for (const id of await rollbackIdsOfPolicy(c, tenantId, p.id))
      rollbacks.push(await rollbackViewIn(c, tenantId, id));
    const ev = await eventsNamingPolicy(c, tenantId, LIFECYCLE_TYPES, p.id, 500);
    return {
      versions,
      rollbacks,
      events: ev.map((e) => ({ seq: e.seq, type: e.type, time: e.time.toISOString(), data: e.data })),
    };
  });
}

export async function rollbackView(ctx: LifecycleContext, tenantId: string, id: string) {
  return withTenant(ctx.pool(), tenantId, (c) => rollbackViewIn(c, tenantId, id));
}

async function rollbackViewIn(c: pg.ClientBase, tenantId: string, id: string) {
  const rb = await rollbackRow(c, id);
  if (!rb || rb.tenantId !== tenantId) throw new ArxFailure('NOT_FOUND', `No rollback ${id} in this tenant.`);
  const people = await operatorRefs(c, [rb.requester.operatorId, rb.approver?.operatorId ?? rb.requester.operatorId]);
  const ref = unknownOperator(people);
  return {
    rollbackId: rb.rollbackId,
    policyId: rb.policyId,
    toSha256: rb.toSha256,
    fromSha256: rb.fromSha256,
    state: rb.state,
    requestedBy: ref(rb.requester.operatorId),
    approvedBy: rb.approver ? ref(rb.approver.operatorId) : null,
    requestedAt: rb.requestedAt,
  };
}
