import { z } from 'zod';
import { PinSchema, def, empty, type CommandDef } from '../define';

/**
 * The operator's companion keys (docs/companion-keys.md): an Ed25519 and an ML-DSA-87 key whose
 * private halves only their card opens, attested by the card's Digital Signature key.
 */

export const CompanionStatusSchema = z
  .object({
    /**
     * locked: no unlocked card session (nothing in memory); opening: being opened with the card;
     * not-enrolled: the operator has no active key; unlocked: in memory, usable; unavailable: the
     * stored key did not open (problem says why).
     */
    state: z.enum(['locked', 'opening', 'not-enrolled', 'unlocked', 'unavailable']),
    /** SHA-256 (hex) over the domain string and both public keys. */
    keyId: z.string().nullable(),
    /** The Ed25519 public key, base64. */
    ed25519: z.string().nullable(),
    createdAt: z.string().nullable(),
    /** The key this one rotated out, or null. */
    replaces: z.string().nullable(),
    problem: z.object({ code: z.string(), message: z.string() }).strict().nullable(),
  })
  .strict();
export type CompanionStatus = z.infer<typeof CompanionStatusSchema>;

export const companionCommands = {
  'companion.status': def({
    summary: "State of the logged-in operator's companion key (Ed25519 + ML-DSA-87).",
    request: empty,
    response: CompanionStatusSchema,
    requiresConsent: true,
    offline: 'none',
    access: { session: 'none', why: 'Public key id and state only; locked when nobody is logged in.' },
  }),
  'companion.enrol': def({
    summary:
      'Make a new companion key (rotating out the active one), wrapped to your card and attested by its signing key (PIN).',
    request: z.object({ pin: PinSchema.nullable() }).strict(),
    response: CompanionStatusSchema,
    requiresConsent: true,
    offline: 'none',
    access: {
      session: 'operator',
      why: "The operator's own key, recorded in each tenant they hold a role in (checked by arx.store_companion_key).",
    },
  }),
  'companion.revoke': def({
    summary: 'Revoke your active companion key (retired or compromised); it is wiped from memory.',
    request: z.object({ reason: z.enum(['retired', 'compromised']) }).strict(),
    response: CompanionStatusSchema,
    requiresConsent: true,
    offline: 'none',
    access: {
      session: 'operator',
      why: "Only the operator's own key (checked by arx.revoke_companion_key).",
    },
  }),
} as const satisfies Record<string, CommandDef>;

/** Events of this domain pushed from main to the renderer (merged into ../events.ts). */
export const companionEvents = {
  'companion.changed': {
    payload: CompanionStatusSchema,
    summary: "The operator's companion key was opened, enrolled, revoked or wiped.",
  },
} as const;
