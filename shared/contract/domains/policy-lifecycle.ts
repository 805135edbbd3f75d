import { z } from 'zod';
import { ANY_ROLE, PinSchema, def, jobCommand, type CommandDef } from '../define';
import { hex32Schema, uuidSchema } from '../../ids';

/**
 * The policy lifecycle: drafts saved continuously per author, immutable
 * content-addressed versions, card signatures (DSSE) of the author and of a different approver,
 * publication, rollback under the same two-person rule, diff, impact replay and history.
 * docs/policy-versions.md describes the version digest and the signed statements.
 */

const uuid = uuidSchema('a UUID');
const hex32 = hex32Schema('64 lowercase hex digits');
/** A policy's name within its tenant; the gateway's is "gateway". */
const policyName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'lowercase letters, digits, . _ -');
const CedarUid = z.object({ type: z.string().min(1).max(256), id: z.string().max(1024) }).strict();

/**
 * One named test of a policy version: a Cedar request (self-contained: the entities it needs are
 * in it, so a test means the same thing whatever the directory says later) and the expected
 * decision, optionally with the policies (by @id) expected to determine it (compared as a set).
 * Run by shared/policy/policy-tests.ts.
 */
export const PolicyTestSchema = z
  .object({
    name: z.string().min(1).max(200),
    request: z
      .object({
        principal: CedarUid,
        action: CedarUid,
        resource: CedarUid,
        context: z.record(z.string(), z.unknown()),
        entities: z.array(
          z.object({ uid: CedarUid, attrs: z.record(z.string(), z.unknown()), parents: z.array(CedarUid) }).strict(),
        ),
      })
      .strict(),
    expect: z
      .object({
        decision: z.enum(['permit', 'deny']),
        determiningPolicies: z.array(z.string().min(1).max(128)).optional(),
      })
      .strict(),
  })
  .strict();
export type PolicyTest = z.infer<typeof PolicyTestSchema>;

/** A version's tests (part of the version digest). */
export const PolicyTestsSchema = z.array(PolicyTestSchema).max(1000);

export const VersionDigestSchema = z.object({ sha256: hex32, blake3: hex32 }).strict();

export const OperatorRefSchema = z
  .object({ operatorId: z.string(), displayName: z.string(), edipi: z.string() })
  .strict();

export const VERSION_STATES = ['submitted', 'approved', 'published', 'superseded', 'rejected'] as const;

export const SignatureViewSchema = z
  .object({
    role: z.enum(['author', 'approver']),
    operator: OperatorRefSchema,
    certificateSha256: hex32,
    signedAt: z.string(),
    /** The DSSE envelope verifies over this version's digest with an enrolled signing certificate of that operator, who holds the role. */
    verified: z.boolean(),
    /** Why it does not verify (a stable code and a sentence), null when verified. */
    problem: z.string().nullable(),
  })
  .strict();

export const VersionSummarySchema = z
  .object({
    sha256: hex32,
    blake3: hex32,
    policyId: uuid,
    policyName,
    parentSha256: hex32.nullable(),
    state: z.enum(VERSION_STATES),
    author: OperatorRefSchema,
    approver: OperatorRefSchema.nullable(),
    createdAt: z.string(),
    /** The version is currently the tenant's active one for this policy. */
    active: z.boolean(),
    /** Author and approver signatures verify and the approver is not the author (what the gateway requires). */
    signaturesVerified: z.boolean(),
    signatures: z.array(SignatureViewSchema),
    /** com.arx.policy.decided events recorded under this version. */
    decisions: z.number().int().min(0),
  })
  .strict();
export type VersionSummary = z.infer<typeof VersionSummarySchema>;

export const VersionDetailSchema = VersionSummarySchema.extend({
  text: z.string(),
  schema: z.string(),
  tests: PolicyTestsSchema,
  /** DSSE envelopes as stored (for export and independent verification). */
  envelopes: z.array(z.object({ role: z.enum(['author', 'approver']), envelope: z.unknown() }).strict()),
}).strict();

export const DraftSchema = z
  .object({
    tenantId: uuid,
    policyName,
    /** The version this draft was started from (null: a new policy). */
    baseSha256: hex32.nullable(),
    text: z.string(),
    schema: z.string(),
    tests: PolicyTestsSchema,
    savedAt: z.string(),
    /** The version digest this draft would have if submitted now. */
    digest: VersionDigestSchema,
  })
  .strict();
export type Draft = z.infer<typeof DraftSchema>;

