import { z } from 'zod';
import { EVENT_TYPES, DATA_CLASSIFICATIONS, type EventType } from '../../events';
import { ANY_ROLE, def, type CommandDef } from '../define';
import { CachedMarkSchema } from './cache';
import { uuidSchema } from '../../ids';

/**
 * The event explorer and the audit dashboards (docs/explorer.md).
 * Every query is for one tenant and runs under row-level security (withTenant); the operator
 * must hold a role in that tenant.
 */

const TenantId = uuidSchema('a tenant id is a lowercase UUID');
/** RFC 3339 in UTC (Z), up to microseconds. */
const Instant = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?Z$/, 'a UTC time like 2026-11-25T12:00:00Z');
const Text = z.string().min(1).max(200);
const Cents = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const EXPLORER_EVENT_TYPES = EVENT_TYPES as readonly EventType[] as [EventType, ...EventType[]];

/** Every filter is optional; given ones are combined with AND. Time range: from inclusive, to exclusive. */
export const ExplorerFilterSchema = z
  .object({
    type: z.enum(EXPLORER_EVENT_TYPES).optional(),
    timeFrom: Instant.optional(),
    timeTo: Instant.optional(),
    user: Text.optional(),
    team: Text.optional(),
    provider: Text.optional(),
    model: Text.optional(),
    decision: z.enum(['permit', 'deny']).optional(),
    classification: z.enum(DATA_CLASSIFICATIONS).optional(),
    /** A denial's determining policies, as the explorer lists them (a JSON array text). */
    reason: Text.optional(),
    costMin: Cents.optional(),
    costMax: Cents.optional(),
    /** An event id, a subject or a request id (exact). */
    search: Text.optional(),
  })
  .strict();
export type ExplorerFilter = z.infer<typeof ExplorerFilterSchema>;

export const EXPLORER_SORT_KEYS = ['time', 'seq', 'cost'] as const;
export const ExplorerSortSchema = z
  .object({ key: z.enum(EXPLORER_SORT_KEYS), direction: z.enum(['asc', 'desc']) })
  .strict();
export type ExplorerSort = z.infer<typeof ExplorerSortSchema>;

export const ExplorerRowSchema = z
  .object({
    seq: z.number().int(),
    eventId: z.string(),
    type: z.string(),
    time: z.string(),
    subject: z.string().nullable(),
    user: z.string().nullable(),
    team: z.string().nullable(),
    provider: z.string().nullable(),
    model: z.string().nullable(),
    decision: z.string().nullable(),
    classification: z.string().nullable(),
    reason: z.string().nullable(),
    costCents: z.number().nullable(),
  })
  .strict();
export type ExplorerRow = z.infer<typeof ExplorerRowSchema>;

export const ExplorerPageSchema = z
  .object({
    rows: z.array(ExplorerRowSchema),
    /** Opaque keyset cursor for the next page; null at the end. */
    next: z.string().nullable(),
    /**
     * True on a filtered first page with more to come: how many events match is asked for with
     * explorer.matchCount, after the page (the page never waits for the count).
     */
    countable: z.boolean().optional(),
    /** Pages cached by earlier consoles carried their count here; new pages never do. */
    matches: z
      .object({ count: z.number().int().min(0), exact: z.boolean() })
      .strict()
      .optional(),
    elapsedMs: z.number(),
    /** Present when answered from the local cache (control plane unreachable). */
    cached: CachedMarkSchema.optional(),
  })
  .strict();

const Hex = z.string().regex(/^[0-9a-f]*$/);

/**
 * Everything the renderer needs to check one event itself with shared/ code: the stored bytes,
 * the stored digest and chain hash, the previous chain hash (or the genesis hash for seq 0), the
 * inclusion proof as a C2SP tlog-proof to the nearest signed checkpoint, and the tenant's
 * gateway verifier keys. Main does not pronounce the verdict; the renderer recomputes it.
 */
export const ExplorerEventSchema = z
  .object({
    tenantId: z.string(),
    seq: z.number().int(),
    eventId: z.string(),
    bytesBase64: z.string(),
    /** The jsonb copy, as the database returns it. */
    doc: z.unknown(),
    /** As stored (hex); a tampered row may hold a value of the wrong length, shown as it is. */
    digest: Hex,
    chainHash: Hex,
    /** h_(seq-1), or G for seq 0; null when the previous row is missing. */
    previousHash: Hex.nullable(),
    proof: z
      .object({
        /** c2sp.org/tlog-proof@v1 text: index, proof hashes, and the checkpoint note verbatim. */
        tlogProof: z.string(),
        treeSize: z.number().int(),
        issuedAt: z.string(),
      })
      .strict()
      .nullable(),
    /** Why there is no proof (the event is newer than the newest checkpoint, or the proof could not be built). */
    proofUnavailable: z.string().nullable(),
    verifierKeys: z.array(
      z.object({ key: z.string(), validFrom: z.string(), validTo: z.string().nullable() }).strict(),
    ),
    /** Present when answered from the local cache (control plane unreachable); the renderer re-checks it all the same. */
    cached: CachedMarkSchema.optional(),
  })
  .strict();
