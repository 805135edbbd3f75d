import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type pg from 'pg';
import { fromBase64, toBase64 } from '../../../shared/bytes';
import {
  ArxFailure,
  commands,
  declaredRoles,
  requireOperator,
  requireRole,
  type OperatorSession,
} from '../../../shared/contract';
import { envelopeOf, pae } from '../../../shared/dsse';
import { eventTime } from '../../../shared/events';
import {
  FIDELITY_PAYLOAD_TYPE,
  FIDELITY_PREDICATE_TYPE,
  fidelityPayload,
  FidelityStatementSchema,
  INTOTO_STATEMENT_V1,
  openFidelityCertificate,
  type DecisionReverificationSummary,
  type FidelityEnvelope,
  type FidelityStatement,
} from '../../../shared/review';
import { sharedDigestPool } from '../chain/digest-pool';
import { verifyTenantChain } from '../chain/tenant-chain-verifier';
import { toVerifyResult } from '../chain/verify-jobs';
import { loadBlake3 } from '../crypto/blake3';
import type { OfflineWrites } from '../cache/offline';
import { ChainWriter } from '../controlplane/chain-writer';
import { chainSize } from '../controlplane/repos/events';
import { signingCertificateOf } from '../controlplane/repos/operators';
import { reviewCertificates, reviewEnvelope, reviewEventOf } from '../controlplane/repos/reviews';
import { tenantById } from '../controlplane/repos/tenants';
import { withTenant } from '../controlplane/tenant-session';
import type { OperatorSignature } from '../card/operator-auth';
import type { TrustStore } from '../pki/trust-store';
import type { ValidationPolicy } from '../pki/validate';
import { sha256, sha256Hex, verifyCardSignature } from './card-signature';
import { rangeDigests } from './range-digest';
import { reverifyDecisions, type DecisionReverification } from './reverify';
import { insertCertificate, queuedReviewSummary, reviewSignedEvent, type QueuedReview } from './outbox-delivery';
import { checkSigner, type SignerReport } from './signer-check';

/**
 * Fidelity certificates: an ISSO's review of a range, prepared in main
 * (chain verification, decision re-verification and the range digests all computed here, never
 * taken from the renderer), shown, signed on the card over the DSSE PAE, stored with its audit
 * event in one transaction; and the verification of any certificate, stored or imported.
 */

/** Roles that may list and verify certificates: review.list's declaration in the contract. */
export const READ_ROLES: ReadonlySet<string> = new Set(declaredRoles(commands['review.list'].access));

export interface ReviewServiceDeps {
  pool: () => pg.Pool;
  session: () => OperatorSession | null;
  sign: (purpose: string, digest: Uint8Array, pin: string | null) => Promise<OperatorSignature>;
  trustStore: () => TrustStore;
  policy: ValidationPolicy;
  /** A finished decision re-verification by job id (the Decisions tab's), or undefined. */
  reverifyResult?: (jobId: string, owner: string) => DecisionReverification | undefined;
  /**
   * Signing while the control plane is unreachable, through the encrypted local
   * cache: drafts are also sealed there (they survive a restart), and a review signed offline goes
   * to its outbox (kind `review.signed`, electron/main/review/outbox-delivery.ts). Without it a
   * review can only be signed online.
   */
  offline?: OfflineSigning;
  now?: () => Date;
}

export interface OfflineSigning {
  /** Store or queue (review.sign is declared offline: 'queue'; the registry refuses it before the PIN when nothing could be queued). */
  writes: Pick<OfflineWrites, 'connected' | 'storeOrQueue'>;
  enqueue: (payload: QueuedReview, summary: string) => { id: string };
  putDraft: (draftId: string, draft: SealedDraft | { used: true }) => void;
  getDraft: (draftId: string) => SealedDraft | { used: true } | null;
}

/** A draft as sealed in the local cache: the exact statement bytes (the statement is parsed from them). */
export interface SealedDraft {
  payload: string;
  owner: string;
  expires: number;
}

export type SignedReview = CertificateSummary & { delivery: 'stored' | 'queued'; outboxItemId: string | null };

export interface ReviewDraft {
  draftId: string;
  statement: FidelityStatement;
  /** SHA-256 of the payload (the statement's bytes) and of the PAE the card signs the SHA-256 of. */
  payloadSha256: string;
  signingInputSha256: string;
}

