import { z } from 'zod';
import { ClassificationLevelSchema } from '../config/classification';

/**
 * The one list of every command the console offers. The Electron IPC adapter, the Chromium test
 * bridge, the CLI and the renderer client are all derived from this table: adding a command is one
 * entry here plus one handler in electron/main.
 *
 * Request schemas are strict objects: a missing, mistyped or extra field is refused with
 * INVALID_REQUEST before any handler runs.
 */
export interface CommandDef<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  readonly request: Req;
  readonly response: Res;
  /** One line for `arx --help` and the docs. */
  readonly summary: string;
  /** Refused with CONSENT_REQUIRED until the notice and consent banner was acknowledged. */
  readonly requiresConsent: boolean;
}

const def = <Req extends z.ZodType, Res extends z.ZodType>(d: CommandDef<Req, Res>) => d;
const empty = z.object({}).strict();

export const ControlPlaneStatusSchema = z
  .object({
    state: z.enum(['not-connected', 'starting', 'connected', 'unreachable']),
    mode: z.enum(['none', 'embedded', 'external']),
    /** Human detail: server, or the reason it is not connected. Never a secret. */
    detail: z.string(),
  })
  .strict();

export const CardStatusSchema = z
  .object({
    state: z.enum(['not-connected', 'no-reader', 'no-card', 'card-present', 'logged-in', 'locked']),
    detail: z.string(),
  })
  .strict();

export const StatusSchema = z.object({ controlPlane: ControlPlaneStatusSchema, card: CardStatusSchema }).strict();
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
    cardModule: z.string(),
    idleLockMinutes: z.number().int().positive(),
  })
  .strict();

export const commands = {
  'app.info': def({
    summary: 'Product, version, classification and the notice and consent text.',
    request: empty,
    response: AppInfoSchema,
    requiresConsent: false,
  }),
  'session.state': def({
    summary: 'Whether the notice and consent banner was acknowledged in this session.',
    request: empty,
    response: SessionStateSchema,
    requiresConsent: false,
  }),
  'session.acknowledgeConsent': def({
    summary: 'Acknowledge the notice and consent banner for this session.',
    request: z.object({ accept: z.literal(true) }).strict(),
    response: SessionStateSchema,
    requiresConsent: false,
  }),
  'status.get': def({
    summary: 'Control-plane connection and card state.',
    request: empty,
    response: StatusSchema,
    requiresConsent: true,
  }),
  'settings.get': def({
    summary: 'The configuration in force (no secrets).',
    request: empty,
    response: SettingsViewSchema,
    requiresConsent: true,
  }),
} as const satisfies Record<string, CommandDef>;

export type Commands = typeof commands;
export type CommandName = keyof Commands;
export type RequestOf<N extends CommandName> = z.input<Commands[N]['request']>;
export type ResponseOf<N extends CommandName> = z.output<Commands[N]['response']>;

export const COMMAND_NAMES = Object.keys(commands) as CommandName[];
export const isCommandName = (name: unknown): name is CommandName =>
  typeof name === 'string' && Object.prototype.hasOwnProperty.call(commands, name);
