import {
  COMMAND_NAMES,
  ROLES,
  commands,
  fieldValue,
  type CommandName,
  type OperatorSession,
  type Role,
} from '../../shared/contract';
import { VALID_REQUESTS } from './valid-requests';

/** An operator session as OperatorAuth reports it after login (roles per tenant), for registry tests. */
export function operatorSession(
  roles: { tenantId: string; role: Role }[],
  options: { locked?: boolean } = {},
): OperatorSession {
  return {
    operatorId: '00000000-0000-4000-8000-000000000001',
    edipi: '1234567890',
    displayName: 'Test Operator',
    tokenLabel: 'test-card',
    certificateSha256: 'a'.repeat(64),
    roles: roles.map((r) => ({ ...r, tenant: `slug-${r.tenantId.slice(0, 8)}` })),
    startedAt: '2026-12-07T00:00:00.000Z',
    locked: options.locked === true,
    lockReason: options.locked ? 'user' : null,
  };
}

/** The tenant a command's valid sample names (its declared field), or null when it names none. */
export function sampleTenant(name: CommandName): string | null {
  const access = commands[name].access;
  if (access.session === 'none' || !access.roles || access.tenant === null) return null;
  return fieldValue(VALID_REQUESTS[name], access.tenant);
}

/** A session holding every role in every tenant the valid samples name: every sample is authorized. */
export function everyRoleSession(): OperatorSession {
  const tenants = [...new Set(COMMAND_NAMES.map(sampleTenant).filter((t): t is string => t !== null))];
  if (tenants.length === 0) tenants.push('00000000-0000-4000-8000-00000000000f');
  return operatorSession(tenants.flatMap((tenantId) => ROLES.map((role) => ({ tenantId, role }))));
}
