import { hostname } from 'node:os';
import type pg from 'pg';
import { ArxFailure, commands, declaredRoles, requireRole, type OperatorSession } from '../../../shared/contract';
import { envelopeOf, pae } from '../../../shared/dsse';
import { FIDELITY_PAYLOAD_TYPE, type FidelityEnvelope, type FidelityStatement } from '../../../shared/review';
import type { OfflineWrites } from '../cache/offline';
import type { OperatorSignature } from '../card/operator-auth';
import type { WriterIdentity } from '../controlplane/chain-writer';
import { stepEventRows } from '../controlplane/step-events';
import { withTenant } from '../controlplane/tenant-session';
import { sha256, verifyCardSignature } from './card-signature';
import { summaryOf, type CertificateSummary } from './certificate-summary';
import { insertCertificate, queuedReviewSummary, reviewSignedEvent, type QueuedReview } from './outbox-delivery';
import type { StoredDraft } from './review-drafts';
import type { HeldCompanion } from '../companion/companion-enrol';
import { judgeReviewPq, pqSignatureEntry } from '../companion/pq-signature';

export type SignedReview = CertificateSummary & { delivery: 'stored' | 'queued'; outboxItemId: string | null };

export interface SignDeps {
  pool: () => pg.Pool;
  sign: (purpose: string, digest: Uint8Array, pin: string | null) => Promise<OperatorSignature>;
  /** The writer the review's audit event names, with its card signer (OperatorAuth.eventWriter). */
  eventWriter?: () => WriterIdentity | null;
  /** Store or queue (review.sign is declared offline: 'queue'); absent: online only. */
  offline?: {
    writes: Pick<OfflineWrites, 'connected' | 'storeOrQueue'>;
    enqueue: (payload: QueuedReview, summary: string) => { id: string };
  };
  /** The reviewer's companion key in memory (CompanionService.current), for the ML-DSA-87 signature. */
  companion?: () => HeldCompanion | null;
  now: () => Date;
}

const CONSOLE_SOURCE = `/arx/console/${hostname().replace(/[^A-Za-z0-9._-]/g, '-') || 'host'}`;

/** Stores the certificate with its audit event (signed by the writer's card) in one transaction: both or neither. */
async function storeCertificate(
  pool: pg.Pool,
  envelope: FidelityEnvelope,
  st: FidelityStatement,
  s: OperatorSession,
  who: WriterIdentity,
): Promise<void> {
  const tenantId = st.subject[0]!.annotations.tenantId;
  await withTenant(pool, tenantId, async (client) => {
    const reviewed = reviewSignedEvent(st, s.edipi);
    const event = await stepEventRows(client, tenantId, CONSOLE_SOURCE, reviewed, undefined, who);
    await insertCertificate(client, envelope, st, event);
  });
}

/**
 * The ML-DSA-87 signature a statement that carries a companion attestation must get, made before
 * the card signs (a lock while the PIN is asked for wipes the key): by the attested key, still open.
 */
function companionSignature(deps: SignDeps, st: FidelityStatement, signingInput: Uint8Array) {
  const attestation = st.predicate.reviewer.companionAttestation;
  if (!attestation) return null;
  const held = deps.companion?.() ?? null;
  if (!held || held.attestation.payload !== attestation.payload)
    throw new ArxFailure(
      'COMPANION_KEY_LOCKED',
      'This review was prepared with your companion key, which is no longer open: log in again and prepare it again.',
    );
  return pqSignatureEntry(held, signingInput);
}

/** The draft's statement signed on the card (PIN for this signature), checked before anything is stored. */
async function signedEnvelope(deps: SignDeps, draft: StoredDraft, pin: string): Promise<FidelityEnvelope> {
  const st = draft.statement;
  const a = st.subject[0]!.annotations;
  const signingInput = pae(FIDELITY_PAYLOAD_TYPE, draft.payload);
  const pq = companionSignature(deps, st, signingInput);
  const purpose = `Fidelity certificate: review of ${st.predicate.verification.tenant.slug} seq ${a.fromSeq}–${a.toSeq} (${st.predicate.verdict})`;
  const signature = await deps.sign(purpose, sha256(signingInput), pin);
  if (signature.certificateSha256 !== st.predicate.reviewer.certificateSha256) {
    throw new ArxFailure(
      'REVIEW_SIGNER_MISMATCH',
      'The card signed with a certificate other than your enrolled Digital Signature certificate; nothing was stored.',
      { signed: signature.certificateSha256, enrolled: st.predicate.reviewer.certificateSha256 },
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
    ...(pq ? [pq] : []),
  ]) as FidelityEnvelope;
  if (pq) checkPqBeforeStoring(envelope, st, signingInput, signature.certificateDer);
  return envelope;
}

/** The finished envelope's companion signature judged as a verifier will: nothing is stored otherwise. */
function checkPqBeforeStoring(env: FidelityEnvelope, st: FidelityStatement, input: Uint8Array, certDer: Uint8Array) {
  const r = judgeReviewPq(env, st, input, certDer);
  if (r.state !== 'valid')
    throw new ArxFailure(r.code ?? 'REVIEW_PQ_SIGNATURE_INVALID', `${r.message}; nothing was stored.`);
}

/**
 * Signs a prepared draft, stores it and records it in the tenant's chain, atomically. With the
 * control plane unreachable (not connected, or the write fails with a transient error) the signed
 * envelope goes to the outbox instead and is delivered once when it is back (`delivery: 'queued'`).
 * `forget` is called once the draft is stored or queued.
 */
export async function signDraft(
  deps: SignDeps,
  s: OperatorSession,
  draft: StoredDraft,
  pin: string,
  forget: () => void,
): Promise<SignedReview> {
  const st = draft.statement;
  // The registry cannot see the draft's tenant: review.sign's declaration is applied to it here.
  requireRole(s, declaredRoles(commands['review.sign'].access), st.subject[0]!.annotations.tenantId, {
    command: 'review.sign',
  });
  const offline = deps.offline;
  const online = offline ? offline.writes.connected() : true;
  const envelope = await signedEnvelope(deps, draft, pin);
  const summary = summaryOf(st, st.predicate.verification.tenant.slug, deps.now().toISOString());
  const queue = (): SignedReview => {
    const item = offline!.enqueue(
      { v: 1, envelope, operatorId: s.operatorId, edipi: s.edipi },
      queuedReviewSummary(st),
    );
    forget();
    return { ...summary, delivery: 'queued', outboxItemId: item.id };
  };
  const store = () => storeCertificate(deps.pool(), envelope, st, s, deps.eventWriter?.() ?? {});
  // Unreachable (before, or a write that failed before or during its commit): the outbox delivers
  // it later; the rare commit that did land without an answer is refused there as REVIEW_ALREADY_STORED.
  const queued = offline ? await offline.writes.storeOrQueue(online, store, queue) : (await store(), null);
  if (queued) return queued.queued;
  forget();
  return { ...summary, delivery: 'stored', outboxItemId: null };
}
