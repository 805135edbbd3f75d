import { z } from 'zod';
import { def, empty, type CommandDef } from '../define';

/**
 * The encrypted local evidence cache (docs/cache.md): its state, unlocking with the
 * operator's card (or the organisation recovery key), maintenance, and the outbox of artifacts
 * signed while the control plane was unreachable.
 */

const ProblemSchema = z.object({ code: z.string(), message: z.string() }).strict();

/**
 * Marks a read answered from the local cache because the control plane was unreachable
 * (docs/cache.md, "What is cached and when it is served"): `at` is when the cached answer was
 * fetched and verified online. Absent on a live answer.
 */
export const CachedMarkSchema = z.object({ at: z.string() }).strict();
export type CachedMark = z.infer<typeof CachedMarkSchema>;

export const CacheRecipientSchema = z
  .object({
    /** card: a card's Key Management key (9D); recovery: the organisation recovery key. */
    role: z.enum(['card', 'recovery']),
    kind: z.enum(['ec', 'rsa']),
    /** Subject of the card certificate (sealed: shown only while unlocked), "key <fingerprint>…" for a card that has not opened a migrated cache yet, or "organisation recovery key". */
    label: z.string(),
    /** SHA-256 of the recipient's SubjectPublicKeyInfo, hex. */
    recipient: z.string(),
  })
  .strict();

export const CacheStatusSchema = z
  .object({
    /**
     * absent: no cache file yet (it is made at the first unlock); locked: the data key is not in
     * memory; unlocked: usable; damaged: unlocked but the file failed a check (problem says which):
     * only the outbox can be read, the cache can be rebuilt or wiped.
     */
    state: z.enum(['absent', 'locked', 'unlocked', 'damaged']),
    problem: ProblemSchema.nullable(),
    file: z.string(),
    fileBytes: z.number().int().min(0),
    /** Limit for re-fetchable data (LRU eviction); the outbox and drafts never count against it. */
    limitBytes: z.number().int().min(0),
    records: z.number().int().min(0),
    refetchableBytes: z.number().int().min(0),
    outbox: z
      .object({
        pending: z.number().int().min(0),
        delivered: z.number().int().min(0),
        rejected: z.number().int().min(0),
      })
      .strict(),
    generation: z.number().int().min(0),
    /** A data-key rotation that was started and not finished (resumed by cache.rotate). */
    rotation: z
      .object({ to: z.number().int(), remaining: z.number().int().min(0) })
      .strict()
      .nullable(),
    recipients: z.array(CacheRecipientSchema),
    recoveryConfigured: z.boolean(),
    /** Who unlocked it: "card <subject>" or "recovery key"; null when locked. */
    unlockedBy: z.string().nullable(),
  })
  .strict();
export type CacheStatus = z.infer<typeof CacheStatusSchema>;

export const OutboxItemSchema = z
  .object({
    seq: z.number().int(),
    id: z.string(),
    kind: z.string(),
    state: z.enum(['pending', 'delivered', 'rejected']),
    attempts: z.number().int().min(0),
    /** The last failure's code and message (never the payload). */
    lastError: ProblemSchema.nullable(),
    createdAt: z.string().nullable(),
    deliveredAt: z.string().nullable(),
    /** One line the enqueuing service gave ("review of alpha-command 0..499"); null when the payload cannot be read. */
    summary: z.string().nullable(),
    /** The tenant the item belongs to, as its kind's owning service reads it from the payload; null when it cannot be read. */
    tenantId: z.string().nullable(),
  })
  .strict();
export type OutboxItem = z.infer<typeof OutboxItemSchema>;

