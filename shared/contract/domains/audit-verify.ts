import { z } from 'zod';
import { EVIDENCE_READERS, def, empty, jobCommand, type CommandDef } from '../define';
import { CachedMarkSchema } from './cache';
import { SeqSchema, uuidSchema } from '../../ids';

/**
 * Verify a tenant's audit chain. A verification is a job in main: start it, poll
 * its status (or listen to `audit.verifyProgress`), cancel it, fetch its result. The result is the
 * complete record a reviewer signs (docs/chain-format.md §5.3, /tmp/team/VERIFY-API.md).
 */

const Uuid = uuidSchema();
const Seq = SeqSchema;
const IsoTime = z.string().datetime({ offset: true });
const JobId = z.string().regex(/^vj-[0-9a-f]{16}$/, 'a verification job id');

export const VerifyRangeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('all') }).strict(),
  z.object({ kind: z.literal('seq'), from: Seq, to: Seq.nullable() }).strict(),
  z.object({ kind: z.literal('time'), from: IsoTime, to: IsoTime }).strict(),
]);

export const VerifyTenantSchema = z
  .object({
    id: Uuid,
    slug: z.string(),
    name: z.string(),
    /** Events in the chain (the highest stored seq + 1). */
    events: z.number().int().min(0),
    /** The first and last stored event times, or null for an empty chain. */
    firstTime: z.string().nullable(),
    lastTime: z.string().nullable(),
    /**
     * Events the newest signed checkpoint covers (its tree size, 0: none yet): a certificate or a
     * bundle can prove seq 0 … checkpointedEvents - 1; later events wait for the next checkpoint.
     */
    checkpointedEvents: z.number().int().min(0),
    /** When that checkpoint was issued (RFC 3339), or null when there is none. */
    checkpointedAt: z.string().nullable(),
    /** Present when the list was answered from the local cache (control plane unreachable). */
    cached: CachedMarkSchema.optional(),
  })
  .strict();

export const VerifyProgressSchema = z
  .object({
    phase: z.enum(['queued', 'checkpoints', 'events', 'documents', 'done']),
    rows: z.number().int().min(0),
    bytes: z.number().int().min(0),
    seq: z.number().int(),
    total: z.number().int().min(0).nullable(),
    eventsPerSecond: z.number().min(0),
    secondsLeft: z.number().min(0).nullable(),
  })
  .strict();

export const VerifyStatusSchema = z
  .object({
    jobId: JobId,
    tenantId: Uuid,
    state: z.enum(['running', 'done', 'failed', 'cancelled']),
    progress: VerifyProgressSchema,
    verdict: z.enum(['intact', 'broken']).nullable(),
    error: z.object({ code: z.string(), message: z.string() }).strict().nullable(),
    startedAt: z.string(),
    /** Present on a job answered from a cached result of the same range (control plane unreachable). */
    cached: CachedMarkSchema.optional(),
  })
  .strict();

export const VerifyProblemSchema = z
  .object({
    code: z.string(),
    severity: z.enum(['error', 'warning']),
    /** The verifier's short technical message. */
    message: z.string(),
    /** One plain sentence ("Event 48,213 was modified after it was written: …"). */
    meaning: z.string(),
    /** The stored seq concerned (-1: not an event, e.g. a policy version no event used). */
    seq: z.number().int(),
    lastSeq: z.number().int().nullable(),
    count: z.number().int().nullable(),
    expected: z.string().nullable(),
    found: z.string().nullable(),
    /** Everything else the check recorded (treeSize, issuedAt, key, policyId, delta…). */
    details: z.record(z.string(), z.unknown()),
  })
  .strict();

export const VerifyResultSchema = z
  .object({
    jobId: JobId,
    tenant: z.object({ id: Uuid, slug: z.string(), name: z.string() }).strict(),
    verdict: z.enum(['intact', 'broken']),
    range: z
      .object({
        kind: z.enum(['all', 'seq', 'time']),
        fromSeq: z.number().int(),
        toSeq: z.number().int().nullable(),
        fromTime: z.string().nullable(),
        toTime: z.string().nullable(),
      })
      .strict(),
    counts: z
      .object({
        events: z.number().int(),
        bytes: z.number().int(),
        errors: z.number().int(),
        warnings: z.number().int(),
        omitted: z.number().int(),
        checkpointsTotal: z.number().int(),
        checkpointsVerified: z.number().int(),
        policyVersionsChecked: z.number().int(),
      })
      .strict(),
    firstSeq: z.number().int().nullable(),
    lastSeq: z.number().int().nullable(),
    /** The stored chain hash after the last verified event (hex BLAKE3) and the chain size there. */
    head: z.object({ size: z.number().int(), hashBlake3: z.string() }).strict(),
    /** The newest verified signed checkpoint inside the range, on which the events are anchored. */
    checkpoint: z
      .object({
        treeSize: z.number().int(),
        rootSha256: z.string(),
        headBlake3: z.string(),
        issuedAt: z.string(),
        keyName: z.string(),
        note: z.string(),
      })
      .strict()
      .nullable(),
    /**
     * Events after that checkpoint: not yet covered by a signed checkpoint. laterCheckpointSize: a
     * verified checkpoint beyond the range's end covers them, but this range did not check its root.
     */
    tail: z
      .object({ fromSeq: z.number().int(), count: z.number().int(), laterCheckpointSize: z.number().int().nullable() })
      .strict()
      .nullable(),
    problems: z.array(VerifyProblemSchema),
    documents: z.enum(['checked', 'skipped', 'unchecked']),
    startedAt: z.string(),
    finishedAt: z.string(),
    durationMs: z.number().int(),
    engine: z.object({ format: z.literal('arx-chain-v1'), blake3: z.string(), workers: z.number().int() }).strict(),
    /** Present when this result is the cached one of the same range (control plane unreachable); `at`: when it was computed online. */
    cached: CachedMarkSchema.optional(),
  })
  .strict();

