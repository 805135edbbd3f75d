import { z } from 'zod';
import {
  DecisionReverificationSummarySchema,
  FidelityStatementSchema,
  PolicyVersionUseSchema,
} from '../../review/fidelity';
import { EVIDENCE_READERS, PinSchema, def, jobCommand, type CommandDef } from '../define';
import { CachedMarkSchema } from './cache';
import { SeqSchema, hex32Schema, uuidSchema } from '../../ids';

/**
 * Decision re-verification (group `decisions`) and fidelity certificates (group `review`). Formats: docs/fidelity-certificates.md.
 */

const Uuid = uuidSchema();
const Seq = SeqSchema;
const JobId = z.string().regex(/^dj-[0-9a-f]{16}$/, 'a re-verification job id');
const hex32 = hex32Schema();

export const ReverifyStatusSchema = z
  .object({
    jobId: JobId,
    tenantId: Uuid,
    state: z.enum(['running', 'done', 'failed', 'cancelled']),
    fromSeq: Seq,
    toSeq: Seq.nullable(),
    processed: z.number().int().min(0),
    /** Decisions in the range (from the type column; an estimate until done). */
    total: z.number().int().min(0),
    decisionsPerSecond: z.number().min(0),
    secondsLeft: z.number().min(0).nullable(),
    /** Running totals so far. */
    mismatched: z.number().int().min(0),
    error: z.object({ code: z.string(), message: z.string() }).strict().nullable(),
    startedAt: z.string(),
  })
  .strict();
export type ReverifyStatus = z.infer<typeof ReverifyStatusSchema>;

export const ReverifyResultSchema = DecisionReverificationSummarySchema.extend({
  jobId: JobId,
  tenantId: Uuid,
  policyVersions: z.array(PolicyVersionUseSchema),
  cacheHits: z.number().int().min(0),
  workers: z.number().int().min(0),
  durationMs: z.number().int().min(0),
  decisionsPerSecond: z.number().min(0),
}).strict();
export type ReverifyResult = z.infer<typeof ReverifyResultSchema>;

export const CertificateSummarySchema = z
  .object({
    id: Uuid,
    tenantId: Uuid,
    tenantSlug: z.string(),
    fromSeq: Seq,
    toSeq: Seq,
    verdict: z.enum(['intact', 'broken']),
    reviewedAt: z.string(),
    reviewer: z.object({ displayName: z.string(), edipi: z.string(), certificateSha256: hex32 }).strict(),
    subject: z.object({ sha256: hex32, blake3: hex32 }).strict(),
    /** Chain verification errors recorded in the certificate. */
    problems: z.number().int().min(0),
    decisions: z
      .object({
        total: z.number().int(),
        mismatched: z.number().int(),
        unverifiable: z.number().int(),
        withErrors: z.number().int(),
      })
      .strict()
      .nullable(),
    createdAt: z.string(),
  })
  .strict();
export type CertificateSummary = z.infer<typeof CertificateSummarySchema>;

/**
 * What `review.sign` returns: the certificate, and whether it is stored in the control plane now
 * (`stored`) or, the control plane being unreachable, sealed in the local cache's outbox
 * (`queued`, with the outbox item's id) to be delivered exactly once when it is back.
 */
export const SignedReviewSchema = CertificateSummarySchema.extend({
  delivery: z.enum(['stored', 'queued']),
  outboxItemId: z.string().max(64).nullable(),
}).strict();
export type SignedReview = z.infer<typeof SignedReviewSchema>;

export const ReviewDraftSchema = z
  .object({
    draftId: Uuid,
    statement: FidelityStatementSchema,
    payloadSha256: hex32,
    /** SHA-256 of the DSSE PAE: the digest the card signs. */
    signingInputSha256: hex32,
  })
  .strict();
export type ReviewDraft = z.infer<typeof ReviewDraftSchema>;

/** A post-quantum (ML-DSA-87 companion) signature's result (shared/companion PqResult). */
export const PqResultSchema = z
  .object({
    state: z.enum(['absent', 'valid', 'invalid']),
    code: z.string().nullable(),
    message: z.string().nullable(),
    keyId: z.string().nullable(),
  })
  .strict();

