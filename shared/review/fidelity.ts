import { z } from 'zod';
import { VerifyResultSchema } from '../contract/domains/audit-verify';
import { DSSE_PAYLOAD_TYPE_INTOTO, DsseEnvelopeSchema, openEnvelope, type DsseEnvelope } from '../dsse';
import { isPqKeyId } from '../companion/pq-signature';
import { hex32Schema, uuidSchema } from '../ids';

/**
 * Fidelity certificates (docs/fidelity-certificates.md): an ISSO's signed review of a
 * range of one tenant's audit chain. An in-toto Statement v1 whose subject is the reviewed range
 * and whose predicate records who reviewed it, what verification found, the decisions re-verified
 * and the policy versions involved; carried in a DSSE envelope signed on the reviewer's card.
 *
 * Pure (zod only): parsed by the console, the Certificates screen and evidence bundles alike.
 */

export const INTOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
/** `.invalid` (RFC 6761) on purpose: the type is a name, never fetched. */
export const FIDELITY_PREDICATE_TYPE = 'https://arx.invalid/fidelity-certificate/v1';
export const FIDELITY_PAYLOAD_TYPE = DSSE_PAYLOAD_TYPE_INTOTO;

const hex32 = hex32Schema('32 bytes, lowercase hex');
const seq = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const uuid = uuidSchema('a lowercase UUID');
/** RFC 3339 UTC with exactly six fraction digits, as audit events carry them. */
const time = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/, 'RFC 3339 UTC with six fraction digits');

/** The subject: the reviewed range. digest.sha256 = RFC 9162 root of seq 0…toSeq, digest.blake3 = chain hash h_toSeq. */
export const FidelitySubjectSchema = z
  .object({
    /** `arx-chain:<tenant id>:<fromSeq>-<toSeq>` */
    name: z.string().regex(/^arx-chain:[0-9a-f-]{36}:\d+-\d+$/),
    digest: z.object({ sha256: hex32, blake3: hex32 }).strict(),
    annotations: z
      .object({
        tenantId: uuid,
        fromSeq: seq,
        toSeq: seq,
        /** toSeq + 1: the tree the sha256 digest is the root of. */
        treeSize: count,
        /** h_(fromSeq-1), or the genesis hash G when fromSeq = 0: where the reviewed stretch hangs on the chain. */
        previousHead: hex32,
      })
      .strict(),
  })
  .strict();

export const ReviewDecisionOutcomeSchema = z
  .object({
    decision: z.enum(['permit', 'deny']),
    determiningPolicies: z.array(z.string()),
    errors: z.array(z.string()),
  })
  .strict();

export const ReviewDecisionEntrySchema = z
  .object({
    seq,
    eventId: z.string(),
    requestId: z.string(),
    policySha256: z.string(),
    /** null when the stored bytes could not be read as a decision record (see `problem`). */
    recorded: ReviewDecisionOutcomeSchema.nullable(),
    /** null when the decision could not be evaluated again (see `problem`). */
    recomputed: ReviewDecisionOutcomeSchema.nullable(),
    differences: z.array(z.string()),
    problem: z.object({ code: z.string(), message: z.string() }).strict().nullable(),
  })
  .strict();
export type ReviewDecisionEntry = z.infer<typeof ReviewDecisionEntrySchema>;

export const PolicyVersionUseSchema = z
  .object({
    sha256: hex32,
    blake3: hex32,
    decisions: count,
    /** Approval signatures of the version as checked at review time ('unchecked' when no verifier was available). */
    signatures: z.enum(['verified', 'unsigned', 'invalid', 'unchecked', 'missing-version']),
    detail: z.string().max(2000),
  })
  .strict();
export type PolicyVersionUse = z.infer<typeof PolicyVersionUseSchema>;

export const DecisionReverificationSummarySchema = z
  .object({
    fromSeq: seq,
    toSeq: seq,
    total: count,
    matched: count,
    mismatched: count,
    /** Decisions whose record carries evaluation errors (flagged), matched or not. */
    withErrors: count,
    /** Decisions that could not be evaluated again (policy version missing or altered, record unreadable). */
    unverifiable: count,
    /** Every mismatch and every unverifiable decision, in seq order (capped; `omitted` says how many were left out). */
    mismatches: z.array(ReviewDecisionEntrySchema),
    /** Every decision that carried evaluation errors, in seq order (capped likewise). */
    errored: z.array(ReviewDecisionEntrySchema),
    omitted: count,
  })
  .strict();
export type DecisionReverificationSummary = z.infer<typeof DecisionReverificationSummarySchema>;

