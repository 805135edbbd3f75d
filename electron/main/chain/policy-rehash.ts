import { policyVersionOf } from '../../../shared/policy/policy-set';
import { policyVersionDigest } from '../../../shared/policy/version';
import { firstSeqNamingPolicyVersion } from '../controlplane/repos/events';
import { policyVersionTexts } from '../controlplane/repos/policy-versions';
import type { Queryable } from '../controlplane/repos/queryable';
import { issue, type VerificationIssue } from './verification';

/** Each stored policy version's text must still hash to the digests it is known and signed by. */
export async function checkPolicyVersions(
  q: Queryable,
  tenantId: string,
): Promise<{ checked: number; issues: VerificationIssue[] }> {
  const versions = await policyVersionTexts(q, tenantId);
  const issues: VerificationIssue[] = [];
  for (const v of versions) {
    const sha = v.sha256.toString('hex');
    const b3 = v.blake3.toString('hex');
    // The version digest over text, schema and tests (docs/policy-versions.md); rows written before
    // that format (demo data) carry the digest of the policy text alone, which is accepted too.
    let now: { sha256: string; blake3: string };
    try {
      now = policyVersionDigest({
        policies: v.policy_text,
        schema: v.schema_text,
        tests: Array.isArray(v.tests) ? v.tests : [],
      });
    } catch {
      now = { sha256: '', blake3: '' };
    }
    if (now.sha256 === sha && now.blake3 === b3) continue;
    const legacy = policyVersionOf(v.policy_text);
    if (legacy.sha256 === sha && legacy.blake3 === b3) continue;
    // Where the chain first relies on this version (-1: nowhere).
    const used = await firstSeqNamingPolicyVersion(q, tenantId, sha);
    issues.push(
      issue('POLICY_VERSION_MODIFIED', 'the policy version no longer hashes to the digest it is known and signed by', {
        seq: used ?? -1,
        policyId: v.policy_id,
        expected: sha,
        found: now.sha256,
        ...(now.blake3 !== b3 ? { expectedBlake3: b3, foundBlake3: now.blake3 } : {}),
      }),
    );
  }
  return { checked: versions.length, issues };
}
