import type pg from 'pg';
import { checkSignedVersion, policyVersionDigest } from '../../../shared/policy';
import type { PolicyVersionUse } from '../../../shared/review';
import { enrolledCertificates } from '../controlplane/repos/operators';
import { policyVersionTexts, signaturesOf, versionBySha } from '../controlplane/repos/policy-versions';
import type { ReplayBatchResult, ReplayVersion, VersionProblem } from '../policy/decision-replayer';
import { nodeSignatureVerifier } from '../policy/node-verify';

/** The policy versions a re-verification replays with, and what it reports about each one it met. */

/** The approval-signature check of a policy version used by the decisions being re-verified. */
export type PolicySignatureCheck = (
  client: pg.PoolClient,
  tenantId: string,
  version: { sha256: string; blake3: string },
) => Promise<{ status: PolicyVersionUse['signatures']; detail: string }>;

/**
 * Engineer B's two-person-integrity verifier (shared/policy checkSignedVersion, with the policy
 * store's loaders and node:crypto), the same check the gateway applies before it loads a version:
 * author and approver signatures over this exact digest, by enrolled signing certificates of
 * active operators holding the roles, the approver not being the author.
 */
export const approvalSignatures: PolicySignatureCheck = async (client, tenantId, version) => {
  const stored = await versionBySha(client, tenantId, version.sha256);
  if (!stored) return { status: 'missing-version', detail: 'the version is not in the control plane' };
  const signatures = (await signaturesOf(client, tenantId, [version.sha256])).get(version.sha256) ?? [];
  if (signatures.length === 0)
    return { status: 'unsigned', detail: 'no author or approver signature is recorded for this version' };
  const certs = await enrolledCertificates(
    client,
    tenantId,
    signatures.map((x) => x.certificateSha256),
  );
  const check = checkSignedVersion(stored, signatures, (sha) => certs.get(sha), nodeSignatureVerifier);
  if (check.ok)
    return {
      status: 'verified',
      detail: 'author and approver signatures verify (two different operators, enrolled certificates, roles held)',
    };
  return {
    status: 'invalid',
    detail: check.findings.map((f) => `${f.problem}${f.role ? ` (${f.role})` : ''}: ${f.message}`).join('; '),
  };
};

/** Loads every policy version of the tenant and checks each text against the digests it is keyed by. */
export async function loadReplayVersions(
  client: pg.PoolClient,
  tenantId: string,
): Promise<{ versions: ReplayVersion[]; problems: VersionProblem[] }> {
  const rows = await policyVersionTexts(client, tenantId);
  const versions: ReplayVersion[] = [];
  const problems: VersionProblem[] = [];
  for (const r of rows) {
    const sha256 = r.sha256.toString('hex');
    const blake3 = r.blake3.toString('hex');
    // The version digest covers the text, the schema and the tests (docs/policy-versions.md).
    const tests = Array.isArray(r.tests) ? r.tests : [];
    const actual = policyVersionDigest({ policies: r.policy_text, schema: r.schema_text, tests });
    if (actual.sha256 !== sha256 || actual.blake3 !== blake3) {
      problems.push({
        sha256,
        code: 'POLICY_VERSION_ALTERED',
        message: `the stored text, schema and tests of policy version ${sha256} hash to ${actual.sha256}: the version was changed after it was recorded`,
      });
    } else versions.push({ sha256, blake3, text: r.policy_text, schema: r.schema_text, tests });
  }
  return { versions, problems };
}

/**
 * The versions the decisions named (sorted by digest), each with its decision count and approval
 * signatures; a version that is missing or altered says so instead.
 */
export async function policyVersionUses(
  client: pg.PoolClient,
  tenantId: string,
  total: ReplayBatchResult,
  loaded: { versions: ReplayVersion[]; problems: VersionProblem[] },
  check: PolicySignatureCheck,
): Promise<PolicyVersionUse[]> {
  const known = new Map(loaded.versions.map((v) => [v.sha256, v]));
  const altered = new Map(loaded.problems.map((p) => [p.sha256, p]));
  const policyVersions: PolicyVersionUse[] = [];
  for (const [sha256, use] of Object.entries(total.perVersion).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const v = known.get(sha256);
    if (!v) {
      const p = altered.get(sha256);
      policyVersions.push({
        sha256,
        blake3: use.blake3,
        decisions: use.count,
        signatures: 'missing-version',
        detail: p ? p.message : 'the version is not in the control plane',
      });
      continue;
    }
    const s = await check(client, tenantId, v);
    policyVersions.push({
      sha256,
      blake3: v.blake3,
      decisions: use.count,
      signatures: s.status,
      detail: s.detail,
    });
  }
  return policyVersions;
}
