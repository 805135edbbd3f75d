import canonicalize from 'canonicalize';
import { bytesEqual, fromBase64, utf8 } from '../bytes';
import { DsseEnvelopeSchema, openEnvelope, type DsseEnvelope } from '../dsse';
import type { CedarBindings } from './cedar';
import { compilePolicySet, type PolicyEngine } from './engine';
import type { PolicyVersion } from './policy-set';
import { verifiedPublicationChain, type StoredPublication } from './publication';
import { policyVersionDigest } from './version';

/**
 * Two-person integrity of a policy version (docs/policy-versions.md), as pure rules: what the
 * author and the approver sign, and when a published version may be loaded. The signature check
 * itself (ECDSA/RSA over an X.509 certificate) is passed in, like the Cedar bindings: node:crypto in
 * the main process and the gateway, WebCrypto elsewhere. Every caller that loads a version for
 * decisions goes through `checkSignedVersion`; there is no other way to get a `VerifiedVersion`.
 */

export const POLICY_SIGNATURE_PAYLOAD_TYPE = 'application/vnd.arx.policy-signature+json';

export type SignerRole = 'author' | 'approver';

/** What an author or approver signs: the version digest, bound to the tenant, the policy and the role. */
export interface PolicySignatureStatement {
  _type: 'arx.policy-signature/v1';
  role: SignerRole;
  tenantId: string;
  policyId: string;
  version: PolicyVersion;
}

/** The payload bytes of a statement: RFC 8785 JSON, so that any verifier can rebuild and compare it. */
export function statementBytes(statement: PolicySignatureStatement): Uint8Array {
  return utf8(canonicalize(statement)!);
}

/** A signature check: does `signature` verify over `data` (the DSSE PAE) with the key of `certificateDer`? */
export type SignatureVerifier = (certificateDer: Uint8Array, data: Uint8Array, signature: Uint8Array) => boolean;

/** An enrolled certificate as the control plane knows it. */
export interface EnrolledCertificate {
  operatorId: string;
  usage: string;
  der: Uint8Array;
  operatorActive: boolean;
  /** The operator's roles in the version's tenant. */
  roles: readonly string[];
}

export interface StoredVersion {
  tenantId: string;
  policyId: string;
  sha256: string;
  blake3: string;
  text: string;
  schema: string;
  tests: readonly unknown[];
  authorId: string;
}

export interface StoredSignature {
  role: SignerRole;
  operatorId: string;
  certificateSha256: string;
  envelope: unknown;
}

export type SignatureProblem =
  | 'DIGEST_MISMATCH'
  | 'SIGNATURE_MISSING'
  | 'ENVELOPE_INVALID'
  | 'STATEMENT_MISMATCH'
  | 'CERTIFICATE_NOT_ENROLLED'
  | 'CERTIFICATE_OTHER_OPERATOR'
  | 'OPERATOR_DISABLED'
  | 'ROLE_MISSING'
  | 'SIGNATURE_INVALID'
  | 'SELF_APPROVAL'
  | 'AUTHOR_MISMATCH';

export interface SignatureFinding {
  role: SignerRole | null;
  problem: SignatureProblem;
  message: string;
}

export interface SignatureCheck {
  ok: boolean;
  /** Per role: verified or not (a role with no valid signature is false). */
  verified: Record<SignerRole, boolean>;
  findings: SignatureFinding[];
}

/** The role a signer must hold in the tenant for each signature role. */
export const REQUIRED_ROLE: Record<SignerRole, string> = { author: 'policy-author', approver: 'approver' };

/**
 * Checks a stored version and its signatures: the digest recomputed from the stored text, schema
 * and tests; exactly the statement for this tenant, policy, role and digest inside each DSSE
 * envelope; the signature made by an enrolled signing certificate of the operator named, who is
 * active and holds the role; an author signature by the version's author; and an approver who is
 * not the author (by operator and by certificate). `ok` only when all of that holds.
 */