export const LifecycleEventSchema = z
  .object({ seq: z.number().int().min(0), type: z.string(), time: z.string(), data: z.record(z.string(), z.unknown()) })
  .strict();

export const RollbackSchema = z
  .object({
    rollbackId: uuid,
    policyId: uuid,
    toSha256: hex32,
    fromSha256: hex32.nullable(),
    state: z.enum(['requested', 'applied', 'refused']),
    requestedBy: OperatorRefSchema,
    approvedBy: OperatorRefSchema.nullable(),
    requestedAt: z.string(),
  })
  .strict();

const VersionRefSchema = z.union([
  z.object({ sha256: hex32 }).strict(),
  z.object({ draft: policyName }).strict(),
  z.object({ empty: z.literal(true) }).strict(),
]);

export const PolicyDiffSchema = z
  .object({
    from: VersionDigestSchema.nullable(),
    to: VersionDigestSchema.nullable(),
    /** Unified diff of the policy text (3 lines of context). */
    unified: z.string(),
    /** Line hunks for a side-by-side view: each line once, marked added/removed/context. */
    lines: z.array(
      z
        .object({
          kind: z.enum(['context', 'added', 'removed']),
          text: z.string(),
          oldLine: z.number().int().nullable(),
          newLine: z.number().int().nullable(),
        })
        .strict(),
    ),
    added: z.array(z.string()),
    removed: z.array(z.string()),
    changed: z.array(z.string()),
    unchanged: z.array(z.string()),
    schemaChanged: z.boolean(),
    testsChanged: z.boolean(),
    /** Set when a side does not parse (then policies are compared by nothing; the text diff still holds). */
    problem: z.string().nullable(),
  })
  .strict();

export const IMPACT_DEFAULT_DECISIONS = 100_000;

const FlipCountsSchema = z
  .object({ permitToDeny: z.number().int().min(0), denyToPermit: z.number().int().min(0) })
  .strict();
export const ImpactExampleSchema = z
  .object({
    seq: z.number().int().min(0),
    eventId: z.string(),
    requestId: z.string(),
    user: z.string(),
    team: z.string(),
    model: z.string(),
    provider: z.string(),
    recorded: z.enum(['permit', 'deny']),
    now: z.enum(['permit', 'deny']),
    determiningPolicies: z.array(z.string()),
  })
  .strict();

export const ImpactResultSchema = z
  .object({
    /** Decisions replayed (the window), and those that could not be (request invalid under the draft's schema). */
    replayed: z.number().int().min(0),
    errors: z.number().int().min(0),
    /** Replays whose evaluation reported policy errors (flagged). */
    flagged: z.number().int().min(0),
    fromSeq: z.number().int().nullable(),
    toSeq: z.number().int().nullable(),
    totals: FlipCountsSchema,
    byTeam: z.record(z.string(), FlipCountsSchema),
    byModel: z.record(z.string(), FlipCountsSchema),
    byProvider: z.record(z.string(), FlipCountsSchema),
    /** Up to 50 flips, in chain order. */
    examples: z.array(ImpactExampleSchema),
    elapsedMs: z.number().int().min(0),
    workers: z.number().int().min(1),
  })
  .strict();
export type ImpactResult = z.infer<typeof ImpactResultSchema>;

export const ImpactJobSchema = z
  .object({
    jobId: uuid,
    state: z.enum(['running', 'done', 'cancelled', 'failed']),
    processed: z.number().int().min(0),
    total: z.number().int().min(0),
    result: ImpactResultSchema.nullable(),
    error: z.string().nullable(),
  })
  .strict();

const tenantReq = { tenantId: uuid };

