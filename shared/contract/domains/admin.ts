import { z } from 'zod';
import { RoleSchema } from '../../events/types';
import { PinSchema, def, type Access, type CommandDef } from '../define';
import { uuidSchema } from '../../ids';

/**
 * Administration of the control plane by its administrators (docs/deployment.md): tenants, role
 * grants with two-person approval for `isso` and `administrator`, revocation, disabling operators,
 * and the access review. Every change is signed on the administrator's card and made by a definer
 * function on their own login, which also checks that they are an administrator.
 */

const uuid = uuidSchema('a UUID');
const slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and -');
const role = RoleSchema;

const ADMIN: Access = {
  session: 'operator',
  roles: ['administrator'],
  tenant: null,
  why: 'Control-plane administration; each definer function also checks the administrator role in the system tenant.',
};

export const admin = <Req extends z.ZodType, Res extends z.ZodType>(d: {
  summary: string;
  request: Req;
  response: Res;
}) => def({ ...d, requiresConsent: true, offline: 'none', access: ADMIN as Access<z.input<Req>> });

export const AdminTenantSchema = z
  .object({ tenantId: uuid, slug: z.string(), name: z.string(), createdAt: z.string() })
  .strict();

export const AdminOperatorSchema = z
  .object({
    operatorId: uuid,
    edipi: z.string(),
    displayName: z.string(),
    status: z.enum(['active', 'disabled']),
    createdAt: z.string(),
    /** The earliest expiry among the operator's enrolled certificates. */
    certificatesExpire: z.string().nullable(),
  })
  .strict();

export const GrantRequestSchema = z
  .object({
    requestId: uuid,
    tenantId: uuid,
    tenant: z.string(),
    operatorId: uuid,
    edipi: z.string(),
    role: z.string(),
    requestedBy: uuid,
    requestedAt: z.string(),
  })
  .strict();

const check = z.enum(['verified', 'bootstrap', 'missing', 'invalid', 'not-required']);
export const AccessReviewEntrySchema = z
  .object({
    tenant: z.string(),
    edipi: z.string(),
    displayName: z.string(),
    operatorStatus: z.string(),
    role: z.string(),
    since: z.string(),
    grantedBy: z.string().nullable(),
    approvedBy: z.string().nullable(),
    grant: check,
    approval: check,
    certificatesExpire: z.string().nullable(),
    expiresSoon: z.boolean(),
  })
  .strict();

/** A certificate file as the user picked it: its name (for messages) and its bytes, base64. */
const certificateFile = z
  .object({
    name: z.string().min(1).max(255),
    base64: z
      .string()
      .min(4)
      .max(400_000)
      .regex(/^[A-Za-z0-9+/=\s]+$/),
  })
  .strict();
const certificateFiles = z.array(certificateFile).min(1).max(4);

const previewCertificate = z
  .object({ usage: z.string(), sha256: z.string(), subject: z.string(), notAfter: z.string() })
  .strict();

export const EnrolmentPreviewSchema = z
  .object({
    edipi: z.string(),
    displayName: z.string(),
    certificates: z.array(previewCertificate),
    /** For a re-enrolment (operatorId given): the operator's certificates in use, which it retires. */
    replaces: z.array(previewCertificate).optional(),
  })
  .strict();

const grantRequest = z.object({ tenantId: uuid, operatorId: uuid, role, pin: PinSchema.nullable() }).strict();