export function checkSignedVersion(
  version: StoredVersion,
  signatures: readonly StoredSignature[],
  certificate: (sha256: string) => EnrolledCertificate | undefined,
  verify: SignatureVerifier,
): SignatureCheck {
  const findings: SignatureFinding[] = [];
  const verified: Record<SignerRole, boolean> = { author: false, approver: false };
  const digest = policyVersionDigest({ policies: version.text, schema: version.schema, tests: version.tests });
  if (digest.sha256 !== version.sha256 || digest.blake3 !== version.blake3) {
    findings.push({
      role: null,
      problem: 'DIGEST_MISMATCH',
      message: `the stored text, schema and tests hash to ${digest.sha256}, not ${version.sha256}: the version was changed after it was signed`,
    });
    return { ok: false, verified, findings };
  }
  const good: Partial<Record<SignerRole, { operatorId: string; cert: string }>> = {};
  for (const role of ['author', 'approver'] as const) {
    const candidates = signatures.filter((s) => s.role === role);
    if (candidates.length === 0) {
      findings.push({ role, problem: 'SIGNATURE_MISSING', message: `no ${role} signature` });
      continue;
    }
    for (const s of candidates) {
      const f = checkOne(version, digest, role, s, certificate, verify);
      if (f) findings.push(f);
      else if (!good[role]) good[role] = { operatorId: s.operatorId, cert: s.certificateSha256 };
    }
  }
  if (good.author && good.author.operatorId !== version.authorId) {
    findings.push({
      role: 'author',
      problem: 'AUTHOR_MISMATCH',
      message: 'the author signature is not by the operator recorded as the author',
    });
    delete good.author;
  }
  if (
    good.author &&
    good.approver &&
    (good.author.operatorId === good.approver.operatorId || good.author.cert === good.approver.cert)
  ) {
    findings.push({
      role: 'approver',
      problem: 'SELF_APPROVAL',
      message: 'the approver is the author: two different operators must sign',
    });
    delete good.approver;
  }
  verified.author = good.author !== undefined;
  verified.approver = good.approver !== undefined;
  return { ok: verified.author && verified.approver, verified, findings };
}

function checkOne(
  version: StoredVersion,
  digest: PolicyVersion,
  role: SignerRole,
  s: StoredSignature,
  certificate: (sha256: string) => EnrolledCertificate | undefined,
  verify: SignatureVerifier,
): SignatureFinding | undefined {
  const fail = (problem: SignatureProblem, message: string): SignatureFinding => ({ role, problem, message });
  const parsed = DsseEnvelopeSchema.safeParse(s.envelope);
  if (!parsed.success) return fail('ENVELOPE_INVALID', 'the stored signature is not a DSSE envelope');
  const env: DsseEnvelope = parsed.data;
  const opened = openEnvelope(env);
  if (!opened || env.payloadType !== POLICY_SIGNATURE_PAYLOAD_TYPE)
    return fail('ENVELOPE_INVALID', 'the envelope payload is not a policy signature statement');
  const expected = statementBytes({
    _type: 'arx.policy-signature/v1',
    role,
    tenantId: version.tenantId,
    policyId: version.policyId,
    version: digest,
  });
  if (!bytesEqual(opened.payload, expected)) {
    return fail(
      'STATEMENT_MISMATCH',
      `the signed statement is not "${role} of version ${digest.sha256} in this tenant and policy"`,
    );
  }
  const sig = env.signatures.find((x) => x.keyid === s.certificateSha256);
  if (!sig) return fail('ENVELOPE_INVALID', 'the envelope has no signature by the recorded certificate');
  const cert = certificate(s.certificateSha256);
  if (!cert || cert.usage !== 'signature')
    return fail(
      'CERTIFICATE_NOT_ENROLLED',
      `certificate ${s.certificateSha256.slice(0, 16)}… is not an enrolled signing certificate`,
    );
  if (cert.operatorId !== s.operatorId)
    return fail('CERTIFICATE_OTHER_OPERATOR', 'the signing certificate is enrolled for another operator');
  if (!cert.operatorActive) return fail('OPERATOR_DISABLED', 'the signer is disabled');
  if (!cert.roles.includes(REQUIRED_ROLE[role]))
    return fail('ROLE_MISSING', `the signer does not hold the ${REQUIRED_ROLE[role]} role in this tenant`);
  const sigBytes = fromBase64(sig.sig);
  if (!sigBytes || !verify(cert.der, opened.signingInput, sigBytes))
    return fail('SIGNATURE_INVALID', 'the signature does not verify with the enrolled certificate');
  return undefined;
}

