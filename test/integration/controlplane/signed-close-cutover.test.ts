import { randomBytes, randomUUID } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519Signer } from '../../../shared/checkpoint';
import { ArxFailure } from '../../../shared/contract';
import { operatorWriter } from '../../../shared/events';
import { verifyTenantChain } from '../../../electron/main/chain/tenant-chain-verifier';
import { ChainWriter } from '../../../electron/main/controlplane/chain-writer';
import { Checkpointer } from '../../../electron/main/controlplane/checkpointer';
import { registerGatewayKey } from '../../../electron/main/controlplane/gateway-keys';
import { migrate } from '../../../electron/main/controlplane/migrate';
import { MIGRATIONS } from '../../../electron/main/controlplane/migrations';
import { createLoginRole } from '../../../electron/main/controlplane/tenant-session';
import { freshDatabase } from '../../support/pg';

/**
 * Unsigned session closes for a logout or lock were the console's own until it signed them: migration
 * 0028 records each chain's size at the upgrade, and only closes below it are grandfathered (a
 * warning); one written since is an error and stops the checkpointer (docs/chain-format.md §8.2).
 */
const CUTOVER = MIGRATIONS.find((m) => m.name === 'signed-close-cutover')!.version;
let db: Awaited<ReturnType<typeof freshDatabase>>;
let gateway: pg.Pool;
const secret = ed25519.utils.randomSecretKey();
const signer = ed25519Signer('arx-gateway.cutover.1', secret);
const policy = { everyEvents: 1000, everyMs: 1 };
const operatorId = randomUUID();
const tenants = { old: randomUUID(), fresh: randomUUID() };

async function tenant(id: string): Promise<void> {
  await db.admin.query(`INSERT INTO arx.tenants (id, slug, name) VALUES ($1, $2, 'T')`, [id, `t-${id.slice(0, 8)}`]);
  await registerGatewayKey(db.admin, id, {
    name: signer.name,
    secretKey: secret,
    publicKey: signer.publicKey,
    validFrom: new Date(Date.now() - 60_000),
  });
}

/** What the console wrote before it signed closes (here: a superuser writing the same bytes). */
async function unsignedClose(t: string, reason: string): Promise<number> {
  const w = new ChainWriter(db.admin, t, { source: '/arx/console/old', writer: operatorWriter(operatorId) });
  const data = { operatorId, edipi: '1000000001', reason };
  return (await w.append([{ type: 'com.arx.session.closed', data } as never])).firstSeq;
}

const writerCodes = async (t: string) => {
  const v = await verifyTenantChain(db.admin, t, { checkDocuments: false });
  return [...v.errors, ...v.warnings]
    .filter((i) => i.code.startsWith('EVENT_WRITER'))
    .sort((a, b) => a.details.seq - b.details.seq)
    .map((i) => [i.code, i.details.seq]);
};

beforeAll(async () => {
  db = await freshDatabase('cutover');
  const c = await db.admin.connect();
  try {
    await migrate(c, { target: CUTOVER - 1 });
    await c.query(`INSERT INTO arx.operators (id, edipi, display_name) VALUES ($1, '1000000001', 'A')`, [operatorId]);
    await tenant(tenants.old);
    await unsignedClose(tenants.old, 'logout');
    await unsignedClose(tenants.old, 'lock');
    await unsignedClose(tenants.old, 'idle');
    await migrate(c);
    const pw = randomBytes(18).toString('base64url');
    await createLoginRole(c, `gw_${db.name.slice(-12)}`, pw, 'arx_gateway');
    gateway = db.connect(`gw_${db.name.slice(-12)}`, pw);
  } finally {
    c.release();
  }
});
afterAll(async () => {
  await db?.drop();
});

describe('the signed-close cut-over', () => {
  it('is the chain size at the upgrade, and nothing changes it', async () => {
    const r = await db.admin.query('SELECT tenant_id, below_seq::int AS n FROM arx.signed_close_cutover');
    expect(r.rows).toEqual([{ tenant_id: tenants.old, n: 3 }]);
    for (const sql of [
      'UPDATE arx.signed_close_cutover SET below_seq = 1000',
      'DELETE FROM arx.signed_close_cutover',
      'TRUNCATE arx.signed_close_cutover',
    ])
      expect(String(await db.admin.query(sql).catch((e: Error) => e))).toMatch(/recorded once, never changed/);
    const add = await gateway
      .query('INSERT INTO arx.signed_close_cutover VALUES ($1, 1)', [tenants.old])
      .catch((e) => e);
    expect(String(add)).toMatch(/permission denied/);
  });

  it('grandfathers the unsigned closes below it; the checkpointer signs over them', async () => {
    const legacy = [0, 1, 2].map((seq) => ['EVENT_WRITER_UNSIGNED_LEGACY', seq]);
    expect(await writerCodes(tenants.old)).toEqual(legacy);
    const cp = new Checkpointer(tenants.old, signer, policy);
    expect(await cp.tick(gateway)).toMatchObject({ size: 3 });
  });

  it('fails an unsigned logout or lock close written since, and the checkpointer stops there', async () => {
    const seq = await unsignedClose(tenants.old, 'logout');
    expect(await writerCodes(tenants.old)).toEqual([
      ...[0, 1, 2].map((s) => ['EVENT_WRITER_UNSIGNED_LEGACY', s]),
      ['EVENT_WRITER_UNAUTHENTICATED', seq],
    ]);
    const refused = await new Checkpointer(tenants.old, signer, policy).tick(gateway).catch((e: ArxFailure) => e);
    expect((refused as ArxFailure).details).toMatchObject({ code: 'EVENT_WRITER_UNAUTHENTICATED', seq });
  });

  it('grandfathers nothing in a chain that had no events at the upgrade', async () => {
    await tenant(tenants.fresh);
    const seq = await unsignedClose(tenants.fresh, 'lock');
    expect(await writerCodes(tenants.fresh)).toEqual([['EVENT_WRITER_UNAUTHENTICATED', seq]]);
    const refused = await new Checkpointer(tenants.fresh, signer, policy).tick(gateway).catch((e: ArxFailure) => e);
    expect((refused as ArxFailure).details).toMatchObject({ code: 'EVENT_WRITER_UNAUTHENTICATED', seq: 0 });
  });
});
