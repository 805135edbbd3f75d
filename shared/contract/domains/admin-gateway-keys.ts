import { z } from 'zod';
import { uuidSchema } from '../../ids';
import { PinSchema, type CommandDef } from '../define';
import { admin } from './admin';

/**
 * Gateway keys, administered (docs/deployment.md, "Gateway keys"; migration 0027): register a
 * gateway's checkpoint verifier key, rotate it with an overlap, revoke it; each card-signed by an
 * administrator and recorded in the tenant's chain. The public keys export as the
 * `gateway-keys.txt` auditors pin (docs/bundle-format.md §5.3).
 */

const uuid = uuidSchema('a UUID');
/** Window times: whole milliseconds, UTC (what statements, events and bundles carry). */
const time = z
  .string()
  .regex(/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$/, 'YYYY-MM-DDTHH:MM:SS.sssZ');
/** C2SP note verifier key text `<name>+<key id>+<base64(0x01 ‖ key)>`, as the gateway publishes it. */
const verifierKey = z.string().min(10).max(400);
const keyName = z.string().min(1).max(128);
const MAX_OVERLAP_S = 30 * 24 * 3600;

export const GatewayKeyStatusSchema = z.enum(['scheduled', 'valid', 'ending', 'ended']);

export const AdminGatewayKeySchema = z
  .object({
    tenantId: uuid,
    tenantSlug: z.string(),
    keyName: z.string(),
    verifierKey: z.string(),
    validFrom: z.string(),
    validTo: z.string().nullable(),
    /** scheduled: not yet begun; valid: open-ended; ending: valid now, end set; ended: past its end. */
    status: GatewayKeyStatusSchema,
    endedReason: z.enum(['rotated', 'revoked']).nullable(),
    lastCheckpoint: z.string().nullable(),
  })
  .strict();

export const adminGatewayKeyCommands = {
  'admin.gatewayKeyList': admin({
    summary: "Every tenant's gateway keys with their windows and the last checkpoint each signed.",
    request: z.object({}).strict(),
    response: z.array(AdminGatewayKeySchema),
  }),
  'admin.gatewayKeyRegister': admin({
    summary:
      "Register a gateway's checkpoint verifier key for a tenant, valid from now or a stated time (card-signed, chained).",
    request: z
      .object({
        tenantId: uuid,
        verifierKey,
        validFrom: time.nullable(),
        validTo: time.nullable(),
        pin: PinSchema.nullable(),
      })
      .strict(),
    response: z
      .object({ tenantId: uuid, keyName: z.string(), validFrom: z.string(), validTo: z.string().nullable() })
      .strict(),
  }),
  'admin.gatewayKeyRotate': admin({
    summary:
      'Rotate a gateway key: the new key valid from now (or a stated time), the old one until then plus the overlap (card-signed, chained).',
    request: z
      .object({
        tenantId: uuid,
        previousKey: keyName,
        verifierKey,
        validFrom: time.nullable(),
        overlapSeconds: z.number().int().min(0).max(MAX_OVERLAP_S),
        pin: PinSchema.nullable(),
      })
      .strict(),
    response: z
      .object({ keyName: z.string(), validFrom: z.string(), previousKey: z.string(), previousValidTo: z.string() })
      .strict(),
  }),
  'admin.gatewayKeyRevoke': admin({
    summary:
      'Revoke a gateway key: its window ends now or at a stated earlier time; checkpoints it signed from then on stop verifying (card-signed, chained).',
    request: z
      .object({
        tenantId: uuid,
        keyName,
        validTo: time.nullable(),
        reason: z.string().min(1).max(200),
        pin: PinSchema.nullable(),
      })
      .strict(),
    response: z.object({ keyName: z.string(), validTo: z.string(), checkpointsOutside: z.number().int() }).strict(),
  }),
  'admin.gatewayKeyEffect': admin({
    summary:
      "What ending a key's window at a time would do: its current end and the stored checkpoints it signed since.",
    request: z.object({ tenantId: uuid, keyName, validTo: time.nullable() }).strict(),
    response: z
      .object({
        keyName: z.string(),
        validTo: z.string(),
        currentValidTo: z.string().nullable(),
        checkpointsOutside: z.number().int(),
      })
      .strict(),
  }),
  'admin.gatewayKeyExport': admin({
    summary: 'The gateway keys as gateway-keys.txt for auditors to pin (all tenants, or the ones named).',
    request: z.object({ tenantIds: z.array(uuid).max(1000).nullable() }).strict(),
    response: z.object({ text: z.string(), keys: z.number().int(), sha256: z.string() }).strict(),
  }),
} as const satisfies Record<string, CommandDef>;
