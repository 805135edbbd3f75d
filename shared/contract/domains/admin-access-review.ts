import { z } from 'zod';
import { uuidSchema } from '../../ids';
import { jobCommand, type CommandDef } from '../define';
import { AccessReviewEntrySchema, admin } from './admin';

/**
 * The access review at enclave scale (migration 0029): the Administration screen reads one page,
 * filtered, counted and ordered by the control plane, with that page's card signatures verified
 * now; a full verification walks every grant in batches as a job with progress; the CSV export
 * is written in main a batch at a time and only its path crosses to the window.
 */

const uuid = uuidSchema('a UUID');
const JobId = z.string().regex(/^av-[0-9a-f]{16}$/, 'a full verification job id');

export const AccessReviewPageEntrySchema = AccessReviewEntrySchema.extend({
  tenantId: uuid,
  operatorId: uuid,
  /** The control plane's marker: a signature the grant needs is absent (a grant written into the database directly). */
  unsigned: z.boolean(),
}).strict();

export const AccessReviewVerifyStatusSchema = z
  .object({
    jobId: JobId,
    state: z.enum(['running', 'done', 'cancelled', 'failed']),
    /** Grants checked so far, of `total` when the job started. */
    checked: z.number().int(),
    total: z.number().int(),
    grantsPerSecond: z.number(),
    /** Grants whose grant or approval signature is missing or does not verify. */
    problems: z.number().int(),
    /** The first problems found (tenant, EDIPI, role and the two checks); the rest are under the problems filter. */
    firstProblems: z.array(
      AccessReviewEntrySchema.pick({ tenant: true, edipi: true, role: true, grant: true, approval: true }),
    ),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    error: z.object({ code: z.string(), message: z.string() }).strict().nullable(),
  })
  .strict();

export const AccessReviewPageSchema = z
  .object({
    entries: z.array(AccessReviewPageEntrySchema),
    page: z.number().int(),
    pageSize: z.number().int(),
    /** Exact counts from the control plane: every grant, those the filter matches, unsigned ones, expiring ones. */
    total: z.number().int(),
    matching: z.number().int(),
    unsigned: z.number().int(),
    expiring: z.number().int(),
    /** The newest finished full verification of this administrator, whose problems the problems filter includes. */
    verifiedAll: z
      .object({ jobId: JobId, finishedAt: z.string(), checked: z.number().int(), problems: z.number().int() })
      .strict()
      .nullable(),
  })
  .strict();

const JobRequest = z.object({ jobId: JobId }).strict();
const ADMIN_ROLE = ['administrator'] as const;

export const adminAccessReviewCommands = {
  'admin.accessReviewPage': admin({
    summary:
      'One page of the access review: filtered, counted and ordered by the control plane, its card signatures verified now.',
    request: z
      .object({
        text: z.string().max(200),
        problemsOnly: z.boolean(),
        expiringOnly: z.boolean(),
        page: z.number().int().min(1).max(1_000_000),
        pageSize: z.number().int().min(10).max(500),
      })
      .strict(),
    response: AccessReviewPageSchema,
  }),
  'admin.accessReviewVerifyStart': admin({
    summary: 'Verify the card signatures of every grant, in batches (a job with progress); read-only.',
    request: z.object({}).strict(),
    response: AccessReviewVerifyStatusSchema,
  }),
  'admin.accessReviewVerifyStatus': jobCommand({
    summary: 'Progress of a full verification of the access review: grants checked, per second, problems so far.',
    request: JobRequest,
    response: AccessReviewVerifyStatusSchema,
    roles: ADMIN_ROLE,
  }),
  'admin.accessReviewVerifyCancel': jobCommand({
    summary: 'Cancel a full verification of the access review (read-only: nothing is left half-written).',
    request: JobRequest,
    response: AccessReviewVerifyStatusSchema,
    roles: ADMIN_ROLE,
  }),
} as const satisfies Record<string, CommandDef>;
