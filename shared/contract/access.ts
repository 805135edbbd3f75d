import type { OperatorSession } from './commands';
import type { Role } from './define';
import { ArxFailure } from './errors';

/**
 * The one session check: the logged-in, unlocked operator, or SESSION_REQUIRED. A locked console
 * is told apart in the message and in `details.locked` (its lock screen resumes it with the PIN).
 */
export function requireOperator(session: OperatorSession | null, command?: string): OperatorSession {
  const what = command ? ` to use ${command}` : '';
  if (!session)
    throw new ArxFailure('SESSION_REQUIRED', `Log in with your card${what}.`, {
      ...(command ? { command } : {}),
      locked: false,
    });
  if (session.locked)
    throw new ArxFailure('SESSION_REQUIRED', `The console is locked: unlock it with your card${what}.`, {
      ...(command ? { command } : {}),
      locked: true,
      lockReason: session.lockReason,
    });
  return session;
}

/**
 * ROLE_REQUIRED unless the operator holds one of `roles` in `tenant` (matched by id or slug), or in
 * any tenant when `tenant` is null. Roles are granted per tenant (arx.role_grants).
 */
export function requireRole(
  session: OperatorSession,
  roles: readonly Role[],
  tenant: string | null,
  where: { command?: string; path?: string } = {},
): void {
  const inTenant = session.roles.filter((r) => tenant === null || r.tenantId === tenant || r.tenant === tenant);
  if (inTenant.some((r) => (roles as readonly string[]).includes(r.role))) return;
  const held = [...new Set(inTenant.map((r) => r.role))].sort();
  const label = tenant === null ? 'any tenant' : `tenant ${inTenant[0]?.tenant ?? tenant}`;
  const who = where.command ?? 'This';
  throw new ArxFailure(
    'ROLE_REQUIRED',
    `${who} needs the ${roles.join(' or ')} role in ${label}; you hold ${held.length ? held.join(', ') : 'none'}${tenant === null ? '' : ' there'}.`,
    {
      ...(where.command ? { command: where.command } : {}),
      roles: [...roles],
      tenant,
      held,
      ...(where.path ? { path: where.path } : {}),
    },
  );
}

/** The value of a dotted request field (`source.tenantId`), or null when the request has none there. */
export function fieldValue(request: unknown, path: string): string | null {
  let v: unknown = request;
  for (const key of path.split('.')) {
    if (v === null || typeof v !== 'object' || !Object.prototype.hasOwnProperty.call(v, key)) return null;
    v = (v as Record<string, unknown>)[key];
  }
  return typeof v === 'string' ? v : null;
}

/** An access declaration (define.ts `Access`) of any command, as the registry reads it. */
export interface DeclaredAccess {
  readonly session: 'none' | 'operator';
  readonly roles?: readonly Role[] | undefined;
  readonly tenant?: string | null;
}

/** The roles a declaration names (none for a public command or one any operator may run). */
export const declaredRoles = (access: DeclaredAccess): readonly Role[] => access.roles ?? [];

/**
 * Applies a command's access declaration to a validated request: null for a public command, else
 * the operator it may run for (SESSION_REQUIRED / ROLE_REQUIRED otherwise).
 */
export function authorize(
  command: string,
  access: DeclaredAccess,
  session: OperatorSession | null,
  request: unknown,
): OperatorSession | null {
  if (access.session === 'none') return null;
  const operator = requireOperator(session, command);
  if (access.roles) {
    const path = access.tenant ?? undefined;
    const tenant = path === undefined ? null : fieldValue(request, path);
    requireRole(operator, access.roles, tenant, { command, ...(tenant !== null && path ? { path } : {}) });
  }
  return operator;
}
