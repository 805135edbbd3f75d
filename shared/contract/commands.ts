import { z } from 'zod';
import { ClassificationLevelSchema } from '../config/classification';
import { PinSchema, def, empty, type CommandDef } from './define';
import { adminCommands } from './domains/admin';
import { adminAccessReviewCommands } from './domains/admin-access-review';
import { adminGatewayKeyCommands } from './domains/admin-gateway-keys';
import { auditExplorerCommands } from './domains/audit-explorer';
import { auditVerifyCommands } from './domains/audit-verify';
import { bundleCommands } from './domains/bundle';
import { cacheCommands } from './domains/cache';
import { companionCommands } from './domains/companion';
import { policyAuthoringCommands } from './domains/policy-authoring';
import { policyLifecycleCommands } from './domains/policy-lifecycle';
import { reviewCommands } from './domains/review';
import { witnessCommands } from './domains/witness';

export type { CommandDef, OfflineMode } from './define';

/**
 * The one list of every command the console offers. The Electron IPC adapter, the Chromium test
 * bridge, the CLI and the renderer client are all derived from this table: adding a command is one
 * entry here (or in its domain's table under ./domains) plus one handler in electron/main.
 *
 * Request schemas are strict objects: a missing, mistyped or extra field is refused with
 * INVALID_REQUEST before any handler runs.
 */

export const ControlPlaneStatusSchema = z
  .object({
    state: z.enum(['not-connected', 'starting', 'connected', 'unreachable']),
    mode: z.enum(['none', 'embedded', 'external']),
    /** Human detail: server, or the reason it is not connected. Never a secret. */
    detail: z.string(),
    /** While unreachable: checks failed in a row and when main checks again by itself (backoff). */
    reconnect: z.object({ failedChecks: z.number().int().nonnegative(), nextCheckAt: z.string() }).strict().optional(),
  })
  .strict();

export const CardStatusSchema = z
  .object({
    state: z.enum(['not-connected', 'no-reader', 'no-card', 'card-present', 'logged-in', 'locked']),
    detail: z.string(),
  })
  .strict();

/** The window itself, shown only when something about it is weaker than it should be (Chromium without its sandbox). */
export const WindowStatusSchema = z.object({ sandbox: z.boolean(), detail: z.string() }).strict();

export const StatusSchema = z
  .object({ controlPlane: ControlPlaneStatusSchema, card: CardStatusSchema, window: WindowStatusSchema.optional() })
  .strict();
export type Status = z.infer<typeof StatusSchema>;

export const AppInfoSchema = z
  .object({
    product: z.literal('ARX Console'),
    version: z.string(),
    classification: ClassificationLevelSchema,
    /** Optional caveat line shown after the level, e.g. "NOFORN"; empty when none. */
    classificationCaveat: z.string(),
    consentTitle: z.string(),
    consentText: z.string(),
  })
  .strict();
export type AppInfo = z.infer<typeof AppInfoSchema>;

export const SessionStateSchema = z
  .object({ consentAcknowledged: z.boolean(), acknowledgedAt: z.string().nullable() })
  .strict();

export const SettingsViewSchema = z
  .object({
    dataDir: z.string(),
    configFile: z.string().nullable(),
    controlPlaneMode: z.enum(['none', 'embedded', 'external']),
    /** Where the embedded PostgreSQL cluster really is (as root: under /var/lib/arx-console); null otherwise. */
    databaseDir: z.string().nullable(),
    cardModule: z.string(),
    idleLockMinutes: z.number().int().positive(),
  })
  .strict();

export const PinStateSchema = z
  .object({
    level: z.enum(['ok', 'warning', 'final-try', 'locked']),
    pinPad: z.boolean(),
    needsConfirmation: z.boolean(),
    refuse: z.boolean(),
    message: z.string(),
  })
  .strict();

