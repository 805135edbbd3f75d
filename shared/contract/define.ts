import { z } from 'zod';
import { ROLES } from '../events/types';

/** A role an operator holds in a tenant (role grants are per tenant). */
export type Role = (typeof ROLES)[number];
export { ROLES };

/** Keys of T (each member of a union) whose value is a string: the fields that can name a tenant. */
type StringKeys<T> = T extends object
  ? { [K in keyof T & string]-?: NonNullable<T[K]> extends string ? K : never }[keyof T & string]
  : never;

/** A request field naming the tenant: `tenantId`, or one level down (`source.tenantId`). */
export type TenantField<T> =
  StringKeys<T> | { [K in keyof T & string]-?: `${K}.${StringKeys<NonNullable<T[K]>>}` }[keyof T & string];

/**
 * Who may run a command. The registry enforces it after the request is validated and before any
 * handler runs; every command must declare it (deny by default).
 *
 * - `session: 'none'`: anyone, logged in or not (consent still applies); `why` says why that is safe.
 * - `session: 'operator'` without roles: a logged-in, unlocked operator, whatever their roles.
 * - `session: 'operator'` with `roles`: one of them held in the tenant the field `tenant` names
 *   (its id or slug). With `tenant: null`, or a field the request leaves out (a union member
 *   without it), one of them held in any tenant; `why` then says where the tenant is checked.
 */
export type Access<Req = unknown> =
  | { readonly session: 'none'; readonly why: string }
  | { readonly session: 'operator'; readonly roles?: undefined; readonly why: string }
  | { readonly session: 'operator'; readonly roles: readonly [Role, ...Role[]]; readonly tenant: TenantField<Req> }
  | {
      readonly session: 'operator';
      readonly roles: readonly [Role, ...Role[]];
      readonly tenant: null;
      readonly why: string;
    };

/**
 * A file a request names, checked by main before the handler runs: a regular file (no directory,
 * FIFO or device), at most `maxBytes`. With `inside`, relative paths are taken in that folder,
 * `..` is refused, and the file must resolve (symlinks followed) inside it; only the CLI may also
 * name an absolute path elsewhere, as its user does in their own shell.
 */
export interface FileArg {
  readonly maxBytes: number;
  readonly inside?: 'bundles';
}

/** Keys of T whose value is a string or a list of strings: the fields that can name files. */
type FileKeys<T> = T extends object
  ? { [K in keyof T & string]-?: NonNullable<T[K]> extends string | readonly string[] ? K : never }[keyof T & string]
  : never;

/** The request fields that name files read by the command (a list names one file per item). */
export type FileArgs<T> = { readonly [K in FileKeys<T>]?: FileArg };

/**
 * What a command does while the control plane is unreachable; the registry applies it to every
 * handler (electron/main/cache/offline.ts):
 * - `cache`: a read whose online answer is sealed in the local evidence cache and served from it,
 *   marked `cached`, when the control plane is unreachable (else OFFLINE_NOT_CACHED);
 * - `queue`: a signed write that goes to the outbox while the control plane is unreachable, and is
 *   refused with CACHE_LOCKED before any PIN is asked when nothing could be queued;
 * - `none`: no offline answer: what needs the control plane fails with DB_UNREACHABLE.
 */
export type OfflineMode = 'cache' | 'queue' | 'none';

/** One command of the contract: request and response schemas, a summary, consent, access and offline behaviour. */
export interface CommandDef<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  readonly request: Req;
  readonly response: Res;
  /** One line for `arx --help` and the docs. */
  readonly summary: string;
  /** Refused with CONSENT_REQUIRED until the notice and consent banner was acknowledged. */
  readonly requiresConsent: boolean;
  /** Who may run it (see Access); required, so a command without a declaration does not compile. */
  readonly access: Access<z.input<Req>>;
  /** Request fields naming files it reads, checked at the boundary (see FileArg). */
  readonly files?: FileArgs<z.input<Req>>;
  /** Its behaviour while the control plane is unreachable (see OfflineMode); required. */
  readonly offline: OfflineMode;
}

export const def = <Req extends z.ZodType, Res extends z.ZodType>(d: CommandDef<Req, Res>) => d;
export const empty = z.object({}).strict();

/** Any role in the tenant: reading what the tenant holds. */
export const ANY_ROLE = ROLES;
/** Those who check the evidence of a tenant: the ISSO, and an auditor who reads the same evidence. */
export const EVIDENCE_READERS = ['isso', 'auditor'] as const satisfies readonly Role[];

/** A card PIN as commands carry it (never logged, never stored). */
export const PinSchema = z.string().regex(/^[0-9A-Za-z]{4,16}$/, 'a PIN is 4 to 16 letters or digits');

const OWN_JOB = "The operator's own job (the job store checks its owner); its tenant was checked at start.";

/**
 * A command on a job the operator started (its progress, cancel or result): consent, no offline
 * answer, and `roles` in any tenant, since the job's tenant was checked when it started; `why`
 * says so when the default wording does not fit.
 */
export const jobCommand = <Req extends z.ZodType, Res extends z.ZodType>(d: {
  summary: string;
  request: Req;
  response: Res;
  roles: readonly [Role, ...Role[]];
  why?: string;
}) =>
  def({
    summary: d.summary,
    request: d.request,
    response: d.response,
    requiresConsent: true,
    offline: 'none',
    access: { session: 'operator', roles: d.roles, tenant: null, why: d.why ?? OWN_JOB },
  });