export const cacheCommands = {
  'cache.status': def({
    summary: 'State of the encrypted local cache and its outbox.',
    request: empty,
    response: CacheStatusSchema,
    requiresConsent: true,
    offline: 'none',
    access: {
      session: 'none',
      why: 'State and recipients only, never cached content; needed to recover without a card.',
    },
  }),
  'cache.unlock': def({
    summary: "Open the cache with the logged-in operator's card (Key Management key, 9D); creates it on first use.",
    request: empty,
    response: CacheStatusSchema,
    requiresConsent: true,
    offline: 'none',
    access: {
      session: 'operator',
      why: "Opens with the logged-in operator's card; this workstation's cache, no tenant.",
    },
  }),
  'cache.recover': def({
    summary: 'Open the cache with the organisation recovery private key (PEM file), e.g. after a lost card.',
    request: z
      .object({ privateKeyFile: z.string().min(1).max(4096), passphrase: z.string().max(1024).nullable() })
      .strict(),
    response: CacheStatusSchema,
    requiresConsent: true,
    offline: 'none',
    access: {
      session: 'none',
      why: 'For a lost card: the recovery private key and its passphrase are the credential. The path is checked at the boundary.',
    },
    // A PEM private key is a few kilobytes.
    files: { privateKeyFile: { maxBytes: 64 * 1024 } },
  }),
  'cache.lock': def({
    summary: 'Wipe the data key from memory.',
    request: empty,
    response: CacheStatusSchema,
    requiresConsent: true,
    offline: 'none',
    access: { session: 'none', why: 'Only takes access away.' },
  }),
  'cache.wipe': def({
    summary: 'Delete the cache file and its keys (refused while the outbox holds unsent items, unless discardOutbox).',
    request: z.object({ discardOutbox: z.boolean() }).strict(),
    response: CacheStatusSchema,
    requiresConsent: true,
    offline: 'none',
    access: {
      session: 'none',
      why: "Deletes only this workstation's encrypted file (which its account can delete anyway), so that a lost or other card never leaves it stuck.",
    },
  }),
  'cache.rewrap': def({
    summary:
      "Wrap the data key to another card's Key Management key (the card in `slot`); optionally drop the current card.",
    request: z.object({ slot: z.string().min(1).max(64), removeOthers: z.boolean() }).strict(),
    response: CacheStatusSchema,
    requiresConsent: true,
    offline: 'none',
    access: {
      session: 'operator',
      why: "This workstation's cache, no tenant; changing who can open it needs a logged-in operator.",
    },
  }),
  'cache.rotate': def({
    summary: 'Rotate the data key: re-encrypt everything in batches (resumes an interrupted rotation).',
    request: z.object({ batchSize: z.number().int().min(1).max(10_000) }).strict(),
    response: CacheStatusSchema,
    requiresConsent: true,
    offline: 'none',
    access: { session: 'operator', why: "This workstation's cache, no tenant." },
  }),
  'cache.rebuild': def({
    summary: 'Replace a damaged cache with a new one, keeping every readable outbox item; the old file is kept aside.',
    request: empty,
    response: z
      .object({
        status: CacheStatusSchema,
        outboxKept: z.number().int().min(0),
        outboxUnreadable: z.number().int().min(0),
        quarantinedFile: z.string(),
      })
      .strict(),
    requiresConsent: true,
    offline: 'none',
    access: { session: 'operator', why: "This workstation's cache, no tenant." },
  }),
  'cache.outboxList': def({
    summary: 'Artifacts signed while offline and their delivery state, in order.',
    request: empty,
    response: z.object({ items: z.array(OutboxItemSchema) }).strict(),
    requiresConsent: true,
    offline: 'none',
    access: {
      session: 'operator',
      why: "This workstation's outbox; items are delivered under their own tenant checks.",
    },
  }),
  'cache.entries': def({
    summary:
      'What the cache holds, by kind, with the keys of each (decrypted, newest first, at most `limit` per kind).',
    request: z.object({ limit: z.number().int().min(0).max(1000) }).strict(),
    response: z
      .object({
        kinds: z.array(
          z.object({ kind: z.string(), count: z.number().int().min(0), keys: z.array(z.string()) }).strict(),
        ),
      })
      .strict(),
    requiresConsent: true,
    offline: 'none',
    access: { session: 'operator', why: "This workstation's cache, no tenant." },
  }),
  'cache.outboxDeliver': def({
    summary: 'Deliver the pending outbox items now, in order.',
    request: empty,
    response: z
      .object({
        delivered: z.number().int().min(0),
        rejected: z.number().int().min(0),
        pending: z.number().int().min(0),
      })
      .strict(),
    requiresConsent: true,
    offline: 'none',
    access: {
      session: 'operator',
      why: 'Each item is checked again when delivered (signature and role in its tenant).',
    },
  }),
} as const satisfies Record<string, CommandDef>;

/** Stable error codes of this domain (see ../errors.ts: add at the end, never rename). */
export const CACHE_ERROR_CODES = [
  'CACHE_LOCKED',
  'CACHE_VALUE_TAMPERED',
  'CACHE_VALUE_MISPLACED',
  'CACHE_VALUE_TRUNCATED',
  'CACHE_FORMAT_UNSUPPORTED',
  'CACHE_KEY_UNWRAP_FAILED',
  'CACHE_WRONG_CARD',
  'CACHE_FILE_CORRUPT',
  'CACHE_FILE_TRUNCATED',
  'CACHE_FOREIGN_WORKSTATION',
  'CACHE_ROLLED_BACK',
  'CACHE_DAMAGED',
  'CACHE_TOO_NEW',
  'CACHE_RECOVERY_KEY_INVALID',
  'CACHE_RECOVERY_NOT_CONFIGURED',
  'CACHE_OUTBOX_KIND_UNKNOWN',
  'CACHE_OUTBOX_NOT_EMPTY',
  'OFFLINE_NOT_CACHED',
  'CACHE_BUSY',
] as const;

/** Events of this domain pushed from main to the renderer (merged into ../events.ts). */
export const cacheEvents = {
  'cache.changed': {
    payload: CacheStatusSchema,
    summary: 'The cache was unlocked, locked, damaged, or its outbox changed.',
  },
} as const;