export const ReaderSchema = z
  .object({
    slot: z.string(),
    description: z.string(),
    tokenPresent: z.boolean(),
    tokenLabel: z.string().nullable(),
    serial: z.string().nullable(),
    /** From the card's CHUID (PIV): FASC-N digits and GUID; null when the card has none. */
    identity: z
      .object({
        fascn: z
          .object({ agency: z.string(), system: z.string(), credential: z.string(), pi: z.string() })
          .strict()
          .nullable(),
        guid: z.string().nullable(),
      })
      .strict()
      .nullable(),
    pinState: PinStateSchema.nullable(),
  })
  .strict();

export const CardReadersSchema = z
  .object({
    /** ready: the PKCS#11 module is loaded; unavailable: it could not be (detail says why). */
    module: z.enum(['ready', 'unavailable']),
    /** Why there is nothing to log in with: the module did not load, pcscd is not running, no reader. */
    code: z.enum(['CARD_MODULE_UNAVAILABLE', 'PCSCD_NOT_RUNNING', 'NO_READER']).nullable(),
    detail: z.string(),
    readers: z.array(ReaderSchema),
  })
  .strict();

export const CardCertificateSchema = z
  .object({
    id: z.string(),
    label: z.string(),
    role: z.string(),
    keyReference: z.string().nullable(),
    subject: z.string(),
    fingerprint: z.string(),
    usableForLogin: z.boolean(),
  })
  .strict();

export const OperatorSessionSchema = z
  .object({
    operatorId: z.string(),
    edipi: z.string(),
    displayName: z.string(),
    tokenLabel: z.string(),
    certificateSha256: z.string(),
    roles: z.array(z.object({ tenantId: z.string(), tenant: z.string(), role: z.string() }).strict()),
    startedAt: z.string(),
    /** Locked by card removal, idle timeout or the user: secrets are wiped; the PIN resumes it. */
    locked: z.boolean(),
    lockReason: z.enum(['card-removed', 'idle', 'user']).nullable(),
  })
  .strict();
export type OperatorSession = z.infer<typeof OperatorSessionSchema>;

/** A PIN crosses the boundary once, to the card service, and is never echoed, logged or stored. */