export type VerifyRange = z.infer<typeof VerifyRangeSchema>;
export type VerifyStatus = z.infer<typeof VerifyStatusSchema>;
export type VerifyResult = z.infer<typeof VerifyResultSchema>;
export type VerifyProblem = z.infer<typeof VerifyProblemSchema>;

const JobRequest = z.object({ jobId: JobId }).strict();

/**
 * Commands of this domain, merged into the contract table (../commands.ts). Keys are
 * "group.method"; the group becomes window.arx.<group>.
 */
export const auditVerifyCommands = {
  'audit.tenants': def({
    summary: 'Tenants whose chains the operator may verify (ISSO or auditor), with their event counts.',
    request: empty,
    response: z.array(VerifyTenantSchema),
    requiresConsent: true,
    offline: 'cache',
    access: { session: 'operator', why: 'Lists only the tenants where the operator holds the isso or auditor role.' },
  }),
  'audit.verifyStart': def({
    summary: "Start verifying a tenant's audit chain over a range (all, seq or time); returns a job id.",
    request: z.object({ tenantId: Uuid, range: VerifyRangeSchema }).strict(),
    response: VerifyStatusSchema,
    requiresConsent: true,
    offline: 'cache',
    access: { session: 'operator', roles: EVIDENCE_READERS, tenant: 'tenantId' },
  }),
  'audit.verifyStatus': jobCommand({
    summary: 'Progress of a verification: events verified, events per second, time left, state.',
    request: JobRequest,
    response: VerifyStatusSchema,
    roles: EVIDENCE_READERS,
  }),
  'audit.verifyCancel': jobCommand({
    summary: 'Cancel a running verification (it writes nothing, so nothing is left half-done).',
    request: JobRequest,
    response: VerifyStatusSchema,
    roles: EVIDENCE_READERS,
  }),
  'audit.verifyResult': jobCommand({
    summary: 'The complete result of a finished verification: verdict, counts, every problem, the checkpoint used.',
    request: JobRequest,
    response: VerifyResultSchema,
    roles: EVIDENCE_READERS,
  }),
  'audit.cosignatures': def({
    summary:
      "The stored checkpoints of one tree size and the witnesses' cosignature lines on each (docs/chain-format.md §9); the caller judges them against its own trusted witness keys.",
    request: z.object({ tenantId: Uuid, treeSize: z.number().int().min(0) }).strict(),
    response: z.array(
      z
        .object({
          treeSize: z.number().int().min(0),
          rootSha256: z.string().regex(/^[0-9a-f]{64}$/),
          /** The signed checkpoint note as stored (the gateway's signature). */
          note: z.string(),
          /** Cosignature lines stored for this size and root, each ending in a newline. */
          cosignatures: z.array(z.string()),
        })
        .strict(),
    ),
    requiresConsent: true,
    offline: 'none',
    access: { session: 'operator', roles: EVIDENCE_READERS, tenant: 'tenantId' },
  }),
} as const satisfies Record<string, CommandDef>;

/** Stable error codes of this domain (see ../errors.ts: add at the end, never rename). */
export const AUDIT_VERIFY_ERROR_CODES = [
  /** Retired: the registry answers ROLE_REQUIRED from the command's access declaration. */
  'AUDIT_VERIFY_FORBIDDEN',
  'AUDIT_VERIFY_RANGE_INVALID',
  'AUDIT_VERIFY_RANGE_EMPTY',
  'AUDIT_VERIFY_JOB_UNKNOWN',
  'AUDIT_VERIFY_NOT_FINISHED',
  'AUDIT_VERIFY_FAILED',
] as const;

/** Events of this domain pushed from main to the renderer (merged into ../events.ts). */
export const auditVerifyEvents = {
  'audit.verifyProgress': {
    payload: VerifyStatusSchema,
    summary: 'A verification job progressed, finished, failed or was cancelled.',
  },
  'audit.checkpointed': {
    // Only when: what it covers, and in which tenant, is read through audit.tenants (with its role checks).
    payload: z.object({ at: z.string() }).strict(),
    summary: "A signed checkpoint was issued by the console's own (embedded) gateway: audit.tenants has changed.",
  },
} as const;
