import { randomUUID } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519Signer } from '../../../shared/checkpoint';
import { ArxFailure } from '../../../shared/contract';
import { designateAdministrators } from '../../../electron/main/administration/bootstrap';
import { verifyTenantChain } from '../../../electron/main/chain/tenant-chain-verifier';
import { ChainWriter, type NewEvent } from '../../../electron/main/controlplane/chain-writer';
import { Checkpointer } from '../../../electron/main/controlplane/checkpointer';
import { registerGatewayKey } from '../../../electron/main/controlplane/gateway-keys';
import { migratedDatabase, type MigratedDatabase } from '../../support/pg';

/**
 * The system chain's bootstrap records (docs/chain-format.md §8.2): the DBA's first appends, with
 * no card, pass the checkpointer and verifiers as a warning in the chain's first checkpoint only;
 * an unsigned grant shaped like them anywhere else is a forgery and stops the checkpointer.
 */
let db: MigratedDatabase;
const secret = ed25519.utils.randomSecretKey();
const signer = ed25519Signer('arx-gateway.system.1', secret);
const policy = { everyEvents: 1000, everyMs: 1 };
let n = 0;
const more: MigratedDatabase[] = [];

beforeAll(async () => {
  db = await migratedDatabase('sys_ckpt');
});
afterAll(async () => {
  await Promise.all([db, ...more].map((d) => d?.drop()));
});

/** A control plane of its own (a fresh database each: the system tenant is a singleton). */
async function bootstrapped(): Promise<{
  db: MigratedDatabase;
  sys: string;
  ops: { operatorId: string; edipi: string }[];
}> {
  const own = n++ === 0 ? db : await migratedDatabase('sys_ckpt');
  if (own !== db) more.push(own);
  const ops = [];
  for (const edipi of ['1000000101', '1000000102']) {
    const operatorId = randomUUID();
    await own.admin.query(`INSERT INTO arx.operators (id, edipi, display_name) VALUES ($1, $2, 'A')`, [
      operatorId,
      edipi,
    ]);
    ops.push({ operatorId, edipi });
  }
  const sys = await designateAdministrators(own.admin, ops);
  await registerGatewayKey(own.admin, sys, {
    name: signer.name,
    secretKey: secret,
    publicKey: signer.publicKey,
    validFrom: new Date(Date.now() - 60_000),
  });
  return { db: own, sys, ops };
}

/** What a superuser appends: the bootstrap's source and writer, the time it chooses. */
async function plant(d: MigratedDatabase, tenant: string, events: NewEvent[]): Promise<void> {
  await new ChainWriter(d.admin, tenant, { source: '/arx/console/administration' }).append(events);
}

const grant = (o: { operatorId: string; edipi: string }, time?: string, role = 'administrator'): NewEvent => ({
  type: 'com.arx.role.granted',
  subject: o.operatorId,
  data: { operatorId: o.operatorId, edipi: o.edipi, role, by: null, approvedBy: null },
  ...(time ? { time } : {}),
});

async function firstTime(d: MigratedDatabase, tenant: string): Promise<string> {
  const r = await d.admin.query(`SELECT doc->>'time' AS t FROM arx.audit_events WHERE tenant_id = $1 AND seq = 0`, [
    tenant,
  ]);
  return r.rows[0].t as string;
}

const writerCodes = async (d: MigratedDatabase, tenant: string) => {
  const v = await verifyTenantChain(d.admin, tenant, { checkDocuments: false });
  return [...v.errors, ...v.warnings]
    .filter((i) => i.code.startsWith('EVENT_WRITER'))
    .sort((a, b) => a.details.seq - b.details.seq)
    .map((i) => [i.code, i.details.seq]);
};