export const CertificateCheckSchema = z
  .object({
    id: z.enum(['envelope', 'signature', 'pq-signature', 'signer-path', 'signer-revocation', 'chain', 'audit-event']),
    status: z.enum(['pass', 'fail', 'warn', 'skipped']),
    code: z.string().nullable(),
    message: z.string(),
  })
  .strict();

export const CertificateVerificationSchema = z
  .object({
    valid: z.boolean(),
    /** The first failing check's code (e.g. REVIEW_SIGNATURE_INVALID, REVIEW_SIGNER_REVOKED, REVIEW_CHAIN_CHANGED), or null. */
    code: z.string().nullable(),
    checks: z.array(CertificateCheckSchema),
    certificate: CertificateSummarySchema.nullable(),
    signer: z
      .object({
        subject: z.string(),
        issuer: z.string(),
        serialNumber: z.string(),
        notBefore: z.string(),
        notAfter: z.string(),
        path: z.array(z.string()),
      })
      .strict()
      .nullable(),
    auditEvent: z.object({ seq: z.number().int(), time: z.string() }).strict().nullable(),
    /** The ML-DSA-87 companion signature, judged apart from the card's (absent, valid or invalid). */
    pq: PqResultSchema.optional(),
    /** Present when answered from the local cache (control plane unreachable): the verification as it was at `at`. */
    cached: CachedMarkSchema.optional(),
  })
  .strict();
export type CertificateVerification = z.infer<typeof CertificateVerificationSchema>;

/** A stored certificate (by tenant and id) or an imported envelope (its JSON text). */
const CertificateSource = z.union([
  z.object({ kind: z.literal('stored'), tenantId: Uuid, id: Uuid }).strict(),
  z.object({ kind: z.literal('imported'), envelope: z.string().min(2).max(4_000_000) }).strict(),
]);

const JobRequest = z.object({ jobId: JobId }).strict();

export const reviewCommands = {
  'decisions.reverifyStart': def({
    summary:
      'Re-verify the recorded policy decisions of a range (policy version by digest, same engine, worker threads); returns a job.',
    request: z.object({ tenantId: Uuid, fromSeq: Seq.nullable(), toSeq: Seq.nullable() }).strict(),
    response: ReverifyStatusSchema,
    requiresConsent: true,
    offline: 'none',
    access: { session: 'operator', roles: EVIDENCE_READERS, tenant: 'tenantId' },
  }),
  'decisions.reverifyStatus': jobCommand({
    summary: 'Progress of a decision re-verification: decisions done, per second, time left, mismatches so far.',
    request: JobRequest,
    response: ReverifyStatusSchema,
    roles: EVIDENCE_READERS,
  }),
  'decisions.reverifyCancel': jobCommand({
    summary: 'Cancel a decision re-verification (read-only: nothing is left half-written).',
    request: JobRequest,
    response: ReverifyStatusSchema,
    roles: EVIDENCE_READERS,
  }),
  'decisions.reverifyResult': jobCommand({
    summary:
      'The mismatch report of a finished re-verification: each mismatch recorded vs recomputed, decisions with evaluation errors, policy versions.',
    request: JobRequest,
    response: ReverifyResultSchema,
    roles: EVIDENCE_READERS,
  }),
  'review.prepare': def({
    summary:
      'Prepare a fidelity certificate for a range: chain verification, decision re-verification and digests computed in main; returns the statement to show before signing.',
    request: z.object({ tenantId: Uuid, fromSeq: Seq, toSeq: Seq, reverifyJobId: JobId.nullable() }).strict(),
    response: ReviewDraftSchema,
    requiresConsent: true,
    offline: 'none',
    access: { session: 'operator', roles: ['isso'], tenant: 'tenantId' },
  }),
  'review.sign': def({
    summary:
      'Sign a prepared review with the card (PIN for this signature); stores it and records com.arx.review.signed, or, with the control plane unreachable, queues it in the outbox (delivered once when it is back).',
    request: z.object({ draftId: Uuid, pin: PinSchema }).strict(),
    response: SignedReviewSchema,
    requiresConsent: true,
    offline: 'queue',
    access: {
      session: 'operator',
      roles: ['isso'],
      tenant: null,
      why: "The tenant is the prepared draft's: the review service applies this declaration to it.",
    },
  }),
  'review.list': def({
    summary: "The tenant's fidelity certificates, newest first.",
    request: z.object({ tenantId: Uuid }).strict(),
    response: z
      .object({ certificates: z.array(CertificateSummarySchema), cached: CachedMarkSchema.optional() })
      .strict(),
    requiresConsent: true,
    offline: 'cache',
    access: { session: 'operator', roles: EVIDENCE_READERS, tenant: 'tenantId' },
  }),
  'review.get': def({
    summary: 'A stored certificate: its DSSE envelope (JSON text) and statement.',
    request: z.object({ tenantId: Uuid, id: Uuid }).strict(),
    response: z
      .object({
        envelope: z.string(),
        statement: FidelityStatementSchema,
        summary: CertificateSummarySchema,
        cached: CachedMarkSchema.optional(),
      })
      .strict(),
    requiresConsent: true,
    offline: 'cache',
    access: { session: 'operator', roles: EVIDENCE_READERS, tenant: 'tenantId' },
  }),
  'review.verify': def({
    summary:
      "Verify a stored or imported certificate: DSSE signature, signer's path and CRL status at signing time, the chain today, its audit event.",
    request: z
      .object({
        source: CertificateSource,
        /** Fail a certificate without a valid ML-DSA-87 companion signature (REVIEW_PQ_SIGNATURE_MISSING). */
        requirePq: z.boolean().optional(),
      })
      .strict(),
    response: CertificateVerificationSchema,
    requiresConsent: true,
    offline: 'cache',
    access: { session: 'operator', roles: EVIDENCE_READERS, tenant: 'source.tenantId' },
  }),
  'review.export': def({
    summary:
      'Export a certificate for OpenSSL: statement, signed PAE bytes, DER signature, signer chain, CRLs and the exact openssl commands.',
    request: z.object({ source: CertificateSource }).strict(),
    response: z.object({ directory: z.string(), files: z.array(z.string()), commands: z.array(z.string()) }).strict(),
    requiresConsent: true,
    offline: 'none',
    access: { session: 'operator', roles: EVIDENCE_READERS, tenant: 'source.tenantId' },
  }),
} as const satisfies Record<string, CommandDef>;

