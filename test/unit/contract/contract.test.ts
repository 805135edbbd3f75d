import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ArxFailure, COMMAND_NAMES, commands, type CommandName } from '../../../shared/contract';
import { ConsoleSession, createRegistry, type Handlers } from '../../../electron/main/core/registry';
import { everyRoleSession } from '../../support/operator-session';
import { SAMPLE_FOLDERS } from '../../support/sample-files';
import { VALID_REQUESTS } from '../../support/valid-requests';

/** A registry whose handlers only record that they ran: a refused request must never reach one. */
function spyRegistry() {
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
  // An operator holding every role in the samples' tenants: access is tested in access.test.ts.
  const operator = everyRoleSession();
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

function wrongTypeFor(value: unknown): unknown {
  if (typeof value === 'string') return 12345;
  if (typeof value === 'number') return 'not a number';
  if (typeof value === 'boolean') return 'yes';
  if (Array.isArray(value)) return 'not an array';
  if (value === null) return 42;
  return 'not an object';
}

describe('contract: every command refuses malformed requests before any handler runs', () => {
  for (const name of COMMAND_NAMES) {
    describe(name, () => {
      const valid = VALID_REQUESTS[name] as Record<string, unknown>;
      const shape = (commands[name].request as unknown as z.ZodObject).shape as Record<string, z.ZodType>;

      it('accepts its valid sample (reaches the handler)', async () => {
        const { calls, registry } = spyRegistry();
        const res = await registry.invoke(name, valid, ctx());
        expect(calls).toEqual([name]);
        expect(res).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'spy' } });
      });

      for (const bad of [null, 42, 'text', [], undefined]) {
        it(`refuses a non-object request (${JSON.stringify(bad) ?? 'undefined'})`, async () => {
          const { calls, registry } = spyRegistry();
          const res = await registry.invoke(name, bad, ctx());
          expect(res.ok).toBe(false);
          if (!res.ok) expect(res.error.code).toBe('INVALID_REQUEST');
          expect(calls).toEqual([]);
        });
      }

      it('refuses an extra field, naming it', async () => {
        const { calls, registry } = spyRegistry();
        const res = await registry.invoke(name, { ...valid, smuggled: 1 }, ctx());
        expect(res.ok).toBe(false);
        if (!res.ok) {
          expect(res.error.code).toBe('INVALID_REQUEST');
          expect(res.error.details?.path).toBe('smuggled');
        }
        expect(calls).toEqual([]);
      });

      for (const key of Object.keys(shape)) {
        it(`refuses a wrong type at ${key}`, async () => {
          const { calls, registry } = spyRegistry();
          const res = await registry.invoke(name, { ...valid, [key]: wrongTypeFor(valid[key]) }, ctx());
          expect(res.ok).toBe(false);
          if (!res.ok) {
            expect(res.error.code).toBe('INVALID_REQUEST');
            expect(String(res.error.details?.path)).toMatch(new RegExp(`^${key}`));
            expect(res.error.message).toContain(key);
          }
          expect(calls).toEqual([]);
        });
        if (!shape[key]!.safeParse(undefined).success) {
          it(`refuses a missing ${key}`, async () => {
            const { calls, registry } = spyRegistry();
            const { [key]: _dropped, ...rest } = valid;
            const res = await registry.invoke(name, rest, ctx());
            expect(res.ok).toBe(false);
            if (!res.ok) {
              expect(res.error.code).toBe('INVALID_REQUEST');
              expect(res.error.details?.path).toBe(key);
            }
            expect(calls).toEqual([]);
          });
        }
      }
    });
  }
});

describe('contract: results are always envelopes', () => {
  const base = Object.fromEntries(COMMAND_NAMES.map((n) => [n, () => ({})])) as unknown as Handlers;

  it('a handler that throws becomes INTERNAL without a stack trace', async () => {
    const logged: string[] = [];
    const registry = createRegistry(
      {
        ...base,
        'app.info': () => {
          throw new Error('secret path /home/x/.ssh at Object.<anonymous> (file.ts:1:1)');
        },
      },
      (l) => logged.push(l),
    );
    const res = await registry.invoke('app.info', {}, ctx());
    expect(res).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'Internal error in app.info.' } });
    expect(JSON.stringify(res)).not.toMatch(/\.ssh|at Object|file\.ts/);
    expect(logged.join('\n')).toContain('secret path'); // kept for the local log only
  });

  it('a rejected promise becomes INTERNAL too', async () => {
    const registry = createRegistry({ ...base, 'status.get': () => Promise.reject(new TypeError('boom')) });
    const res = await registry.invoke('status.get', {}, ctx());
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.error.code).toBe('INTERNAL');
  });

  it('a deliberate ArxFailure keeps its code, message and details', async () => {
    const registry = createRegistry({
      ...base,
      'settings.get': () => {
        throw new ArxFailure('DB_UNREACHABLE', 'The control plane is down.', { host: 'db1' });
      },
    });
    expect(await registry.invoke('settings.get', {}, ctx())).toEqual({
      ok: false,
      error: { code: 'DB_UNREACHABLE', message: 'The control plane is down.', details: { host: 'db1' } },
    });
  });

  it('a response that does not match its schema is not passed on', async () => {
    const registry = createRegistry({ ...base, 'status.get': () => ({ controlPlane: 'fine' }) as never });
    const res = await registry.invoke('status.get', {}, ctx());
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.error.code).toBe('INTERNAL');
  });

  it('an unknown command is refused', async () => {
    const registry = createRegistry(base);
    for (const name of ['nope', '__proto__', 'constructor', 'toString', 'app', 'app.info.x']) {
      const res = await registry.invoke(name, {}, ctx());
      expect(res.ok).toBe(false);
      if (!res.ok) expect(res.error.code).toBe('UNKNOWN_COMMAND');
    }
  });

  it('commands that need consent are refused until it is acknowledged', async () => {
    const registry = createRegistry(base);
    const session = new ConsoleSession();
    const gated = COMMAND_NAMES.filter((n) => commands[n].requiresConsent);
    expect(gated.length).toBeGreaterThan(0);
    for (const n of gated) {
      const res = await registry.invoke(n, VALID_REQUESTS[n as CommandName], { adapter: 'test', session });
      expect(res.ok).toBe(false);
      if (!res.ok) expect(res.error.code).toBe('CONSENT_REQUIRED');
    }
    session.consentAcknowledgedAt = new Date();
    const after = await registry.invoke('settings.get', {}, { adapter: 'test', session });
    expect(after.ok).toBe(false); // base handler returns {}, which is not a SettingsView
    if (!after.ok) expect(after.error.code).toBe('INTERNAL');
  });
});
