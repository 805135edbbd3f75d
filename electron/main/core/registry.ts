import { z } from 'zod';
import {
  ArxFailure,
  authorize,
  commands,
  formatPath,
  isCommandName,
  type CommandName,
  type OperatorSession,
  type RequestOf,
  type ResponseOf,
  type Result,
} from '../../../shared/contract';
import { checkFileArgs, type FileFolders } from './file-args';

/** Who is asking: the adapter and the console session it belongs to. */
export interface CallContext {
  adapter: 'ipc' | 'bridge' | 'cli' | 'test';
  session: ConsoleSession;
}

/** Per-window (or per-CLI-run) state that the boundary itself needs. */
export class ConsoleSession {
  consentAcknowledgedAt: Date | null = null;
  get consentAcknowledged(): boolean {
    return this.consentAcknowledgedAt !== null;
  }
}

export type Handler<N extends CommandName> = (
  request: z.output<(typeof commands)[N]['request']>,
  ctx: CallContext,
) => Promise<ResponseOf<N>> | ResponseOf<N>;

export type Handlers = { [N in CommandName]: Handler<N> };

export function invalidRequest(error: z.ZodError): Result<never> {
  const issues = error.issues.map((i) => {
    // An extra field is reported by zod at its parent; point at the field itself.
    const path = i.code === 'unrecognized_keys' && i.keys.length > 0 ? [...i.path, i.keys[0]!] : i.path;
    return { path: formatPath(path), message: i.message, code: i.code };
  });
  const first = issues[0]!;
  return {
    ok: false,
    error: {
      code: 'INVALID_REQUEST',
      message: `Invalid request at ${first.path}: ${first.message}`,
      details: { path: first.path, issues },
    },
  };
}

export interface Registry {
  invoke<N extends CommandName>(
    name: N,
    request: RequestOf<N> | unknown,
    ctx: CallContext,
  ): Promise<Result<ResponseOf<N>>>;
  invoke(name: string, request: unknown, ctx: CallContext): Promise<Result<unknown>>;
}

export interface RegistryOptions {
  /** The console's operator session (null when nobody is logged in; the default). */
  operator?: () => OperatorSession | null;
  /** Folders that file arguments may be bound to (none: such arguments are refused). */
  folders?: FileFolders;
  /** Wraps each handler with what its declaration asks beyond access (offline: cache/offline.ts). */
  wrap?: HandlerWrapper;
}

/** Wraps one command's handler (the registry applies it to every command). */
export type HandlerWrapper = <N extends CommandName>(name: N, handler: Handler<N>) => Handler<N>;

/**
 * The single place where requests cross into the services. Every adapter calls `invoke`; it
 * validates the request, enforces consent and the command's access declaration (session, roles in
 * the request's tenant), runs the handler and always returns an envelope. Thrown errors become
 * INTERNAL without their stack (which is logged locally instead), except ArxFailure, whose code
 * and message were written for the user. File arguments are checked on disk last (file-args.ts).
 */
export function createRegistry(
  handlers: Handlers,
  log: (line: string) => void = () => {},
  options: RegistryOptions = {},
): Registry {
  const operator = options.operator ?? (() => null);
  const folders = options.folders ?? null;
  const run: Handlers = options.wrap
    ? (Object.fromEntries(
        Object.entries(handlers).map(([n, f]) => [n, options.wrap!(n as CommandName, f)]),
      ) as Handlers)
    : handlers;
  async function invoke(name: string, request: unknown, ctx: CallContext): Promise<Result<unknown>> {
    if (!isCommandName(name)) {
      return {
        ok: false,
        error: { code: 'UNKNOWN_COMMAND', message: `Unknown command: ${String(name).slice(0, 80)}` },
      };
    }
    const def = commands[name];
    const parsed = def.request.safeParse(request);
    if (!parsed.success) return invalidRequest(parsed.error);
    if (def.requiresConsent && !ctx.session.consentAcknowledged) {
      return {
        ok: false,
        error: { code: 'CONSENT_REQUIRED', message: 'The notice and consent banner must be acknowledged first.' },
      };
    }
    try {
      authorize(name, def.access, operator(), parsed.data);
      const request = checkFileArgs(def.files, parsed.data, ctx.adapter, folders);
      const handler = run[name] as (req: unknown, c: CallContext) => unknown;
      const value = await handler(request, ctx);
      const checked = def.response.safeParse(value);
      if (!checked.success) {
        log(`response of ${name} does not match its schema: ${checked.error.message}`);
        return { ok: false, error: { code: 'INTERNAL', message: `Internal error in ${name}: malformed response.` } };
      }
      return { ok: true, value: checked.data };
    } catch (err) {
      if (err instanceof ArxFailure) return { ok: false, error: err.toError() };
      log(`handler ${name} threw: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      return { ok: false, error: { code: 'INTERNAL', message: `Internal error in ${name}.` } };
    }
  }
  return { invoke } as Registry;
}
