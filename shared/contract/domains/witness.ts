import { z } from 'zod';
import { def, empty, type CommandDef } from '../define';

/**
 * Witnessing in the console (docs/chain-format.md §9.4): an ISSO's console cosigns each new
 * checkpoint of the tenants where they hold the isso role, with their companion Ed25519 key, after
 * checking it extends the last one it cosigned, and raises an alarm on one that does not.
 */

const Problem = z.object({ code: z.string(), message: z.string() }).strict();

export const WitnessAlarmSchema = z
  .object({
    tenantId: z.string(),
    tenant: z.string(),
    /** WITNESS_FORK_DETECTED, WITNESS_ROLLBACK_REFUSED, WITNESS_PROOF_INVALID, … */
    code: z.string(),
    message: z.string(),
    /** The refused checkpoint's size (null: the log offered none). */
    treeSize: z.number().int().nonnegative().nullable(),
    cosignedSize: z.number().int().nonnegative(),
    detectedAt: z.string(),
    /** Whether the com.arx.witness.forkdetected event is in the tenant's chain (retried while not). */
    recorded: z.boolean(),
    acknowledged: z.boolean(),
  })
  .strict();
export type WitnessAlarm = z.infer<typeof WitnessAlarmSchema>;

export const WitnessTenantSchema = z
  .object({
    tenantId: z.string(),
    tenant: z.string(),
    state: z.enum(['waiting', 'witnessing', 'current', 'alarm', 'error']),
    /** The largest tree size this witness cosigned, and when (null: never). */
    witnessedSize: z.number().int().nonnegative().nullable(),
    witnessedAt: z.string().nullable(),
    /** The largest stored checkpoint size; lag = latestSize − witnessedSize. */
    latestSize: z.number().int().nonnegative().nullable(),
    lag: z.number().int().nonnegative(),
    /** Checkpoints cosigned in the last pass. */
    cosigned: z.number().int().nonnegative(),
    /** Stored rows whose signature no gateway key verifies (not cosigned, not a fork). */
    unverified: z.number().int().nonnegative(),
    problem: Problem.nullable(),
  })
  .strict();
export type WitnessTenant = z.infer<typeof WitnessTenantSchema>;

export const WitnessStatusSchema = z
  .object({
    /**
     * off: nobody logged in, or not an ISSO anywhere; unavailable: no companion key or local state
     * (problem says which); idle / running: witnessing, between passes / during one; alarm: a
     * tenant offered a checkpoint that does not extend what this witness cosigned.
     */
    state: z.enum(['off', 'unavailable', 'idle', 'running', 'alarm']),
    /** The witness key's name and vkey (type 0x04), as an auditor's witness-keys.txt lists it. */
    witness: z.string().nullable(),
    witnessKey: z.string().nullable(),
    lastRunAt: z.string().nullable(),
    tenants: z.array(WitnessTenantSchema),
    alarms: z.array(WitnessAlarmSchema),
    problem: Problem.nullable(),
  })
  .strict();
export type WitnessStatus = z.infer<typeof WitnessStatusSchema>;

export const witnessCommands = {
  'witnessing.status': def({
    summary: "This console's witnessing: per tenant the last witnessed size and lag, and any fork alarm.",
    request: empty,
    response: WitnessStatusSchema,
    requiresConsent: true,
    offline: 'none',
    access: { session: 'none', why: 'Sizes, lag and alarms of the logged-in ISSO; off when nobody is logged in.' },
  }),
  'witnessing.run': def({
    summary: 'Witness now: catch up on every new checkpoint of your ISSO tenants and cosign them.',
    request: empty,
    response: WitnessStatusSchema,
    requiresConsent: true,
    offline: 'none',
    access: {
      session: 'operator',
      roles: ['isso'],
      tenant: null,
      why: 'Each tenant is witnessed only where the operator holds isso (checked again by arx.record_cosignature).',
    },
  }),
  'witnessing.acknowledge': def({
    summary: 'Acknowledge the fork alarms shown (the tenants stay unwitnessed until the fork is resolved).',
    request: empty,
    response: WitnessStatusSchema,
    requiresConsent: true,
    offline: 'none',
    access: {
      session: 'operator',
      roles: ['isso'],
      tenant: null,
      why: 'Only hides the alarm on this console; nothing is written.',
    },
  }),
} as const satisfies Record<string, CommandDef>;

/** Events of this domain pushed from main to the renderer (merged into ../events.ts). */
export const witnessEvents = {
  'witnessing.changed': {
    payload: WitnessStatusSchema,
    summary: 'Witnessing progressed, a checkpoint was cosigned, or a fork alarm was raised.',
  },
} as const;