/** Stable error codes of this domain (see ../errors.ts: add at the end, never rename). */
export const REVIEW_ERROR_CODES = [
  /** A queued review delivered after its signer lost the isso role (for commands, see ROLE_REQUIRED). */
  'REVIEW_ROLE_REQUIRED',
  'REVIEW_RANGE_INVALID',
  'REVIEW_DRAFT_UNKNOWN',
  'REVIEW_SIGNER_NOT_ENROLLED',
  'REVIEW_SIGNER_MISMATCH',
  'REVIEW_ENVELOPE_INVALID',
  'REVIEW_STATEMENT_INVALID',
  'REVIEW_CERTIFICATE_MISMATCH',
  'REVIEW_SIGNATURE_INVALID',
  'REVIEW_SIGNER_UNTRUSTED',
  'REVIEW_SIGNER_REVOKED',
  'REVIEW_CHAIN_CHANGED',
  'REVIEW_CHAIN_UNAVAILABLE',
  'REVIEW_EVENT_MISSING',
  'REVIEW_NOT_FOUND',
  'REVIEW_JOB_UNKNOWN',
  'REVIEW_JOB_NOT_FINISHED',
  'REVIEW_DECISIONS_RANGE_MISMATCH',
  'REVIEW_EXPORT_FAILED',
  'DECISION_RECORD_UNREADABLE',
  'DECISION_TYPE_MISMATCH',
  'POLICY_VERSION_MISSING',
  'POLICY_VERSION_ALTERED',
  // Outbox delivery of a review signed offline (the item is kept, rejected with one of these):
  'REVIEW_TENANT_UNKNOWN',
  'REVIEW_DUPLICATE_ID',
  'REVIEW_ALREADY_STORED',
] as const;

/** Events of this domain pushed from main to the renderer (merged into ../events.ts). */
export const reviewEvents = {
  'decisions.reverifyProgress': {
    payload: ReverifyStatusSchema,
    summary: 'A decision re-verification progressed, finished, failed or was cancelled.',
  },
} as const;