export type ExplorerEvent = z.infer<typeof ExplorerEventSchema>;

export const FACET_FIELDS = ['user', 'team', 'provider', 'model', 'reason'] as const;
export const ExplorerFacetsSchema = z
  .object({
    user: z.array(z.string()),
    team: z.array(z.string()),
    provider: z.array(z.string()),
    model: z.array(z.string()),
    reason: z.array(z.string()),
    firstTime: z.string().nullable(),
    lastTime: z.string().nullable(),
    events: z.number().int(),
    cached: CachedMarkSchema.optional(),
  })
  .strict();

const Bucket = z.object({ start: z.string(), end: z.string(), count: z.number().int() }).strict();
const Labelled = z.object({ label: z.string(), count: z.number().int() }).strict();
const CostCell = z.object({ team: z.string(), provider: z.string(), costCents: z.number() }).strict();
export const OutlierPointSchema = z
  .object({
    /** What the series is (a user, a team). */
    series: z.string(),
    seriesKind: z.enum(['user', 'team']),
    day: z.string(),
    costCents: z.number(),
    median: z.number(),
    mad: z.number(),
    score: z.number(),
  })
  .strict();
export const ExplorerDashboardSchema = z
  .object({
    bucket: z.enum(['hour', 'day']),
    eventsOverTime: z.array(Bucket.extend({ outlier: z.boolean(), score: z.number() }).strict()),
    denialsByReason: z.array(Labelled.extend({ reason: z.string() }).strict()),
    costByTeamProvider: z.array(CostCell),
    costOutliers: z.array(OutlierPointSchema),
    /** User-days whose cost is inside their norm, for the scatter next to the outliers. */
    userDays: z.array(
      z.object({ user: z.string(), day: z.string(), costCents: z.number(), score: z.number() }).strict(),
    ),
    threshold: z.number(),
    elapsedMs: z.number(),
    /** Present when answered from the local cache (control plane unreachable). */
    cached: CachedMarkSchema.optional(),
  })
  .strict();
export type ExplorerDashboard = z.infer<typeof ExplorerDashboardSchema>;

export const auditExplorerCommands = {
  'explorer.query': def({
    summary: 'One page of a tenant’s audit events, filtered and sorted on the server (keyset pagination).',
    request: z
      .object({
        tenantId: TenantId,
        filter: ExplorerFilterSchema,
        sort: ExplorerSortSchema,
        cursor: z.string().max(400).nullable(),
        limit: z.number().int().min(1).max(500),
      })
      .strict(),
    response: ExplorerPageSchema,
    requiresConsent: true,
    offline: 'cache',
    access: { session: 'operator', roles: ANY_ROLE, tenant: 'tenantId' },
  }),
  'explorer.matchCount': def({
    summary:
      'How many events of a tenant match a filter: exact up to 10,000, above that PostgreSQL’s estimate (exact: false).',
    request: z.object({ tenantId: TenantId, filter: ExplorerFilterSchema, sort: ExplorerSortSchema }).strict(),
    response: z
      .object({
        count: z.number().int().min(0),
        exact: z.boolean(),
        elapsedMs: z.number(),
        cached: CachedMarkSchema.optional(),
      })
      .strict(),
    requiresConsent: true,
    offline: 'cache',
    access: { session: 'operator', roles: ANY_ROLE, tenant: 'tenantId' },
  }),
  'explorer.event': def({
    summary:
      'One event: stored bytes, jsonb copy, digest, chain link and an inclusion proof to the nearest signed checkpoint.',
    request: z.object({ tenantId: TenantId, seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }).strict(),
    response: ExplorerEventSchema,
    requiresConsent: true,
    offline: 'cache',
    access: { session: 'operator', roles: ANY_ROLE, tenant: 'tenantId' },
  }),
  'explorer.facets': def({
    summary: 'The values each explorer filter can take in a tenant, and its time span.',
    request: z.object({ tenantId: TenantId }).strict(),
    response: ExplorerFacetsSchema,
    requiresConsent: true,
    offline: 'cache',
    access: { session: 'operator', roles: ANY_ROLE, tenant: 'tenantId' },
  }),
  'explorer.dashboard': def({
    summary:
      'Events over time, denials by reason, cost by team and provider, and cost outliers (median absolute deviation).',
    request: z.object({ tenantId: TenantId, timeFrom: Instant.nullable(), timeTo: Instant.nullable() }).strict(),
    response: ExplorerDashboardSchema,
    requiresConsent: true,
    offline: 'cache',
    access: { session: 'operator', roles: ANY_ROLE, tenant: 'tenantId' },
  }),
} as const satisfies Record<string, CommandDef>;

/** Stable error codes of this domain (see ../errors.ts: add at the end, never rename). */
export const AUDIT_EXPLORER_ERROR_CODES = [
  'EXPLORER_CURSOR_INVALID',
  /** Retired: the registry answers ROLE_REQUIRED from the command's access declaration. */
  'EXPLORER_TENANT_FORBIDDEN',
  'EXPLORER_FILTER_INVALID',
] as const;

/** Events of this domain pushed from main to the renderer (merged into ../events.ts). */
export const auditExplorerEvents = {} as const;
