import type pg from 'pg';
import { fromBase64 } from '../../../shared/bytes';
import { ArxFailure, commands, declaredRoles, type OperatorSession } from '../../../shared/contract';
import { openFidelityCertificate, type FidelityStatement } from '../../../shared/review';
import { sharedDigestPool } from '../chain/digest-pool';
import { verifyTenantChain } from '../chain/tenant-chain-verifier';
import { reviewEventOf } from '../controlplane/repos/reviews';
import { tenantById } from '../controlplane/repos/tenants';
import { withTenant } from '../controlplane/tenant-session';
import { loadBlake3 } from '../crypto/blake3';
import type { TrustStore } from '../pki/trust-store';
import type { ValidationPolicy } from '../pki/validate';
import { sha256Hex, verifyCardSignature } from './card-signature';
import { judgeReviewPq } from '../companion/pq-signature';
import type { PqResult } from '../../../shared/companion';
import { summaryOf, type CertificateSummary } from './certificate-summary';
import { rangeDigests } from './range-digest';
import { checkSigner, type SignerReport } from './signer-check';
import { writerTrustOf, type WriterTrust } from '../chain/writer-check';

/** Roles that may list and verify certificates: review.list's declaration in the contract. */
export const READ_ROLES: ReadonlySet<string> = new Set(declaredRoles(commands['review.list'].access));

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skipped';
export interface CertificateCheck {
  id: 'envelope' | 'signature' | 'pq-signature' | 'signer-path' | 'signer-revocation' | 'chain' | 'audit-event';
  status: CheckStatus;
  code: string | null;
  message: string;
}

export interface CertificateVerification {
  valid: boolean;
  /** The first failing check's code, or null. */
  code: string | null;
  checks: CertificateCheck[];
  certificate: CertificateSummary | null;
  signer: {
    subject: string;
    issuer: string;
    serialNumber: string;
    notBefore: string;
    notAfter: string;
    path: string[];
  } | null;
  auditEvent: { seq: number; time: string } | null;
  /** The ML-DSA-87 companion signature, judged apart from the card's. */
  pq?: PqResult;
}

export interface VerifyDeps {
  pool: () => pg.Pool;
  trustStore: () => TrustStore;
  policy: ValidationPolicy;
}

type Verified = CertificateVerification & { report: SignerReport | null };
type AuditEvent = CertificateVerification['auditEvent'];

const check = (
  id: CertificateCheck['id'],
  status: CheckStatus,
  code: string | null,
  message: string,
): CertificateCheck => ({ id, status, code, message });

function finish(
  checks: CertificateCheck[],
  certificate: CertificateSummary | null,
  signer: SignerReport | null,
  auditEvent: AuditEvent,
): Verified {
  const failed = checks.find((c) => c.status === 'fail');
  return {
    valid: !failed,
    code: failed?.code ?? null,
    checks,
    certificate,
    signer: signer
      ? {
          subject: signer.subject,
          issuer: signer.issuer,
          serialNumber: signer.serialNumber,
          notBefore: signer.notBefore,
          notAfter: signer.notAfter,
          path: signer.chain.map((c) => c.subject),
        }
      : null,
    auditEvent,
    report: signer,
  };
}

/** The signer's path and revocation at signing time. */
async function signerChecks(deps: VerifyDeps, certDer: Uint8Array, signedAt: Date, checks: CertificateCheck[]) {
  try {
    const signer = await checkSigner(certDer, deps.trustStore(), deps.policy, signedAt);
    checks.push(check('signer-path', signer.path.status, signer.path.code, signer.path.message));
    checks.push(
      check('signer-revocation', signer.revocation.status, signer.revocation.code, signer.revocation.message),
    );
    return signer;
  } catch (err) {
    const code = err instanceof ArxFailure ? err.code : 'REVIEW_SIGNER_UNTRUSTED';
    checks.push(
      check(
        'signer-path',
        'fail',
        code === 'CARD_TRUST_NOT_CONFIGURED' ? code : 'REVIEW_SIGNER_UNTRUSTED',
        (err as Error).message,
      ),
    );
    return null;
  }
}

/** The companion signature as a check: absent is no failure unless required; present and wrong always is. */
function pqCheck(pq: PqResult, required: boolean): CertificateCheck {
  if (pq.state === 'valid')
    return check(
      'pq-signature',
      'pass',
      null,
      `The ML-DSA-87 signature verifies with companion key ${pq.keyId!.slice(0, 16)}…, attested by the reviewer's card.`,
    );
  if (pq.state === 'invalid') return check('pq-signature', 'fail', pq.code, pq.message ?? '');
  const message = 'No ML-DSA-87 companion signature: the certificate is signed classically only.';
  return check('pq-signature', required ? 'fail' : 'skipped', pq.code, message);
}

/** What no longer matches the statement's digests in the chain as it is today. */
function changedDigests(st: FidelityStatement, d: Awaited<ReturnType<typeof rangeDigests>>): string[] {
  const a = st.subject[0]!.annotations;
  const changed: string[] = [];
  if (d.root !== st.subject[0]!.digest.sha256) changed.push(`the SHA-256 root of seq 0…${a.toSeq} is now ${d.root}`);
  if (d.head !== st.subject[0]!.digest.blake3) changed.push(`the chain hash at seq ${a.toSeq} is now ${d.head}`);
  if (d.previousHead !== a.previousHead)
    changed.push(`the chain hash before seq ${a.fromSeq} is now ${d.previousHead}`);
  return changed;
}

/**
 * Whether the chain today still holds the reviewed range (digests, and a verification that is not
 * newly broken), and the review's audit event; null when the tenant is not in this control plane.
 */
