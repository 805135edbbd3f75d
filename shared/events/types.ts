import { z } from 'zod';
import { hex32Schema } from '../ids';

/**
 * The 23 audit event types of ARX (docs/events.md). Each type's `data` is a strict zod schema:
 * an event whose data does not match is refused at write time with the field path.
 * Names follow `com.arx.<area>.<verb>` (DESIGN.md, Naming). Digests are lowercase hex.
 */
const hex32 = hex32Schema('expected 64 lowercase hex digits');
const id = z.string().min(1).max(128);
const edipi = z.string().regex(/^[0-9]{10}$/, 'expected a 10-digit EDIPI');
const cents = z.number().int().min(0);
const tokens = z.number().int().min(0);

export const PROVIDERS = ['anthropic', 'openai', 'google-vertex', 'mistral', 'groq'] as const;
export const ProviderSchema = z.enum(PROVIDERS);
export const DATA_CLASSIFICATIONS = ['public', 'internal', 'cui', 'secret'] as const;
export const DataClassificationSchema = z.enum(DATA_CLASSIFICATIONS);
export const ROLES = ['policy-author', 'approver', 'isso', 'auditor', 'administrator'] as const;
export const RoleSchema = z.enum(ROLES);

const requestRef = { requestId: id };
const modelRef = { provider: ProviderSchema, model: id };
const policyRef = { policyId: id, versionSha256: hex32 };
const windowTime = z
  .string()
  .regex(/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$/, 'expected YYYY-MM-DDTHH:MM:SS.sssZ');
const gatewayKey = {
  tenantId: id,
  keyName: z.string().min(1).max(128),
  publicKey: z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'expected the base64 of a 32-byte Ed25519 public key'),
};

/** A Cedar entity as stored with a decision, so that it can be evaluated again later. */
const EntityJson = z
  .object({
    uid: z.object({ type: z.string().min(1), id: z.string() }).strict(),
    attrs: z.record(z.string(), z.unknown()),
    parents: z.array(z.object({ type: z.string().min(1), id: z.string() }).strict()),
  })
  .strict();