interface StoredDraft extends ReviewDraft {
  payload: Uint8Array;
  owner: string;
  expires: number;
}

export interface CertificateSummary {
  id: string;
  tenantId: string;
  tenantSlug: string;
  fromSeq: number;
  toSeq: number;
  verdict: 'intact' | 'broken';
  reviewedAt: string;
  reviewer: { displayName: string; edipi: string; certificateSha256: string };
  subject: { sha256: string; blake3: string };
  problems: number;
  decisions: { total: number; mismatched: number; unverifiable: number; withErrors: number } | null;
  createdAt: string;
}

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skipped';
export interface CertificateCheck {
  id: 'envelope' | 'signature' | 'signer-path' | 'signer-revocation' | 'chain' | 'audit-event';
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
}

const DRAFT_TTL_MS = 15 * 60_000;
const CONSOLE_SOURCE = `/arx/console/${hostname().replace(/[^A-Za-z0-9._-]/g, '-') || 'host'}`;

export class ReviewService {
  private readonly drafts = new Map<string, StoredDraft>();
  private readonly now: () => Date;
  constructor(private readonly deps: ReviewServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** The operator acting; session and roles were checked by the registry (contract declarations). */
  private operator(): OperatorSession {
    return requireOperator(this.deps.session());
  }

  /** Everything a reviewer signs, computed here; the renderer shows it and then asks for the PIN. */
  async prepare(req: {
    tenantId: string;
    fromSeq: number;
    toSeq: number;
    reverifyJobId: string | null;
  }): Promise<ReviewDraft> {
    const s = this.operator();
    const pool = this.deps.pool();
    if (req.toSeq < req.fromSeq)
      throw new ArxFailure('REVIEW_RANGE_INVALID', `toSeq ${req.toSeq} is before fromSeq ${req.fromSeq}.`, {
        path: 'toSeq',
      });
    const b3 = await loadBlake3();
    const { tenant, size, signingCert } = await withTenant(pool, req.tenantId, async (c) => {
      return {
        tenant: await tenantById(c, req.tenantId),
        size: await chainSize(c, req.tenantId),
        signingCert: await signingCertificateOf(c, s.operatorId),
      };
    });
    if (!tenant) throw new ArxFailure('NOT_FOUND', `No tenant ${req.tenantId}.`, { tenantId: req.tenantId });
    if (req.toSeq >= size)
      throw new ArxFailure(
        'REVIEW_RANGE_INVALID',
        `The chain has ${size} events: seq ${req.toSeq} does not exist yet.`,
        { path: 'toSeq', size },
      );
    if (!signingCert)
      throw new ArxFailure(
        'REVIEW_SIGNER_NOT_ENROLLED',
        'No Digital Signature certificate is enrolled for you: a review cannot be signed.',
      );

    const report = await verifyTenantChain(pool, req.tenantId, {
      range: { kind: 'seq', from: req.fromSeq, to: req.toSeq },
      blake3: b3,
      pool: sharedDigestPool(),
    });
    const { jobId: _job, ...verification } = toVerifyResult(`vj-${randomBytes(8).toString('hex')}`, tenant, report);
    void _job;

    let decisions: DecisionReverification;
    if (req.reverifyJobId !== null) {
      const r = this.deps.reverifyResult?.(req.reverifyJobId, s.operatorId);
      if (!r)
        throw new ArxFailure('REVIEW_JOB_UNKNOWN', `No finished decision re-verification ${req.reverifyJobId}.`, {
          path: 'reverifyJobId',
        });
      if (r.tenantId !== req.tenantId || r.fromSeq !== req.fromSeq || r.toSeq !== req.toSeq) {
        throw new ArxFailure(
          'REVIEW_DECISIONS_RANGE_MISMATCH',
          `That re-verification covered seq ${r.fromSeq}–${r.toSeq}, not the reviewed range ${req.fromSeq}–${req.toSeq}.`,
          {
            path: 'reverifyJobId',
          },
        );
      }
      decisions = r;
    } else {
      decisions = await reverifyDecisions(pool, req.tenantId, { from: req.fromSeq, to: req.toSeq, cap: 200 });
    }
    const digests = await withTenant(pool, req.tenantId, (c) =>
      rangeDigests(c, req.tenantId, req.fromSeq, req.toSeq, b3),
    );

    const summary: DecisionReverificationSummary = {
      fromSeq: decisions.fromSeq,
      toSeq: decisions.toSeq,
      total: decisions.total,
      matched: decisions.matched,
      mismatched: decisions.mismatched,
      withErrors: decisions.withErrors,
      unverifiable: decisions.unverifiable,
      mismatches: decisions.mismatches,
      errored: decisions.errored,
      omitted: decisions.omitted,
    };
    const intact = verification.verdict === 'intact' && decisions.mismatched === 0 && decisions.unverifiable === 0;
    const statement: FidelityStatement = {
      _type: INTOTO_STATEMENT_V1,
      subject: [
        {
          name: `arx-chain:${req.tenantId}:${req.fromSeq}-${req.toSeq}`,
          digest: { sha256: digests.root, blake3: digests.head },
          annotations: {
            tenantId: req.tenantId,
            fromSeq: req.fromSeq,
            toSeq: req.toSeq,
            treeSize: req.toSeq + 1,
            previousHead: digests.previousHead,
          },
        },
      ],
      predicateType: FIDELITY_PREDICATE_TYPE,
      predicate: {
        reviewId: randomUUID(),
        reviewedAt: eventTime(this.now()),
        reviewer: {
          operatorId: s.operatorId,
          edipi: s.edipi,
          displayName: s.displayName,
          certificateSha256: signingCert.sha256,
          certificate: toBase64(new Uint8Array(signingCert.der)),
          roles: [...new Set(s.roles.filter((r) => r.tenantId === req.tenantId).map((r) => r.role))].sort(),
        },
        verification,
        decisions: summary,
        policyVersions: decisions.policyVersions,
        verdict: intact ? 'intact' : 'broken',
      },
    };
    const payload = fidelityPayload(statement);
    const draft: StoredDraft = {
      draftId: randomUUID(),
      statement,
      payload,
      payloadSha256: sha256Hex(payload),
      signingInputSha256: sha256Hex(pae(FIDELITY_PAYLOAD_TYPE, payload)),
      owner: s.operatorId,
      expires: Date.now() + DRAFT_TTL_MS,
    };
    for (const [id, d] of this.drafts) if (d.expires < Date.now()) this.drafts.delete(id);
    this.drafts.set(draft.draftId, draft);
    this.sealDraft(draft.draftId, { payload: toBase64(payload), owner: draft.owner, expires: draft.expires });
    return {
      draftId: draft.draftId,
      statement,
      payloadSha256: draft.payloadSha256,
      signingInputSha256: draft.signingInputSha256,
    };
  }

  /** Best effort: a draft that is not sealed is still signable from memory while the console runs. */
  private sealDraft(draftId: string, value: SealedDraft | { used: true }): void {
    try {
      this.deps.offline?.putDraft(draftId, value);
    } catch {
      // cache locked or damaged: the in-memory draft is enough
    }
  }

  /** The draft from memory, or (after a restart) from the cache. */
  private findDraft(draftId: string): StoredDraft | undefined {
    const mem = this.drafts.get(draftId);
    if (mem) return mem;
    let sealed: SealedDraft | { used: true } | null = null;
    try {
      sealed = this.deps.offline?.getDraft(draftId) ?? null;
    } catch {
      return undefined;
    }
    if (!sealed || 'used' in sealed) return undefined;
    const payload = fromBase64(sealed.payload);
    if (!payload) return undefined;
    let statement: FidelityStatement;
    try {
      const opened = FidelityStatementSchema.safeParse(JSON.parse(new TextDecoder().decode(payload)));
      if (!opened.success) return undefined;
      statement = opened.data;
    } catch {
      return undefined;
    }
    return {
      draftId,
      statement,
      payload,
      payloadSha256: sha256Hex(payload),
      signingInputSha256: sha256Hex(pae(FIDELITY_PAYLOAD_TYPE, payload)),
      owner: sealed.owner,
      expires: sealed.expires,
    };
  }

  private forgetDraft(draftId: string): void {
    this.drafts.delete(draftId);
    this.sealDraft(draftId, { used: true });
  }

  /**
   * Signs a prepared draft on the card (PIN for this signature), stores it and records it in the
   * tenant's chain, atomically. With the control plane unreachable (not connected, or the write
   * fails with a transient error) the signed envelope goes to the outbox instead and is delivered
   * once when it is back (`delivery: 'queued'`).
   */
  async sign(req: { draftId: string; pin: string }): Promise<SignedReview> {
    const s = this.operator();
    const draft = this.findDraft(req.draftId);
    if (!draft || draft.owner !== s.operatorId || draft.expires < Date.now()) {
      throw new ArxFailure(
        'REVIEW_DRAFT_UNKNOWN',
        'This review is no longer prepared (it expired or belongs to another session): prepare it again.',
        { path: 'draftId' },
      );
    }
    const st = draft.statement;
    const a = st.subject[0]!.annotations;
    const tenantId = a.tenantId;
    // The registry cannot see the draft's tenant: review.sign's declaration is applied to it here.
    requireRole(s, declaredRoles(commands['review.sign'].access), tenantId, { command: 'review.sign' });
    const offline = this.deps.offline;
    const online = offline ? offline.writes.connected() : true;
    const signingInput = pae(FIDELITY_PAYLOAD_TYPE, draft.payload);
    const purpose = `Fidelity certificate: review of ${st.predicate.verification.tenant.slug} seq ${a.fromSeq}–${a.toSeq} (${st.predicate.verdict})`;
    const signature = await this.deps.sign(purpose, sha256(signingInput), req.pin);
    if (signature.certificateSha256 !== st.predicate.reviewer.certificateSha256) {
      throw new ArxFailure(
        'REVIEW_SIGNER_MISMATCH',
        'The card signed with a certificate other than your enrolled Digital Signature certificate; nothing was stored.',
        {
          signed: signature.certificateSha256,
          enrolled: st.predicate.reviewer.certificateSha256,
        },
      );
    }
    if (!verifyCardSignature(signature.certificateDer, signingInput, signature.signature)) {
      throw new ArxFailure(
        'REVIEW_SIGNATURE_INVALID',
        'The signature the card returned does not verify; nothing was stored.',
      );
    }
    const envelope = envelopeOf(FIDELITY_PAYLOAD_TYPE, draft.payload, [
      { keyid: signature.certificateSha256, sig: signature.signature },
    ]) as FidelityEnvelope;
    const summary = summaryOf(st, st.predicate.verification.tenant.slug, this.now().toISOString());
    const queue = (): SignedReview => {
      const item = offline!.enqueue(
        { v: 1, envelope, operatorId: s.operatorId, edipi: s.edipi },
        queuedReviewSummary(st),
      );
      this.forgetDraft(req.draftId);
      return { ...summary, delivery: 'queued', outboxItemId: item.id };
    };
    const store = () => storeCertificate(this.deps.pool(), envelope, st, s);
    // Unreachable (before, or a write that failed before or during its commit): the outbox delivers
    // it later; the rare commit that did land without an answer is refused there as REVIEW_ALREADY_STORED.
    const queued = offline ? await offline.writes.storeOrQueue(online, store, queue) : (await store(), null);
    if (queued) return queued.queued;
    this.forgetDraft(req.draftId);
    return { ...summary, delivery: 'stored', outboxItemId: null };
  }

  async list(req: { tenantId: string }): Promise<CertificateSummary[]> {
    return withTenant(this.deps.pool(), req.tenantId, async (c) => {
      const rows = await reviewCertificates(c, req.tenantId, 500);
      const t = await tenantById(c, req.tenantId);
      const out: CertificateSummary[] = [];
      for (const row of rows) {
        const o = openFidelityCertificate(row.envelope);
        if (o.ok) out.push({ ...summaryOf(o.statement, t?.slug ?? '', row.createdAt.toISOString()), id: row.id });
      }
      return out;
    });
  }

  /** The stored envelope of a certificate (JSON text, as exported and imported). */
  async envelopeText(id: string, tenantId: string): Promise<string> {
    return withTenant(this.deps.pool(), tenantId, async (c) => {
      const e = await reviewEnvelope<FidelityEnvelope>(c, tenantId, id);
      if (!e) throw new ArxFailure('REVIEW_NOT_FOUND', `No fidelity certificate ${id} in this tenant.`, { id });
      // The DSSE field order, whatever order jsonb returned the keys in.
      return JSON.stringify(
        {
          payloadType: e.payloadType,
          payload: e.payload,
          signatures: e.signatures.map((x) => ({ keyid: x.keyid, sig: x.sig })),
        },
        null,
        2,
      );
    });
  }

  /**
   * Verifies a certificate: the envelope and statement, the DSSE signature, the signer's path and
   * revocation at signing time, whether the statement still matches the chain today, and its audit
   * event. Every check runs and is reported; the first failure gives the code.
   */
  async verify(input: { envelope: unknown }): Promise<CertificateVerification & { report: SignerReport | null }> {
    const s = this.operator();
    const checks: CertificateCheck[] = [];
    const finish = (
      certificate: CertificateSummary | null,
      signer: SignerReport | null,
      auditEvent: CertificateVerification['auditEvent'],
    ) => {
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
    };
    const opened = openFidelityCertificate(input.envelope);
    if (!opened.ok) {
      checks.push({
        id: 'envelope',
        status: 'fail',
        code: opened.code,
        message: `${opened.message}${opened.path ? ` (at ${opened.path})` : ''}`,
      });
      return finish(null, null, null);
    }
    checks.push({
      id: 'envelope',
      status: 'pass',
      code: null,
      message: 'A DSSE envelope with one signature over an in-toto Statement v1 of the fidelity-certificate type.',
    });
    const st = opened.statement;
    const p = st.predicate;
    const a = st.subject[0]!.annotations;
    const certDer = fromBase64(p.reviewer.certificate);
    const summary = summaryOf(st, p.verification.tenant.slug, p.reviewedAt);
    if (!certDer || sha256Hex(certDer) !== p.reviewer.certificateSha256) {
      checks.push({
        id: 'signature',
        status: 'fail',
        code: 'REVIEW_CERTIFICATE_MISMATCH',
        message: "The reviewer's certificate in the statement is not the one named by its SHA-256 and keyid.",
      });
      return finish(summary, null, null);
    }
    const sig = fromBase64(opened.envelope.signatures[0]!.sig);
    if (!sig || !verifyCardSignature(certDer, opened.signingInput, sig)) {
      checks.push({
        id: 'signature',
        status: 'fail',
        code: 'REVIEW_SIGNATURE_INVALID',
        message:
          "The signature does not verify over the statement with the reviewer's certificate: the statement or the signature was changed after signing.",
      });
    } else {
      checks.push({
        id: 'signature',
        status: 'pass',
        code: null,
        message: `The signature verifies over the DSSE PAE of the statement (SHA-256 ${sha256Hex(opened.payload).slice(0, 16)}…).`,
      });
    }

    const signedAt = new Date(p.reviewedAt);
    let signer: SignerReport | null = null;
    try {
      signer = await checkSigner(certDer, this.deps.trustStore(), this.deps.policy, signedAt);
      checks.push({
        id: 'signer-path',
        status: signer.path.status,
        code: signer.path.code,
        message: signer.path.message,
      });
      checks.push({
        id: 'signer-revocation',
        status: signer.revocation.status,
        code: signer.revocation.code,
        message: signer.revocation.message,
      });
    } catch (err) {
      const code = err instanceof ArxFailure ? err.code : 'REVIEW_SIGNER_UNTRUSTED';
      checks.push({
        id: 'signer-path',
        status: 'fail',
        code: code === 'CARD_TRUST_NOT_CONFIGURED' ? code : 'REVIEW_SIGNER_UNTRUSTED',
        message: (err as Error).message,
      });
    }

    // The chain today: only where this operator may read the tenant.
    let auditEvent: CertificateVerification['auditEvent'] = null;
    if (!s.roles.some((r) => r.tenantId === a.tenantId && READ_ROLES.has(r.role))) {
      checks.push({
        id: 'chain',
        status: 'skipped',
        code: 'REVIEW_CHAIN_UNAVAILABLE',
        message: 'The reviewed tenant is not one you may read here: the chain was not compared.',
      });
      checks.push({
        id: 'audit-event',
        status: 'skipped',
        code: null,
        message: 'Not looked up (tenant not readable here).',
      });
      return finish(summary, signer, null);
    }
    const pool = this.deps.pool();
    const b3 = await loadBlake3();
    const today = await withTenant(pool, a.tenantId, async (c) => {
      if (!(await tenantById(c, a.tenantId))) return null;
      const d = await rangeDigests(c, a.tenantId, a.fromSeq, a.toSeq, b3);
      return { d, ev: await reviewEventOf(c, a.tenantId, p.reviewId) };
    });
    if (!today) {
      checks.push({
        id: 'chain',
        status: 'skipped',
        code: 'REVIEW_CHAIN_UNAVAILABLE',
        message: 'The reviewed tenant is not in this control plane.',
      });
      return finish(summary, signer, null);
    }
    const changed: string[] = [];
    if (today.d.root !== st.subject[0]!.digest.sha256)
      changed.push(`the SHA-256 root of seq 0…${a.toSeq} is now ${today.d.root}`);
    if (today.d.head !== st.subject[0]!.digest.blake3)
      changed.push(`the chain hash at seq ${a.toSeq} is now ${today.d.head}`);
    if (today.d.previousHead !== a.previousHead)
      changed.push(`the chain hash before seq ${a.fromSeq} is now ${today.d.previousHead}`);
    let nowBroken = 0;
    if (changed.length === 0) {
      const r = await verifyTenantChain(pool, a.tenantId, {
        range: { kind: 'seq', from: a.fromSeq, to: a.toSeq },
        blake3: b3,
        pool: sharedDigestPool(),
      });
      if (r.verdict === 'broken' && p.verification.verdict === 'intact') nowBroken = r.errors.length;
    }
    if (changed.length > 0 || nowBroken > 0) {
      checks.push({
        id: 'chain',
        status: 'fail',
        code: 'REVIEW_CHAIN_CHANGED',
        message: changed.length
          ? `The chain no longer matches the statement: ${changed.join('; ')}.`
          : `The digests still match, but the range no longer verifies today (${nowBroken} problem(s)).`,
      });
    } else {
      checks.push({
        id: 'chain',
        status: 'pass',
        code: null,
        message: `The chain today still has the reviewed root, head and predecessor for seq ${a.fromSeq}–${a.toSeq}, and the range verifies as it did.`,
      });
    }
    if (today.ev) {
      auditEvent = { seq: today.ev.seq, time: today.ev.time.toISOString() };
      checks.push({
        id: 'audit-event',
        status: 'pass',
        code: null,
        message: `Recorded in the chain as event ${auditEvent.seq} (com.arx.review.signed).`,
      });
    } else {
      checks.push({
        id: 'audit-event',
        status: 'warn',
        code: 'REVIEW_EVENT_MISSING',
        message:
          'No com.arx.review.signed event names this review in the tenant chain (an imported certificate, or one stored elsewhere).',
      });
    }
    return finish(summary, signer, auditEvent);
  }
}

/** Inserts the certificate inside the append transaction of its audit event: both or neither. */
async function storeCertificate(
  pool: pg.Pool,
  envelope: FidelityEnvelope,
  st: FidelityStatement,
  s: OperatorSession,
): Promise<void> {
  const writer = new ChainWriter(pool, st.subject[0]!.annotations.tenantId, {
    source: CONSOLE_SOURCE,
    afterAppend: (client) => insertCertificate(client, envelope, st, s.operatorId),
  });
  await writer.append([reviewSignedEvent(st, s.edipi)]);
}

export function summaryOf(st: FidelityStatement, tenantSlug: string, createdAt: string): CertificateSummary {
  const a = st.subject[0]!.annotations;
  const p = st.predicate;
  return {
    id: p.reviewId,
    tenantId: a.tenantId,
    tenantSlug,
    fromSeq: a.fromSeq,
    toSeq: a.toSeq,
    verdict: p.verdict,
    reviewedAt: p.reviewedAt,
    reviewer: {
      displayName: p.reviewer.displayName,
      edipi: p.reviewer.edipi,
      certificateSha256: p.reviewer.certificateSha256,
    },
    subject: { sha256: st.subject[0]!.digest.sha256, blake3: st.subject[0]!.digest.blake3 },
    problems: p.verification.problems.filter((x) => x.severity === 'error').length,
    decisions: p.decisions
      ? {
          total: p.decisions.total,
          mismatched: p.decisions.mismatched,
          unverifiable: p.decisions.unverifiable,
          withErrors: p.decisions.withErrors,
        }
      : null,
    createdAt,
  };
}