describe("the system chain's bootstrap records", () => {
  it('are checkpointed once, as warnings; a forged grant after that checkpoint stops the checkpointer', async () => {
    const { db: d, sys, ops } = await bootstrapped();
    const bootstrap = [0, 1, 2].map((seq) => ['EVENT_WRITER_BOOTSTRAP', seq]);
    expect(await writerCodes(d, sys)).toEqual(bootstrap);
    const cp = new Checkpointer(sys, signer, policy);
    expect(await cp.tick(d.gatewayPool)).toMatchObject({ size: 3 });
    // Shaped exactly like the bootstrap's next record (its source, writer and time), after its checkpoint.
    const t0 = await firstTime(d, sys);
    await plant(d, sys, [grant({ operatorId: ops[0]!.operatorId, edipi: ops[0]!.edipi }, `${t0.slice(0, 23)}003Z`)]);
    const refused = await cp.tick(d.gatewayPool).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ArxFailure);
    expect((refused as ArxFailure).details).toMatchObject({ code: 'EVENT_WRITER_UNAUTHENTICATED', seq: 3 });
    // A fresh checkpointer (a restart) refuses as well, and the verifier fails the chain there.
    expect(await new Checkpointer(sys, signer, policy).tick(d.gatewayPool).catch((e: ArxFailure) => e.code)).toBe(
      'CHECKPOINT_REFUSED',
    );
    expect(await writerCodes(d, sys)).toEqual([...bootstrap, ['EVENT_WRITER_UNAUTHENTICATED', 3]]);
  });

  it('end where the bootstrap ended: a later time, another role, or another kind of event before it', async () => {
    const { db: d, sys, ops } = await bootstrapped();
    const t0 = await firstTime(d, sys);
    const o = ops[1]!;
    // Before any checkpoint (the window in which the DBA who bootstraps could write anything anyway).
    await plant(d, sys, [grant(o, `${t0.slice(0, 23)}004Z`)]); // seq 3, but dated as seq 4 would be
    await plant(d, sys, [grant(o, `${t0.slice(0, 23)}004Z`, 'isso')]); // seq 4: no bootstrap grants isso
    expect(await writerCodes(d, sys)).toEqual([
      ['EVENT_WRITER_BOOTSTRAP', 0],
      ['EVENT_WRITER_BOOTSTRAP', 1],
      ['EVENT_WRITER_BOOTSTRAP', 2],
      ['EVENT_WRITER_UNAUTHENTICATED', 3],
      ['EVENT_WRITER_UNAUTHENTICATED', 4],
    ]);
    const refused = await new Checkpointer(sys, signer, policy).tick(d.gatewayPool).catch((e: ArxFailure) => e);
    expect((refused as ArxFailure).details).toMatchObject({ code: 'EVENT_WRITER_UNAUTHENTICATED', seq: 3 });
  });

  it('exist only in the system tenant: the same records at the start of another chain are forgeries', async () => {
    if (n === 0) await bootstrapped(); // this database's system tenant is another
    const t = db.tenants.b;
    await registerGatewayKey(db.admin, t, {
      name: signer.name,
      secretKey: secret,
      publicKey: signer.publicKey,
      validFrom: new Date(Date.now() - 60_000),
    });
    const o = { operatorId: randomUUID(), edipi: '1000000199' };
    await plant(db, t, [
      { type: 'com.arx.tenant.created', data: { tenantId: t, slug: 'control-plane', name: 'Control plane', by: null } },
      grant(o),
    ]);
    // Exactly the bootstrap's shape, but in a tenant the control plane does not record as its system tenant.
    expect(await writerCodes(db, t)).toEqual([
      ['EVENT_WRITER_UNAUTHENTICATED', 0],
      ['EVENT_WRITER_UNAUTHENTICATED', 1],
    ]);
    const refused = await new Checkpointer(t, signer, policy).tick(db.gatewayPool).catch((e: ArxFailure) => e);
    expect((refused as ArxFailure).details).toMatchObject({ code: 'EVENT_WRITER_UNAUTHENTICATED', seq: 0 });
  });
});