export const FidelityPredicateSchema = z
  .object({
    reviewId: uuid,
    reviewedAt: time,
    reviewer: z
      .object({
        operatorId: uuid,
        edipi: z.string().regex(/^\d{10}$/),
        displayName: z.string().max(256),
        /** SHA-256 (hex) of the signing certificate's DER; also the DSSE keyid. */
        certificateSha256: hex32,
        /** The Digital Signature certificate, DER in base64. */
        certificate: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/),
        roles: z.array(z.string()),
        /**
         * The reviewer's companion key attestation (docs/companion-keys.md §3), when the certificate
         * also carries their ML-DSA-87 signature (a second DSSE signature, keyid `mldsa87:<key id>`).
         */
        companionAttestation: DsseEnvelopeSchema.optional(),
      })
      .strict(),
    /**
     * What chain verification found over the range: the console verifier's result object
     * (shared/contract/domains/audit-verify.ts VerifyResult, without its job id) — tenant, verdict,
     * counts, every problem with its code and seq, the checkpoint the events are anchored on, the
     * tail not yet covered by a checkpoint.
     */
    verification: VerifyResultSchema.omit({ jobId: true }),
    /** Decision re-verification over the same range, or null when it was not run. */
    decisions: DecisionReverificationSummarySchema.nullable(),
    policyVersions: z.array(PolicyVersionUseSchema),
    /** intact: the chain verified without errors and every decision re-verified matched (none unverifiable). */
    verdict: z.enum(['intact', 'broken']),
  })
  .strict();
export type FidelityPredicate = z.infer<typeof FidelityPredicateSchema>;

export const FidelityStatementSchema = z
  .object({
    _type: z.literal(INTOTO_STATEMENT_V1),
    subject: z.array(FidelitySubjectSchema).length(1),
    predicateType: z.literal(FIDELITY_PREDICATE_TYPE),
    predicate: FidelityPredicateSchema,
  })
  .strict();
export type FidelityStatement = z.infer<typeof FidelityStatementSchema>;

/**
 * The envelope of a fidelity certificate: DSSE with the in-toto payload type, the reviewer's card
 * signature first, optionally followed by their ML-DSA-87 companion signature (keyid `mldsa87:…`).
 */
export const FidelityEnvelopeSchema = DsseEnvelopeSchema.extend({
  payloadType: z.literal(FIDELITY_PAYLOAD_TYPE),
  signatures: DsseEnvelopeSchema.shape.signatures.min(1).max(2),
}).strict();
export type FidelityEnvelope = z.infer<typeof FidelityEnvelopeSchema>;

/** The payload bytes: compact JSON of the statement, UTF-8. They are what is signed (inside PAE); never re-serialized after. */
export function fidelityPayload(statement: FidelityStatement): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(FidelityStatementSchema.parse(statement)));
}

export type OpenedFidelityCertificate =
  | {
      ok: true;
      envelope: FidelityEnvelope;
      statement: FidelityStatement;
      payload: Uint8Array;
      signingInput: Uint8Array;
    }
  | { ok: false; code: 'REVIEW_ENVELOPE_INVALID' | 'REVIEW_STATEMENT_INVALID'; message: string; path: string };

/**
 * Parses an envelope (object or JSON text) and its statement, strictly. Signature checking is the
 * caller's (node:crypto in main, WebCrypto elsewhere): this only says what would be checked.
 */
export function openFidelityCertificate(input: unknown): OpenedFidelityCertificate {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (e) {
      return { ok: false, code: 'REVIEW_ENVELOPE_INVALID', message: `not JSON: ${(e as Error).message}`, path: '' };
    }
  }
  const env = FidelityEnvelopeSchema.safeParse(value);
  if (!env.success) {
    const issue = env.error.issues[0]!;
    return { ok: false, code: 'REVIEW_ENVELOPE_INVALID', message: issue.message, path: issue.path.join('.') };
  }
  const opened = openEnvelope(env.data as DsseEnvelope);
  if (!opened)
    return {
      ok: false,
      code: 'REVIEW_ENVELOPE_INVALID',
      message: 'the payload is not canonical base64',
      path: 'payload',
    };
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(opened.payload));
  } catch (e) {
    return {
      ok: false,
      code: 'REVIEW_STATEMENT_INVALID',
      message: `the payload is not UTF-8 JSON: ${(e as Error).message}`,
      path: 'payload',
    };
  }
  const st = FidelityStatementSchema.safeParse(json);
  if (!st.success) {
    const issue = st.error.issues[0]!;
    return { ok: false, code: 'REVIEW_STATEMENT_INVALID', message: issue.message, path: issue.path.join('.') };
  }
  const s = st.data;
  const a = s.subject[0]!.annotations;
  if (
    a.toSeq < a.fromSeq ||
    a.treeSize !== a.toSeq + 1 ||
    s.subject[0]!.name !== `arx-chain:${a.tenantId}:${a.fromSeq}-${a.toSeq}` ||
    s.predicate.verification.tenant.id !== a.tenantId
  ) {
    return {
      ok: false,
      code: 'REVIEW_STATEMENT_INVALID',
      message: 'the subject name, range, tree size and tenant do not agree',
      path: 'subject.0',
    };
  }
  const second = env.data.signatures[1];
  if (second && !isPqKeyId(second.keyid)) {
    return {
      ok: false,
      code: 'REVIEW_ENVELOPE_INVALID',
      message: 'a second signature must be the ML-DSA-87 companion signature (keyid mldsa87:…)',
      path: 'signatures.1.keyid',
    };
  }
  if (env.data.signatures[0]!.keyid !== s.predicate.reviewer.certificateSha256) {
    return {
      ok: false,
      code: 'REVIEW_STATEMENT_INVALID',
      message: "the signature's keyid is not the reviewer's certificate",
      path: 'signatures.0.keyid',
    };
  }
  return { ok: true, envelope: env.data, statement: s, payload: opened.payload, signingInput: opened.signingInput };
}