export const adminCommands = {
  'admin.tenantList': admin({
    summary: 'Every tenant of the control plane.',
    request: z.object({}).strict(),
    response: z.array(AdminTenantSchema),
  }),
  'admin.tenantCreate': admin({
    summary: 'Create a tenant (card-signed, recorded in the system chain).',
    request: z.object({ slug, name: z.string().min(1).max(200), pin: PinSchema.nullable() }).strict(),
    response: z.object({ tenantId: uuid }).strict(),
  }),
  'admin.tenantRename': admin({
    summary: 'Rename a tenant (its display name; the slug stays). Card-signed, recorded in the system chain.',
    request: z.object({ tenantId: uuid, name: z.string().min(1).max(200), pin: PinSchema.nullable() }).strict(),
    response: z.object({ tenantId: uuid, name: z.string() }).strict(),
  }),
  'admin.operatorCheck': admin({
    summary:
      "Validate a card's certificate files against the trust anchors and say whom they name; with operatorId, as that operator's new card, with the certificates it would retire (nothing changes).",
    request: z.object({ files: certificateFiles, operatorId: uuid.optional() }).strict(),
    response: EnrolmentPreviewSchema,
  }),
  'admin.operatorEnrol': admin({
    summary:
      "Enrol a card holder from their certificate files: login role, credential wrapped to the card's key (card-signed).",
    request: z.object({ files: certificateFiles, pin: PinSchema.nullable() }).strict(),
    response: z.object({ operatorId: uuid, edipi: z.string(), displayName: z.string() }).strict(),
  }),
  'admin.operatorReenrol': admin({
    summary:
      "Re-enrol an operator after a card change (same EDIPI): the new card's certificates, a new credential wrapped to its key; every earlier certificate retired (card-signed).",
    request: z.object({ operatorId: uuid, files: certificateFiles, pin: PinSchema.nullable() }).strict(),
    response: z
      .object({ operatorId: uuid, edipi: z.string(), displayName: z.string(), retired: z.array(z.string()) })
      .strict(),
  }),
  'admin.operatorList': admin({
    summary: "Every operator, their status and their certificates' earliest expiry.",
    request: z.object({}).strict(),
    response: z.array(AdminOperatorSchema),
  }),
  'admin.operatorDisable': admin({
    summary: 'Disable an operator: login refused at once, open sessions ended (card-signed).',
    request: z.object({ operatorId: uuid, pin: PinSchema.nullable() }).strict(),
    response: z.object({ operatorId: uuid, status: z.literal('disabled') }).strict(),
  }),
  'admin.operatorEnable': admin({
    summary: 'Enable a disabled operator again (card-signed).',
    request: z.object({ operatorId: uuid, pin: PinSchema.nullable() }).strict(),
    response: z.object({ operatorId: uuid, status: z.literal('active') }).strict(),
  }),
  'admin.grant': admin({
    summary: 'Grant a role in a tenant; isso and administrator become a request a second administrator approves.',
    request: grantRequest,
    response: z.object({ state: z.enum(['granted', 'requested']), requestId: uuid.nullable() }).strict(),
  }),
  'admin.grantRequests': admin({
    summary: 'The grant requests waiting for a second administrator.',
    request: z.object({}).strict(),
    response: z.array(GrantRequestSchema),
  }),
  'admin.approve': admin({
    summary: 'Approve a grant request as the second administrator (card-signed).',
    request: z.object({ requestId: uuid, pin: PinSchema.nullable() }).strict(),
    response: z.object({ state: z.literal('granted') }).strict(),
  }),
  'admin.revoke': admin({
    summary: 'Revoke a role in a tenant (card-signed; the operator loses it at their next call).',
    request: grantRequest,
    response: z.object({ state: z.literal('revoked') }).strict(),
  }),
  'admin.accessReview': admin({
    summary: 'Who holds which role where, since when, granted and approved by whom, signatures verified now.',
    request: z.object({}).strict(),
    response: z.array(AccessReviewEntrySchema),
  }),
  'admin.accessReviewExport': admin({
    summary: "Write the access review as CSV into the data directory's exports folder (the console's export).",
    request: z.object({}).strict(),
    response: z.object({ path: z.string(), rows: z.number().int(), sha256: z.string() }).strict(),
  }),
  'admin.accessReviewCsv': admin({
    summary: 'The access review as CSV (RFC 4180).',
    request: z.object({}).strict(),
    response: z.object({ csv: z.string() }).strict(),
  }),
} as const satisfies Record<string, CommandDef>;
