import { describe, expect, it } from 'vitest';
import { ArxFailure, COMMAND_NAMES, ROLES, commands, type OperatorSession } from '../../../shared/contract';
import { ConsoleSession, createRegistry, type Handlers } from '../../../electron/main/core/registry';
import { everyRoleSession, operatorSession, sampleTenant } from '../../support/operator-session';
import { SAMPLE_FOLDERS } from '../../support/sample-files';
import { VALID_REQUESTS } from '../../support/valid-requests';

/** A registry as `operator` sees it, whose handlers only record that they ran. */
function registryAs(operator: OperatorSession | null) {
  const calls: string[] = [];
  const handlers = Object.fromEntries(
    COMMAND_NAMES.map((n) => [
      n,
      () => {
        calls.push(n);
        throw new ArxFailure('NOT_FOUND', 'spy');
      },
    ]),
  ) as unknown as Handlers;
  return {
    calls,
    registry: createRegistry(handlers, () => {}, { operator: () => operator, folders: SAMPLE_FOLDERS }),
  };
}

const ctx = () => {
  const session = new ConsoleSession();
  session.consentAcknowledgedAt = new Date();
  return { adapter: 'test' as const, session };
};

const OTHER_TENANT = '99999999-9999-4999-8999-999999999999';

describe('access: the registry enforces every command’s declaration before its handler', () => {
  for (const name of COMMAND_NAMES) {
    const access = commands[name].access;
    const sample = VALID_REQUESTS[name];
    describe(name, () => {
      if (access.session === 'none') {
        it(`is public (${access.why.slice(0, 60)}…): runs with nobody logged in`, async () => {
          expect(access.why.length).toBeGreaterThan(10);
          const { calls, registry } = registryAs(null);
          await registry.invoke(name, sample, ctx());
          expect(calls).toEqual([name]);
        });
        return;
      }

      it('without a session: SESSION_REQUIRED, handler not run', async () => {
        const { calls, registry } = registryAs(null);
        const res = await registry.invoke(name, sample, ctx());
        expect(res.ok).toBe(false);
        if (!res.ok) {
          expect(res.error.code).toBe('SESSION_REQUIRED');
          expect(res.error.details).toMatchObject({ command: name, locked: false });
        }
        expect(calls).toEqual([]);
      });

      it('with a locked session: SESSION_REQUIRED naming the lock, handler not run', async () => {
        const locked = { ...everyRoleSession(), locked: true, lockReason: 'idle' as const };
        const { calls, registry } = registryAs(locked);
        const res = await registry.invoke(name, sample, ctx());
        expect(res.ok).toBe(false);
        if (!res.ok) {
          expect(res.error.code).toBe('SESSION_REQUIRED');
          expect(res.error.message).toMatch(/locked/);
          expect(res.error.details).toMatchObject({ locked: true, lockReason: 'idle' });
        }
        expect(calls).toEqual([]);
      });

      if (!access.roles) {
        it(`any operator, no role needed (${access.why.slice(0, 60)}…)`, async () => {
          const { calls, registry } = registryAs(operatorSession([]));
          await registry.invoke(name, sample, ctx());
          expect(calls).toEqual([name]);
        });
        return;
      }

      const tenant = sampleTenant(name);
      const others = ROLES.filter((r) => !(access.roles as readonly string[]).includes(r));

      it(`with roles that do not qualify (${others.join(', ') || 'none'}): ROLE_REQUIRED, handler not run`, async () => {
        const grants = [
          ...others.map((role) => ({ tenantId: tenant ?? OTHER_TENANT, role })),
          // Qualifying roles in another tenant do not count, unless any tenant qualifies.
          ...(tenant === null ? [] : access.roles.map((role) => ({ tenantId: OTHER_TENANT, role }))),
        ];
        const { calls, registry } = registryAs(operatorSession(grants));
        const res = await registry.invoke(name, sample, ctx());
        expect(res.ok).toBe(false);
        if (!res.ok) {
          expect(res.error.code).toBe('ROLE_REQUIRED');
          expect(res.error.details).toMatchObject({ command: name, roles: [...access.roles], tenant });
          for (const r of access.roles) expect(res.error.message).toContain(r);
        }
        expect(calls).toEqual([]);
      });

      it(`with one qualifying role (${access.roles[access.roles.length - 1]}) in that tenant: runs`, async () => {
        const role = access.roles[access.roles.length - 1]!;
        const { calls, registry } = registryAs(operatorSession([{ tenantId: tenant ?? OTHER_TENANT, role }]));
        await registry.invoke(name, sample, ctx());
        expect(calls).toEqual([name]);
      });
    });
  }
});

describe('access: tenant fields', () => {
  it('a tenant named by slug matches the grant of that slug', async () => {
    const s = operatorSession([{ tenantId: OTHER_TENANT, role: 'auditor' }]);
    const { calls, registry } = registryAs(s);
    const req = { ...VALID_REQUESTS['bundle.export'], tenant: s.roles[0]!.tenant };
    await registry.invoke('bundle.export', req, ctx());
    expect(calls).toEqual(['bundle.export']);
  });

  it('a request that leaves the tenant out (imported certificate) needs the role in some tenant', async () => {
    const req = { source: { kind: 'imported', envelope: '{}' } };
    const none = registryAs(operatorSession([{ tenantId: OTHER_TENANT, role: 'policy-author' }]));
    const res = await none.registry.invoke('review.verify', req, ctx());
    expect(res.ok ? null : res.error.code).toBe('ROLE_REQUIRED');
    expect(none.calls).toEqual([]);
    const some = registryAs(operatorSession([{ tenantId: OTHER_TENANT, role: 'auditor' }]));
    await some.registry.invoke('review.verify', req, ctx());
    expect(some.calls).toEqual(['review.verify']);
  });

  it('validation comes first: a malformed request is INVALID_REQUEST even with nobody logged in', async () => {
    const { registry } = registryAs(null);
    const res = await registry.invoke('policy.get', { tenantId: 'x' }, ctx());
    expect(res.ok ? null : res.error.code).toBe('INVALID_REQUEST');
  });
});
