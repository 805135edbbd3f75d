import { describe, expect, it } from 'vitest';
import { authorize, commands, type OperatorSession } from '../../../shared/contract';

// The explorer's access is its contract declaration, applied by the registry (every command alike).
const requireTenantAccess = (s: OperatorSession | null, tenantId: string) =>
  authorize('explorer.query', commands['explorer.query'].access, s, { tenantId });

const A = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const B = '9a2504e0-4f89-41d3-9a0c-0305e82c3302';
const session = (over: Partial<OperatorSession> = {}): OperatorSession => ({
  operatorId: 'op',
  edipi: '1234567890',
  displayName: 'ADAMS',
  tokenLabel: 't',
  certificateSha256: 'ab',
  roles: [{ tenantId: A, tenant: 'alpha', role: 'isso' }],
  startedAt: '2026-11-25T00:00:00Z',
  locked: false,
  lockReason: null,
  ...over,
});

describe('explorer access: a logged-in operator with a role in the tenant, nobody else', () => {
  it('allows a role holder', () => {
    expect(() => requireTenantAccess(session(), A)).not.toThrow();
  });
  it('refuses another tenant, nobody logged in, and a locked console, each with its code', () => {
    expect(() => requireTenantAccess(session(), B)).toThrow(expect.objectContaining({ code: 'ROLE_REQUIRED' }));
    expect(() => requireTenantAccess(null, A)).toThrow(expect.objectContaining({ code: 'SESSION_REQUIRED' }));
    expect(() => requireTenantAccess(session({ locked: true, lockReason: 'idle' }), A)).toThrow(
      expect.objectContaining({ code: 'SESSION_REQUIRED', details: expect.objectContaining({ locked: true }) }),
    );
  });
});
