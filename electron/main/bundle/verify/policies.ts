import { nodeSignatureVerifier } from '../../policy/node-verify';
import { PolicyMetaSchema, type PolicyMeta } from '../../../../shared/bundle';
import { checkSignedVersion, policyVersionDigest } from '../../../../shared/policy';
import type { SignerPaths } from './certificates';
import { memberOf } from './parse';
import type { VerifyState } from './state';

/** policy-<sha256>.cedar and .json: a version's text and its metadata, paired by digest. */
export function readPolicyMember(s: VerifyState, name: string, bytes: Uint8Array): void {
  const sha = name.slice(7, 71);
  const entry = s.policies.get(sha) ?? {};
  s.policies.set(sha, entry);
  if (name.endsWith('.cedar')) entry.text = bytes;
  else entry.meta = memberOf(s, name, bytes, PolicyMetaSchema);
}

/**
 * Policy versions: digests and the two-person approval signatures (docs/policy-versions.md), with
 * the enrolment the exporter attested and the signers' certificate paths to the auditor's anchors.
 */
export async function checkPolicies(s: VerifyState, paths: SignerPaths): Promise<void> {
  for (const [sha, p] of s.policies) {
    const member = `policy-${sha}.json`;
    s.checks.count('policy-signatures');
    if (!p.text || !p.meta) {
      s.checks.fail(
        'policy-signatures',
        'BUNDLE_MEMBER_MISSING',
        `policy version ${sha.slice(0, 16)}… lacks its ${p.text ? '.json' : '.cedar'} member`,
        { member },
      );
      continue;
    }
    const meta = p.meta;
    const text = new TextDecoder().decode(p.text);
    const digest = policyVersionDigest({ policies: text, schema: meta.schemaText, tests: meta.tests });
    if (digest.sha256 !== sha || meta.sha256 !== sha || meta.blake3 !== digest.blake3) {
      s.checks.fail(
        'policy-signatures',
        'POLICY_DIGEST_MISMATCH',
        `policy version ${sha.slice(0, 16)}…: its text, schema and tests hash to ${digest.sha256.slice(0, 16)}…, not the version it is named after`,
        { member: `policy-${sha}.cedar`, expected: sha, found: digest.sha256 },
      );
      continue;
    }
    checkApprovals(s, sha, meta, text);
    for (const x of meta.signatures)
      await paths.check(x.certificateSha256, `the ${x.role} of policy version ${sha.slice(0, 16)}…`, member);
    s.contents?.policies.push({
      sha256: sha,
      name: meta.name,
      state: meta.state,
      text,
      signatures: meta.signatures.map((x) => ({
        role: x.role,
        operatorId: x.operatorId,
        certificateSha256: x.certificateSha256,
        signedAt: x.signedAt,
      })),
    });
  }
}

/** The version's signatures (checkSignedVersion) with the enrolments the exporter attested. */
function checkApprovals(s: VerifyState, sha: string, meta: PolicyMeta, text: string): void {
  const member = `policy-${sha}.json`;
  const enrolment = new Map(meta.enrolments.map((e) => [e.certificateSha256, e]));
  const check = checkSignedVersion(
    {
      tenantId: meta.tenantId,
      policyId: meta.policyId,
      sha256: meta.sha256,
      blake3: meta.blake3,
      text,
      schema: meta.schemaText,
      tests: meta.tests,
      authorId: meta.authorId,
    },
    meta.signatures.map((x) => ({
      role: x.role,
      operatorId: x.operatorId,
      certificateSha256: x.certificateSha256,
      envelope: x.envelope,
    })),
    (certSha) => {
      const e = enrolment.get(certSha);
      const c = s.certs.get(certSha);
      return e && c
        ? { operatorId: e.operatorId, usage: e.usage, der: c.der, operatorActive: e.operatorActive, roles: e.roles }
        : undefined;
    },
    nodeSignatureVerifier,
  );
  if (meta.tenantId !== s.range?.tenantId)
    s.checks.fail(
      'policy-signatures',
      'POLICY_SIGNATURE_INVALID',
      `policy version ${sha.slice(0, 16)}… belongs to another tenant`,
      {
        member,
      },
    );
  for (const f of check.findings) {
    s.checks.fail(
      'policy-signatures',
      f.problem === 'SIGNATURE_MISSING' ? 'POLICY_UNSIGNED' : 'POLICY_SIGNATURE_INVALID',
      `policy version ${sha.slice(0, 16)}… (${meta.name}): ${f.message}`,
      { member, problem: f.problem, ...(f.role ? { role: f.role } : {}) },
    );
  }
}