async function chainToday(
  pool: pg.Pool,
  st: FidelityStatement,
  checks: CertificateCheck[],
  writerTrust: WriterTrust | null,
) {
  const a = st.subject[0]!.annotations;
  const p = st.predicate;
  const b3 = await loadBlake3();
  const today = await withTenant(pool, a.tenantId, async (c) => {
    if (!(await tenantById(c, a.tenantId))) return null;
    const d = await rangeDigests(c, a.tenantId, a.fromSeq, a.toSeq, b3);
    return { d, ev: await reviewEventOf(c, a.tenantId, p.reviewId) };
  });
  if (!today) {
    checks.push(
      check('chain', 'skipped', 'REVIEW_CHAIN_UNAVAILABLE', 'The reviewed tenant is not in this control plane.'),
    );
    return null;
  }
  const changed = changedDigests(st, today.d);
  let nowBroken = 0;
  if (changed.length === 0) {
    const r = await verifyTenantChain(pool, a.tenantId, {
      range: { kind: 'seq', from: a.fromSeq, to: a.toSeq },
      blake3: b3,
      pool: sharedDigestPool(),
      writerTrust,
    });
    if (r.verdict === 'broken' && p.verification.verdict === 'intact') nowBroken = r.errors.length;
  }
  if (changed.length > 0 || nowBroken > 0) {
    const message = changed.length
      ? `The chain no longer matches the statement: ${changed.join('; ')}.`
      : `The digests still match, but the range no longer verifies today (${nowBroken} problem(s)).`;
    checks.push(check('chain', 'fail', 'REVIEW_CHAIN_CHANGED', message));
  } else {
    const message = `The chain today still has the reviewed root, head and predecessor for seq ${a.fromSeq}–${a.toSeq}, and the range verifies as it did.`;
    checks.push(check('chain', 'pass', null, message));
  }
  return { ev: today.ev };
}

function auditEventCheck(ev: { seq: number; time: Date } | null, checks: CertificateCheck[]): AuditEvent {
  if (!ev) {
    const message =
      'No com.arx.review.signed event names this review in the tenant chain (an imported certificate, or one stored elsewhere).';
    checks.push(check('audit-event', 'warn', 'REVIEW_EVENT_MISSING', message));
    return null;
  }
  const auditEvent = { seq: ev.seq, time: ev.time.toISOString() };
  checks.push(
    check('audit-event', 'pass', null, `Recorded in the chain as event ${auditEvent.seq} (com.arx.review.signed).`),
  );
  return auditEvent;
}

/**
 * Verifies a certificate: the envelope and statement, the DSSE signature, the signer's path and
 * revocation at signing time, whether the statement still matches the chain today, and its audit
 * event. Every check runs and is reported; the first failure gives the code.
 */
export async function verifyCertificate(
  deps: VerifyDeps,
  s: OperatorSession,
  envelope: unknown,
  opts: { requirePq?: boolean } = {},
): Promise<Verified> {
  const checks: CertificateCheck[] = [];
  const opened = openFidelityCertificate(envelope);
  if (!opened.ok) {
    checks.push(
      check('envelope', 'fail', opened.code, `${opened.message}${opened.path ? ` (at ${opened.path})` : ''}`),
    );
    return finish(checks, null, null, null);
  }
  const envelopeMessage =
    'A DSSE envelope with one signature over an in-toto Statement v1 of the fidelity-certificate type.';
  checks.push(check('envelope', 'pass', null, envelopeMessage));
  const st = opened.statement;
  const p = st.predicate;
  const a = st.subject[0]!.annotations;
  const certDer = fromBase64(p.reviewer.certificate);
  const summary = summaryOf(st, p.verification.tenant.slug, p.reviewedAt);
  if (!certDer || sha256Hex(certDer) !== p.reviewer.certificateSha256) {
    const message = "The reviewer's certificate in the statement is not the one named by its SHA-256 and keyid.";
    checks.push(check('signature', 'fail', 'REVIEW_CERTIFICATE_MISMATCH', message));
    return finish(checks, summary, null, null);
  }
  const sig = fromBase64(opened.envelope.signatures[0]!.sig);
  if (!sig || !verifyCardSignature(certDer, opened.signingInput, sig)) {
    const message =
      "The signature does not verify over the statement with the reviewer's certificate: the statement or the signature was changed after signing.";
    checks.push(check('signature', 'fail', 'REVIEW_SIGNATURE_INVALID', message));
  } else {
    const message = `The signature verifies over the DSSE PAE of the statement (SHA-256 ${sha256Hex(opened.payload).slice(0, 16)}…).`;
    checks.push(check('signature', 'pass', null, message));
  }
  const pq = judgeReviewPq(opened.envelope, st, opened.signingInput, certDer);
  checks.push(pqCheck(pq, opts.requirePq === true));
  const signer = await signerChecks(deps, certDer, new Date(p.reviewedAt), checks);

  // The chain today: only where this operator may read the tenant.
  if (!s.roles.some((r) => r.tenantId === a.tenantId && READ_ROLES.has(r.role))) {
    const message = 'The reviewed tenant is not one you may read here: the chain was not compared.';
    checks.push(check('chain', 'skipped', 'REVIEW_CHAIN_UNAVAILABLE', message));
    checks.push(check('audit-event', 'skipped', null, 'Not looked up (tenant not readable here).'));
    return { ...finish(checks, summary, signer, null), pq };
  }
  const today = await chainToday(deps.pool(), st, checks, writerTrustOf(deps.trustStore, deps.policy));
  if (!today) return { ...finish(checks, summary, signer, null), pq };
  return { ...finish(checks, summary, signer, auditEventCheck(today.ev, checks)), pq };
}