export const policyLifecycleCommands = {
  'policy.list': def({
    summary: "The tenant's policies with their active version.",
    request: z.object(tenantReq).strict(),
    response: z
      .object({
        policies: z.array(
          z.object({ policyId: uuid, name: policyName, active: VersionSummarySchema.nullable() }).strict(),
        ),
      })
      .strict(),
    requiresConsent: true,
    offline: 'none',
    access: { session: 'operator', roles: ANY_ROLE, tenant: 'tenantId' },
  }),
  'policy.history': def({
    summary:
      'Every version of a policy (newest first) with status, signatures verified and decisions produced; rollbacks and lifecycle events.',
    request: z.object({ ...tenantReq, policyName }).strict(),
    response: z
      .object({
        versions: z.array(VersionSummarySchema),
        rollbacks: z.array(RollbackSchema),
        events: z.array(LifecycleEventSchema),
      })
      .strict(),
    requiresConsent: true,
    offline: 'none',
    access: { session: 'operator', roles: ANY_ROLE, tenant: 'tenantId' },
  }),
  'policy.get': def({
    summary: 'One version: text, schema, tests, signatures (verified now) and envelopes.',
    request: z.object({ ...tenantReq, sha256: hex32 }).strict(),
    response: VersionDetailSchema,
    requiresConsent: true,
    offline: 'none',
    access: { session: 'operator', roles: ANY_ROLE, tenant: 'tenantId' },
  }),
  'policy.getDraft': def({
    summary: "The logged-in operator's draft of a policy, or null.",
    request: z.object({ ...tenantReq, policyName }).strict(),
    response: DraftSchema.nullable(),
    requiresConsent: true,
    offline: 'none',
    access: { session: 'operator', roles: ANY_ROLE, tenant: 'tenantId' },
  }),
  'policy.saveDraft': def({
    summary:
      "Saves the operator's draft (call on every change; survives a crash or card removal). Returns the digest it would have.",
    request: z
      .object({
        ...tenantReq,
        policyName,
        baseSha256: hex32.nullable(),
        text: z.string().max(1_000_000),
        schema: z.string().max(1_000_000).nullable(),
        tests: PolicyTestsSchema,
      })
      .strict(),
    response: DraftSchema,
    requiresConsent: true,
    offline: 'none',
    access: { session: 'operator', roles: ['policy-author'], tenant: 'tenantId' },
  }),
  'policy.discardDraft': def({
    summary: "Deletes the operator's draft of a policy.",
    request: z.object({ ...tenantReq, policyName }).strict(),
    response: z.object({ discarded: z.boolean() }).strict(),
    requiresConsent: true,
    offline: 'none',
    access: { session: 'operator', roles: ANY_ROLE, tenant: 'tenantId' },
  }),
  'policy.submit': def({
    summary:
      'Submits the draft: validated, tests run, then the author signs the version digest with the card (PIN). `sha256` is the digest shown to the author.',
    request: z.object({ ...tenantReq, policyName, sha256: hex32, pin: PinSchema }).strict(),
    response: VersionSummarySchema,
    requiresConsent: true,
    offline: 'none',
    access: { session: 'operator', roles: ['policy-author'], tenant: 'tenantId' },
  }),
  'policy.approve': def({
    summary: 'A different operator with the approver role signs a submitted version (PIN).',
    request: z.object({ ...tenantReq, sha256: hex32, pin: PinSchema }).strict(),
    // delivery: stored now, or (control plane unreachable) queued in the cache's outbox (kind policy.approval).
    response: VersionSummarySchema.extend({ delivery: z.enum(['stored', 'queued']) }).strict(),
    requiresConsent: true,
    offline: 'queue',
    access: { session: 'operator', roles: ['approver'], tenant: 'tenantId' },
  }),
  'policy.reject': def({
    summary: 'An approver rejects a submitted version (no signature; recorded as state rejected).',
    request: z.object({ ...tenantReq, sha256: hex32 }).strict(),
    response: VersionSummarySchema,
    requiresConsent: true,
    offline: 'none',
    access: { session: 'operator', roles: ['approver'], tenant: 'tenantId' },
  }),
  'policy.publish': def({
    summary:
      "Publishes an approved version whose signatures verify: the publisher signs the publication (PIN); it becomes the tenant's active version; the previous one is superseded.",
    request: z.object({ ...tenantReq, sha256: hex32, pin: PinSchema }).strict(),
    response: VersionSummarySchema,
    requiresConsent: true,
    offline: 'none',
    access: { session: 'operator', roles: ['approver', 'policy-author'], tenant: 'tenantId' },
  }),
  'policy.rollback': def({
    summary:
      'Requests a rollback to an earlier verified version: the requester signs it (PIN); a different approver must approve it.',
    request: z.object({ ...tenantReq, sha256: hex32, pin: PinSchema }).strict(),
    response: RollbackSchema,
    requiresConsent: true,
    offline: 'none',
    access: { session: 'operator', roles: ['policy-author', 'approver'], tenant: 'tenantId' },
  }),
  'policy.approveRollback': def({
    summary:
      'A different operator with the approver role signs a requested rollback (PIN); the earlier version is published again.',
    request: z.object({ ...tenantReq, rollbackId: uuid, pin: PinSchema }).strict(),
    response: RollbackSchema,
    requiresConsent: true,
    offline: 'none',
    access: { session: 'operator', roles: ['approver'], tenant: 'tenantId' },
  }),
  'policy.diff': def({
    summary:
      'Text diff and the policies added, removed or changed (by @id) between two versions, a version and a draft, or nothing and a version.',
    request: z.object({ ...tenantReq, from: VersionRefSchema, to: VersionRefSchema }).strict(),
    response: PolicyDiffSchema,
    requiresConsent: true,
    offline: 'none',
    access: { session: 'operator', roles: ANY_ROLE, tenant: 'tenantId' },
  }),
  'policy.impactStart': def({
    summary:
      "Starts replaying the tenant's recorded decisions (default the last 100,000) against a draft or version, off the UI thread.",
    request: z
      .object({
        ...tenantReq,
        target: VersionRefSchema,
        window: z.union([
          z.object({ lastDecisions: z.number().int().min(1).max(5_000_000) }).strict(),
          z
            .object({ fromTime: z.string().datetime({ offset: true }), toTime: z.string().datetime({ offset: true }) })
            .strict(),
        ]),
      })
      .strict(),
    response: z.object({ jobId: uuid }).strict(),
    requiresConsent: true,
    offline: 'none',
    access: { session: 'operator', roles: ANY_ROLE, tenant: 'tenantId' },
  }),
  'policy.impactStatus': jobCommand({
    summary: 'Progress of an impact job, and its result when done.',
    request: z.object({ jobId: uuid }).strict(),
    response: ImpactJobSchema,
    roles: ANY_ROLE,
    why: 'A job id from policy.impactStart, whose tenant was checked when it started.',
  }),
  'policy.impactCancel': jobCommand({
    summary: 'Cancels an impact job (its workers stop; the state becomes cancelled).',
    request: z.object({ jobId: uuid }).strict(),
    response: ImpactJobSchema,
    roles: ANY_ROLE,
    why: 'A job id from policy.impactStart, whose tenant was checked when it started.',
  }),
} as const satisfies Record<string, CommandDef>;