export const commands = {
  'app.info': def({
    summary: 'Product, version, classification and the notice and consent text.',
    request: empty,
    response: AppInfoSchema,
    requiresConsent: false,
    offline: 'none',
    access: { session: 'none', why: 'Product, version and the notice text, shown before anyone logs in.' },
  }),
  'session.state': def({
    summary: 'Whether the notice and consent banner was acknowledged in this session.',
    request: empty,
    response: SessionStateSchema,
    requiresConsent: false,
    offline: 'none',
    access: { session: 'none', why: 'Consent state of this window or CLI run only.' },
  }),
  'session.acknowledgeConsent': def({
    summary: 'Acknowledge the notice and consent banner for this session.',
    request: z.object({ accept: z.literal(true) }).strict(),
    response: SessionStateSchema,
    requiresConsent: false,
    offline: 'none',
    access: { session: 'none', why: 'The notice is acknowledged before anyone logs in.' },
  }),
  'status.get': def({
    summary: 'Control-plane connection and card state.',
    request: empty,
    response: StatusSchema,
    requiresConsent: true,
    offline: 'none',
    access: { session: 'none', why: 'Connection and card state, shown on the login screen; no tenant data.' },
  }),
  'controlPlane.retry': def({
    summary: 'Check the control-plane connection now instead of waiting for the next periodic check.',
    request: empty,
    response: StatusSchema,
    requiresConsent: true,
    offline: 'none',
    access: { session: 'none', why: 'Only re-checks the connection and returns its state; no tenant data.' },
  }),
  'settings.get': def({
    summary: 'The configuration in force (no secrets).',
    request: empty,
    response: SettingsViewSchema,
    requiresConsent: true,
    offline: 'none',
    access: { session: 'none', why: 'The configuration in force holds no secrets and no tenant data.' },
  }),
  'card.readers': def({
    summary: 'Readers and slots, whether a card is present, and its PIN state.',
    request: empty,
    response: CardReadersSchema,
    requiresConsent: true,
    offline: 'none',
    access: { session: 'none', why: 'Login starts here: readers and PIN state, no tenant data.' },
  }),
  'card.certificates': def({
    summary: 'The certificates on the card in a slot, with their PIV roles.',
    request: z.object({ slot: z.string().min(1).max(32) }).strict(),
    response: z.array(CardCertificateSchema),
    requiresConsent: true,
    offline: 'none',
    access: { session: 'none', why: 'Login picks its certificate here; certificates on a card are public.' },
  }),
  'card.precheck': def({
    summary: 'What can be known before the PIN: certificate validity, enrolment, control plane reachable.',
    request: z.object({ slot: z.string().min(1).max(32), certificateId: z.string().max(64).nullable() }).strict(),
    response: z.object({ problem: z.object({ code: z.string(), message: z.string() }).strict().nullable() }).strict(),
    requiresConsent: true,
    offline: 'none',
    access: {
      session: 'none',
      why: 'Before the PIN: reads the public login certificate and whether its EDIPI has a database login.',
    },
  }),
  'card.login': def({
    summary: 'Log in with the card: PIN, proof of possession, certificate path, operator lookup.',
    request: z
      .object({
        slot: z.string().min(1).max(32),
        certificateId: z.string().max(64).nullable(),
        /** null only for readers with a PIN pad. */
        pin: PinSchema.nullable(),
        confirmFinalTry: z.boolean(),
      })
      .strict(),
    response: OperatorSessionSchema,
    requiresConsent: true,
    offline: 'none',
    access: { session: 'none', why: 'The card, its PIN and the control plane decide; this is how a session starts.' },
  }),
  'card.session': def({
    summary: 'The operator session, or null when nobody is logged in.',
    request: empty,
    response: OperatorSessionSchema.nullable(),
    requiresConsent: true,
    offline: 'none',
    access: {
      session: 'none',
      why: 'Answers who is logged in (null when nobody is), so the window can show login or lock.',
    },
  }),
  'card.lock': def({
    summary: 'Lock the console now (secrets are wiped; the PIN resumes).',
    request: empty,
    response: OperatorSessionSchema,
    requiresConsent: true,
    offline: 'none',
    access: {
      session: 'none',
      why: 'Only takes access away; the operator service refuses it when nobody is logged in.',
    },
  }),
  'card.unlock': def({
    summary: 'Resume a locked session with the same card and its PIN.',
    request: z.object({ pin: PinSchema.nullable() }).strict(),
    response: OperatorSessionSchema,
    requiresConsent: true,
    offline: 'none',
    access: {
      session: 'none',
      why: "The card and its PIN are the credential; only the locked session's own card resumes it.",
    },
  }),
  'card.logout': def({
    summary: 'End the operator session.',
    request: empty,
    response: z.object({ loggedOut: z.literal(true) }).strict(),
    requiresConsent: true,
    offline: 'none',
    access: { session: 'none', why: 'Only takes access away.' },
  }),
  ...policyAuthoringCommands,
  ...policyLifecycleCommands,
  ...auditVerifyCommands,
  ...auditExplorerCommands,
  ...reviewCommands,
  ...cacheCommands,
  ...bundleCommands,
  ...adminCommands,
  ...companionCommands,
  ...witnessCommands,
  ...adminGatewayKeyCommands,
  ...adminAccessReviewCommands,
} as const satisfies Record<string, CommandDef>;

export type Commands = typeof commands;
export type CommandName = keyof Commands;
export type RequestOf<N extends CommandName> = z.input<Commands[N]['request']>;
export type ResponseOf<N extends CommandName> = z.output<Commands[N]['response']>;

export const COMMAND_NAMES = Object.keys(commands) as CommandName[];
export const isCommandName = (name: unknown): name is CommandName =>
  typeof name === 'string' && Object.prototype.hasOwnProperty.call(commands, name);
