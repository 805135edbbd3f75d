import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperatorSession } from '../../../shared/contract';
import { createAuditVerifyHandlers } from '../../../electron/main/chain/verify-handlers';
import { EventHub } from '../../../electron/main/core/event-hub';
import { ConsoleSession, createRegistry, type CallContext, type Handlers } from '../../../electron/main/core/registry';
import type { DomainDeps } from '../../../electron/main/handlers/domain-deps';
import { ChainWriter } from '../../../electron/main/controlplane/chain-writer';
import { simulate } from '../../../electron/main/simulator/simulate';
import { migratedDatabase } from '../../support/pg';

/** The audit.* verify commands: who may verify which tenant, and the job's life through the handlers. */
let db: Awaited<ReturnType<typeof migratedDatabase>>;
let session: OperatorSession | null;
const events: unknown[] = [];
let handlers: ReturnType<typeof createAuditVerifyHandlers>;
const ctx: CallContext = { adapter: 'test', session: new ConsoleSession() };

beforeAll(async () => {
  db = await migratedDatabase('avhandlers');
  const writer = new ChainWriter(db.gatewayPool, db.tenants.a, { source: '/arx/simulator/test' });
  await simulate({
    pool: db.gatewayPool,
    tenantId: db.tenants.a,
    events: 300,
    seed: 3,
    start: new Date('2026-11-02T00:00:00Z'),
    writer,
  });
  const hub = new EventHub();
  hub.subscribe((name, payload) => {
    if (name === 'audit.verifyProgress') events.push(payload);
  });
  const deps = {
    controlPlane: {
      requirePool: () => db.consolePool,
      status: () => ({ state: 'connected', mode: 'external', detail: 'test' }),
    },
    operatorAuth: { session: () => session },
    hub,
    log: () => {},
    // Handlers called directly: the registry's offline wrapper (and so the cache) is not in the way.
    offline: { describe: () => {}, evidence: { store: () => {} } },
  } as unknown as DomainDeps;
  handlers = createAuditVerifyHandlers(deps);
});

/** A command through the registry (where session and roles are checked), rejecting with its error. */
const viaRegistry = async (name: string, req: unknown) => {
  const registry = createRegistry(handlers as unknown as Handlers, () => {}, { operator: () => session });
  const consented = new ConsoleSession();
  consented.consentAcknowledgedAt = new Date();
  const r = await registry.invoke(name, req, { adapter: 'test', session: consented });
  if (!r.ok) throw r.error;
  return r.value;
};
afterAll(async () => {
  await db?.drop();
});

const operator = (roles: OperatorSession['roles']): OperatorSession => ({
  operatorId: 'op-1',
  edipi: '1000000009',
  displayName: 'TEST.ISSO',
  tokenLabel: 'T',
  certificateSha256: 'ab'.repeat(32),
  roles,
  startedAt: new Date().toISOString(),
  locked: false,
  lockReason: null,
});

describe('audit verify handlers', () => {
  it('refuse without a session, when locked, and without an ISSO or auditor role in the tenant', async () => {
    session = null;
    await expect(viaRegistry('audit.tenants', {})).rejects.toMatchObject({
      code: 'SESSION_REQUIRED',
    });
    session = {
      ...operator([{ tenantId: db.tenants.a, tenant: 'a', role: 'isso' }]),
      locked: true,
      lockReason: 'user',
    };
    await expect(
      viaRegistry('audit.verifyStart', { tenantId: db.tenants.a, range: { kind: 'all' } }),
    ).rejects.toMatchObject({ code: 'SESSION_REQUIRED', details: { locked: true } });
    session = operator([{ tenantId: db.tenants.a, tenant: 'a', role: 'policy-author' }]);
    await expect(
      viaRegistry('audit.verifyStart', { tenantId: db.tenants.a, range: { kind: 'all' } }),
    ).rejects.toMatchObject({ code: 'ROLE_REQUIRED', details: { roles: ['isso', 'auditor'], tenant: db.tenants.a } });
    expect(await handlers['audit.tenants']({}, ctx)).toEqual([]);
  });

  it('list the tenants an ISSO may verify, run a job to its result and publish its progress', async () => {
    session = operator([
      { tenantId: db.tenants.a, tenant: 'a', role: 'isso' },
      { tenantId: db.tenants.b, tenant: 'b', role: 'auditor' },
    ]);
    const tenants = await handlers['audit.tenants']({}, ctx);
    expect(tenants.map((t) => [t.id, t.events])).toEqual(
      expect.arrayContaining([
        [db.tenants.a, 300],
        [db.tenants.b, 0],
      ]),
    );
    await expect(
      Promise.resolve().then(() =>
        handlers['audit.verifyStart']({ tenantId: db.tenants.b, range: { kind: 'seq', from: 10, to: 5 } }, ctx),
      ),
    ).rejects.toMatchObject({ code: 'AUDIT_VERIFY_RANGE_INVALID' });
    const started = await handlers['audit.verifyStart']({ tenantId: db.tenants.a, range: { kind: 'all' } }, ctx);
    expect(started.state).toBe('running');
    await expect
      .poll(async () => (await handlers['audit.verifyStatus']({ jobId: started.jobId }, ctx)).state, {
        timeout: 30_000,
      })
      .toBe('done');
    const result = await handlers['audit.verifyResult']({ jobId: started.jobId }, ctx);
    expect(result).toMatchObject({ verdict: 'intact', tenant: { id: db.tenants.a }, counts: { events: 300 } });
    expect(
      events.some(
        (e) =>
          (e as { jobId: string; state: string }).jobId === started.jobId && (e as { state: string }).state === 'done',
      ),
    ).toBe(true);
    // Another operator does not see the job.
    session = { ...operator([{ tenantId: db.tenants.a, tenant: 'a', role: 'isso' }]), operatorId: 'op-2' };
    await expect(
      Promise.resolve().then(() => handlers['audit.verifyResult']({ jobId: started.jobId }, ctx)),
    ).rejects.toMatchObject({ code: 'AUDIT_VERIFY_JOB_UNKNOWN' });
  });
});