/** Stable error codes of this domain (see ../errors.ts: add at the end, never rename). */
export const POLICY_LIFECYCLE_ERROR_CODES = [
  /** No draft of that policy for this operator. */
  'POLICY_DRAFT_MISSING',
  /** The draft changed since its digest was shown (submit names the digest the author saw). */
  'POLICY_DRAFT_CHANGED',
  /** Validation errors, failing tests or tests whose evaluation reports errors: details.validation / details.tests. */
  'POLICY_SUBMIT_BLOCKED',
  /** That version already exists in the tenant (same digest). */
  'POLICY_VERSION_EXISTS',
  /** No such version in this tenant. */
  'POLICY_VERSION_UNKNOWN',
  /** The step does not apply to a version in its state (e.g. approving a published one). */
  'POLICY_STATE_INVALID',
  /** The author of a version (or the requester of a rollback) may not approve it. */
  'POLICY_SELF_APPROVAL',
  /** Retired: the registry answers ROLE_REQUIRED from the command's access declaration. */
  'POLICY_ROLE_REQUIRED',
  /** A signature does not verify (details say which and why); the version is not published. */
  'POLICY_SIGNATURE_INVALID',
  /** No impact job with that id (finished jobs are kept for 10 minutes). */
  'POLICY_IMPACT_UNKNOWN',
  /** Rollback to a version that was never published, is the active one, or does not verify. */
  'POLICY_ROLLBACK_INVALID',
  /** No verified published version: the gateway refuses to load any (docs/policy-versions.md). */
  'POLICY_NO_VERIFIED_VERSION',
  /** The active version or the publication sequence moved since the publication was signed: sign it again. */
  'POLICY_PUBLICATION_STALE',
] as const;

/** Events of this domain pushed from main to the renderer (merged into ../events.ts). */
export const policyLifecycleEvents = {
  'policy.impactProgress': {
    payload: z
      .object({
        jobId: uuid,
        state: z.enum(['running', 'done', 'cancelled', 'failed']),
        processed: z.number().int().min(0),
        total: z.number().int().min(0),
      })
      .strict(),
    summary: 'Progress of an impact job (at most a few times a second, and once when it ends).',
  },
  'policy.changed': {
    payload: z
      .object({
        tenantId: uuid,
        policyName,
        sha256: hex32.nullable(),
        step: z.enum(['submitted', 'approved', 'rejected', 'published', 'rollback-requested', 'rolledback']),
      })
      .strict(),
    summary: 'A lifecycle step happened in a tenant (refresh history and lists).',
  },
} as const;