export const EVENT_DATA = {
  // The request path through the gateway.
  'com.arx.request.received': z
    .object({
      ...requestRef,
      user: id,
      team: id,
      ...modelRef,
      classification: DataClassificationSchema,
      jurisdiction: z.string().regex(/^[A-Z]{2}$/),
      purpose: z.string().min(1).max(64),
      promptTokens: tokens,
      estimatedCostCents: cents,
    })
    .strict(),
  'com.arx.policy.decided': z
    .object({
      ...requestRef,
      decision: z.enum(['permit', 'deny']),
      /** Sorted ids of the policies that determined the decision. */
      determiningPolicies: z.array(z.string().min(1)),
      /** Evaluation errors (Cedar skips an erroring policy): a decision with errors is flagged, never clean. */
      errors: z.array(z.object({ policyId: z.string(), message: z.string() }).strict()),
      policyVersion: z.object({ sha256: hex32, blake3: hex32 }).strict(),
      principal: z.object({ type: z.string(), id: z.string() }).strict(),
      action: z.object({ type: z.string(), id: z.string() }).strict(),
      resource: z.object({ type: z.string(), id: z.string() }).strict(),
      context: z.record(z.string(), z.unknown()),
      entities: z.array(EntityJson),
    })
    .strict(),
  'com.arx.request.routed': z
    .object({ ...requestRef, ...modelRef, region: z.string().min(1), reason: z.string().min(1) })
    .strict(),
  'com.arx.provider.called': z
    .object({ ...requestRef, ...modelRef, attempt: z.number().int().min(1).max(10) })
    .strict(),
  'com.arx.provider.responded': z
    .object({
      ...requestRef,
      ...modelRef,
      status: z.enum(['ok', 'error', 'timeout']),
      latencyMs: z.number().int().min(0),
      promptTokens: tokens,
      completionTokens: tokens,
    })
    .strict(),
  'com.arx.response.returned': z
    .object({
      ...requestRef,
      status: z.enum(['ok', 'denied', 'error']),
      latencyMs: z.number().int().min(0),
      totalTokens: tokens,
    })
    .strict(),
  'com.arx.content.redacted': z
    .object({
      ...requestRef,
      direction: z.enum(['prompt', 'completion']),
      categories: z.array(z.string().min(1)).min(1),
      count: z.number().int().min(1),
    })
    .strict(),
  'com.arx.cost.recorded': z
    .object({
      ...requestRef,
      user: id,
      team: id,
      ...modelRef,
      costCents: cents,
      promptTokens: tokens,
      completionTokens: tokens,
    })
    .strict(),
  'com.arx.budget.exceeded': z
    .object({
      team: id,
      period: z.string().regex(/^\d{4}-\d{2}$/),
      budgetCents: cents,
      spentCents: cents,
      requestId: id.optional(),
    })
    .strict(),
  // Operator sessions on the console.
  'com.arx.session.opened': z
    .object({ operatorId: id, edipi, certificateSha256: hex32, tokenLabel: z.string(), roles: z.array(RoleSchema) })
    .strict(),
  'com.arx.session.refused': z
    .object({
      edipi: edipi.nullable(),
      certificateSha256: hex32.nullable(),
      reason: z.string().regex(/^[A-Z][A-Z0-9_]+$/),
    })
    .strict(),
  'com.arx.session.closed': z
    .object({ operatorId: id, edipi, reason: z.enum(['logout', 'lock', 'idle', 'card-removed']) })
    .strict(),
  // Administration (docs/deployment.md): written only through the administration functions.
  // `by` is null for the first administrators, enrolled by the DBA at bootstrap without a card.
  'com.arx.role.granted': z
    .object({ operatorId: id, edipi, role: RoleSchema, by: id.nullable(), approvedBy: id.nullable().optional() })
    .strict(),
  'com.arx.role.revoked': z.object({ operatorId: id, edipi, role: RoleSchema, by: id }).strict(),
  'com.arx.tenant.created': z
    .object({ tenantId: id, slug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/), name: z.string(), by: id.nullable() })
    .strict(),
  'com.arx.tenant.renamed': z.object({ tenantId: id, name: z.string().min(1).max(200), by: id }).strict(),
  'com.arx.operator.enrolled': z
    .object({
      operatorId: id,
      edipi,
      displayName: z.string(),
      certificates: z.array(z.object({ usage: z.string(), sha256: hex32, notAfter: z.string() }).strict()),
      by: id.nullable(),
    })
    .strict(),
  'com.arx.operator.disabled': z.object({ operatorId: id, edipi, by: id }).strict(),
  'com.arx.operator.enabled': z.object({ operatorId: id, edipi, by: id }).strict(),
  /** A card change: the new card's certificates enrolled, every earlier one retired, the login re-wrapped. */
  'com.arx.operator.reenrolled': z
    .object({
      operatorId: id,
      edipi,
      certificates: z.array(z.object({ usage: z.string(), sha256: hex32, notAfter: z.string() }).strict()),
      retired: z.array(hex32),
      by: id,
    })
    .strict(),
  // Gateway keys (migration 0024): in the tenant's own chain. Times are YYYY-MM-DDTHH:MM:SS.sssZ; validTo null = open.
  'com.arx.gatewaykey.registered': z
    .object({ ...gatewayKey, validFrom: windowTime, validTo: windowTime.nullable(), verifierKey: z.string(), by: id })
    .strict(),
  /** A new key whose window opens at validFrom; the previous key's closes at previousValidTo (the overlap). */
  'com.arx.gatewaykey.rotated': z
    .object({
      ...gatewayKey,
      validFrom: windowTime,
      validTo: windowTime.nullable(),
      verifierKey: z.string(),
      previousKey: z.string().min(1),
      previousValidTo: windowTime,
      by: id,
    })
    .strict(),
  /** The key's window ends at validTo (possibly before the event: checkpoints it signed since stop verifying). */
  'com.arx.gatewaykey.revoked': z
    .object({ ...gatewayKey, validTo: windowTime, reason: z.string().min(1).max(200), by: id })
    .strict(),
  // The policy lifecycle (two-person integrity).
  'com.arx.policy.submitted': z.object({ ...policyRef, versionBlake3: hex32, author: id }).strict(),
  'com.arx.policy.approved': z.object({ ...policyRef, approver: id }).strict(),
  'com.arx.policy.published': z.object({ ...policyRef, previousSha256: hex32.nullable(), publishedBy: id }).strict(),
  'com.arx.policy.rolledback': z.object({ ...policyRef, fromSha256: hex32, by: id }).strict(),
  /** A submitted version refused by an approver (no signature; the version stays, as rejected). */
  'com.arx.policy.rejected': z.object({ ...policyRef, by: id }).strict(),
  /** A rollback to an earlier version, signed by its requester, waiting for a different approver. */
  'com.arx.policy.rollbackrequested': z
    .object({ ...policyRef, rollbackId: id, fromSha256: hex32.nullable(), requestedBy: id })
    .strict(),
  // Evidence.
  'com.arx.checkpoint.issued': z
    .object({ treeSize: z.number().int().min(0), rootSha256: hex32, keyName: z.string().min(1) })
    .strict(),
  'com.arx.review.signed': z
    .object({
      reviewId: id,
      fromSeq: z.number().int().min(0),
      toSeq: z.number().int().min(0),
      signer: id,
      verdict: z.enum(['intact', 'broken']),
    })
    .strict(),
  'com.arx.bundle.exported': z
    .object({ bundleSha256: hex32, fromSeq: z.number().int().min(0), toSeq: z.number().int().min(0), exporter: id })
    .strict(),
  // Companion keys (docs/companion-keys.md): attested by the operator's card, rotated, revoked.
  'com.arx.companionkey.attested': z
    .object({ operatorId: id, keyId: hex32, signingCertificateSha256: hex32, attestationSha256: hex32 })
    .strict(),
  'com.arx.companionkey.rotated': z
    .object({
      operatorId: id,
      keyId: hex32,
      previousKeyId: hex32,
      signingCertificateSha256: hex32,
      attestationSha256: hex32,
    })
    .strict(),
  'com.arx.companionkey.revoked': z
    .object({ operatorId: id, keyId: hex32, reason: z.enum(['retired', 'compromised']) })
    .strict(),
  // A witness's refusal of a checkpoint that does not extend what it cosigned (docs/chain-format.md §9.4).
  'com.arx.witness.forkdetected': z
    .object({
      operatorId: id,
      witness: z.string().min(1).max(255),
      code: z.enum([
        'WITNESS_FORK_DETECTED',
        'WITNESS_ROLLBACK_REFUSED',
        'WITNESS_PROOF_INVALID',
        'WITNESS_EMPTY_TREE_ROOT',
        'WITNESS_STATE_ROLLED_BACK',
      ]),
      treeSize: z.number().int().min(0).nullable(),
      rootSha256: hex32.nullable(),
      cosignedSize: z.number().int().min(0),
      cosignedRootSha256: hex32,
      checkpoint: z.string().nullable(),
      cosignedCheckpoint: z.string().nullable(),
    })
    .strict(),
} as const satisfies Record<string, z.ZodType>;

export type EventType = keyof typeof EVENT_DATA;
export type EventData<T extends EventType> = z.output<(typeof EVENT_DATA)[T]>;
export const EVENT_TYPES = Object.keys(EVENT_DATA) as EventType[];
export const isEventType = (t: unknown): t is EventType =>
  typeof t === 'string' && Object.prototype.hasOwnProperty.call(EVENT_DATA, t);