/**
 * The version to load for decisions: the newest publication whose version passes
 * `checkSignedVersion`. Publications are given newest first; refused ones are reported, and an
 * older good one stays in force (the previous good version stays active).
 */
export function selectVerifiedPublication<P extends { sha256: string }>(
  newestFirst: readonly P[],
  check: (p: P) => SignatureCheck,
): { chosen: P | null; refused: { publication: P; check: SignatureCheck }[] } {
  const refused: { publication: P; check: SignatureCheck }[] = [];
  for (const p of newestFirst) {
    const c = check(p);
    if (c.ok) return { chosen: p, refused };
    refused.push({ publication: p, check: c });
  }
  return { chosen: null, refused };
}

/** A publication with everything needed to check it: the signed publication and its version with its signatures. */
export interface PublicationCandidate {
  publication: StoredPublication;
  version: StoredVersion | null;
  signatures: readonly StoredSignature[];
}

export interface SignedPolicy<P extends PublicationCandidate> {
  engine: PolicyEngine;
  publication: P;
  refused: { publication: P; reasons: string[] }[];
}

/**
 * The gateway's only way from stored publications to a PolicyEngine. The publications must form a
 * verified chain (`verifiedPublicationChain`: each signed, sequence contiguous from 0, each naming
 * the one before as previous); a publication that breaks it is refused with every later one. Of
 * the verified publications, the newest whose version passes `checkSignedVersion` and compiles is
 * loaded; newer ones are refused with their reasons, so an older good version stays in force.
 * Candidates are given newest first; none passing → `ok: false` with the reasons per publication.
 */
export function loadSignedPolicy<P extends PublicationCandidate>(
  cedar: CedarBindings,
  newestFirst: readonly P[],
  certificate: (sha256: string) => EnrolledCertificate | undefined,
  verify: SignatureVerifier,
): { ok: true; value: SignedPolicy<P> } | { ok: false; refused: { publication: P; reasons: string[] }[] } {
  const byPublication = new Map(newestFirst.map((c) => [c.publication, c]));
  const oldestFirst = [...newestFirst].reverse().map((c) => c.publication);
  const chain = verifiedPublicationChain(oldestFirst, certificate, verify);
  const refused: { publication: P; reasons: string[] }[] = chain.refused
    .map((r) => ({ publication: byPublication.get(r.publication)!, reasons: [r.reason] }))
    .reverse();
  for (const pub of [...chain.verified].reverse()) {
    const p = byPublication.get(pub)!;
    const reasons: string[] = [];
    if (!p.version || p.version.sha256 !== pub.version.sha256)
      reasons.push('VERSION_MISSING: the published version is missing');
    else {
      const c = checkSignedVersion(p.version, p.signatures, certificate, verify);
      if (!c.ok) reasons.push(...c.findings.map((f) => `${f.problem}${f.role ? ` (${f.role})` : ''}: ${f.message}`));
    }
    if (reasons.length === 0 && p.version) {
      const compiled = compilePolicySet(cedar, p.version.text, { schema: p.version.schema, tests: p.version.tests });
      if (compiled.ok && compiled.value.version.sha256 === p.version.sha256)
        return { ok: true, value: { engine: compiled.value, publication: p, refused } };
      reasons.push(`COMPILE_FAILED: ${compiled.ok ? 'the compiled digest differs' : compiled.error.message}`);
    }
    refused.push({ publication: p, reasons });
  }
  return { ok: false, refused };
}
