import { randomBytes, randomUUID } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainLink, eventDigest, genesisHash, nobleBlake3 } from '../../../shared/chain';
import { ed25519Signer, formatArxCheckpoint, signNote } from '../../../shared/checkpoint';
import { ArxFailure } from '../../../shared/contract';
import { ChainWriter } from '../../../electron/main/controlplane/chain-writer';
import { Checkpointer } from '../../../electron/main/controlplane/checkpointer';
import { registerGatewayKey } from '../../../electron/main/controlplane/gateway-keys';
import type { Queryable } from '../../../electron/main/controlplane/repos/queryable';
import { withTenant } from '../../../electron/main/controlplane/tenant-session';
import { simulate } from '../../../electron/main/simulator/simulate';
import { migratedDatabase, type MigratedDatabase } from '../../support/pg';
import { tamperAsOwner } from '../../support/tamper';

/**
 * The checkpointer signs only what it verified itself: each row recomputed from its stored bytes,
 * and the previous checkpoint taken by its signature, never by being the newest row. Attacks are
 * those of the zero-trust issue: a row planted by a superuser, a fake checkpoint from the console
 * role, and a history rewritten consistently behind a signed checkpoint.
 */
let db: MigratedDatabase;
const key = { secret: ed25519.utils.randomSecretKey(), name: 'arx-gateway.trust.1' };
const signer = ed25519Signer(key.name, key.secret);
const policy = { everyEvents: 10, everyMs: 3_600_000 };

beforeAll(async () => {
  db = await migratedDatabase('ckpt_trust');
});
afterAll(async () => {
  await db?.drop();
});

async function tenantWithKey(): Promise<string> {
  const tenant = randomUUID();
  await db.admin.query(`INSERT INTO arx.tenants (id, slug, name) VALUES ($1, $2, 'T')`, [
    tenant,
    `c-${tenant.slice(0, 8)}`,
  ]);
  const validFrom = new Date(Date.now() - 86_400_000);
  await registerGatewayKey(db.admin, tenant, {
    name: key.name,
    secretKey: key.secret,
    publicKey: signer.publicKey,
    validFrom,
  });
  return tenant;
}

function gateway(tenant: string, now: () => Date = () => new Date()) {
  const checkpointer = new Checkpointer(tenant, signer, policy, now);
  const writer = new ChainWriter(db.gatewayPool, tenant, {
    source: '/arx/simulator/test',
    afterAppend: checkpointer.afterAppend,
  });
  const run = (events: number, seed: number) =>
    simulate({ pool: db.gatewayPool, tenantId: tenant, events, seed, start: new Date('2026-11-02T00:00:00Z'), writer });
  return { checkpointer, run };
}

async function sizes(tenant: string): Promise<number[]> {
  const r = await db.admin.query<{ tree_size: string }>(
    'SELECT tree_size FROM arx.checkpoints WHERE tenant_id = $1 ORDER BY issued_at, tree_size',
    [tenant],
  );
  return r.rows.map((row) => Number(row.tree_size));
}

/** A copy of the newest event planted at the head by a superuser, with a chain hash that does not follow. */
async function plantBadRow(tenant: string): Promise<number> {
  const head = await db.admin.query<{ seq: string }>(
    'SELECT max(seq) AS seq FROM arx.audit_events WHERE tenant_id = $1',
    [tenant],
  );
  const seq = Number(head.rows[0]!.seq) + 1;
  await db.admin.query(
    `INSERT INTO arx.audit_events (tenant_id, seq, event_id, type, time, bytes, doc, event_digest, chain_hash)
     SELECT tenant_id, $2::bigint, 'planted', type, time, bytes, doc, event_digest, $3 FROM arx.audit_events
     WHERE tenant_id = $1 AND seq = $2::bigint - 1`,
    [tenant, seq, randomBytes(32)],
  );
  return seq;
}

describe('the checkpointer recomputes every row it did not write', () => {
  it('signs nothing over a planted row; the appends stand and the refusal names the row', async () => {
    const tenant = await tenantWithKey();
    const gw = gateway(tenant);
    await gw.run(20, 1);
    expect(await sizes(tenant)).toEqual([20]);
    const planted = await plantBadRow(tenant);
    await gw.run(25, 2);
    expect(Math.max(...(await sizes(tenant)))).toBeLessThanOrEqual(planted);
    const refusals = gw.checkpointer.drainRefusals();
    expect(refusals[0]).toMatchObject({ code: 'CHAIN_ROW_MISMATCH', seq: planted });
    const count = await db.admin.query('SELECT count(*)::int AS n FROM arx.audit_events WHERE tenant_id = $1', [
      tenant,
    ]);
    expect(count.rows[0].n).toBe(46);
  });

  it('a fresh checkpointer on the timer refuses with CHECKPOINT_REFUSED, and signs nothing', async () => {
    const tenant = await tenantWithKey();
    await gateway(tenant).run(12, 3);
    const planted = await plantBadRow(tenant);
    const later = () => new Date(Date.now() + 7_200_000);
    const err = await new Checkpointer(tenant, signer, policy, later).tick(db.gatewayPool).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArxFailure);
    expect((err as ArxFailure).code).toBe('CHECKPOINT_REFUSED');
    expect((err as ArxFailure).details).toMatchObject({ code: 'CHAIN_ROW_MISMATCH', seq: planted });
    expect(Math.max(...(await sizes(tenant)))).toBeLessThan(planted + 1);
  });
});

describe('the previous checkpoint is taken by its signature', () => {
  it('a fake checkpoint (size 10^12, dated 2099) does not stop checkpointing; the console role cannot insert one', async () => {
    const tenant = await tenantWithKey();
    const gw = gateway(tenant);
    await gw.run(5, 4);
    const other = ed25519Signer(key.name, ed25519.utils.randomSecretKey());
    const root = randomBytes(32);
    const note = signNote(
      formatArxCheckpoint({
        tenantId: tenant,
        size: 1e12,
        root,
        time: '2099-01-01T00:00:00.000000Z',
        head: randomBytes(32),
      }),
      [other],
    );
    // The console role may not insert checkpoints at all; a superuser can, and is not believed either.
    const insert = (c: Queryable) =>
      c.query(
        `INSERT INTO arx.checkpoints (tenant_id, tree_size, root, note, key_name, issued_at) VALUES ($1, $2, $3, $4, $5, '2099-01-01')`,
        [tenant, 1e12, root, note, key.name],
      );
    await expect(withTenant(db.consolePool, tenant, insert)).rejects.toThrow(/permission denied for table checkpoints/);
    await insert(db.admin);
    await gw.run(30, 5);
    const real = (await sizes(tenant)).filter((s) => s < 1e12);
    expect(real).toEqual([5, 35]);
    expect(gw.checkpointer.drainRefusals()).toEqual([]);
  });

  it('refuses a history rewritten consistently behind a checkpoint it signed: CHECKPOINT_HISTORY_REWRITTEN', async () => {
    const tenant = await tenantWithKey();
    await gateway(tenant).run(8, 6);
    expect(await sizes(tenant)).toEqual([8]);
    await rewriteFrom(tenant, 3);
    const later = () => new Date(Date.now() + 7_200_000);
    const err = (await new Checkpointer(tenant, signer, policy, later)
      .tick(db.gatewayPool)
      .catch((e) => e)) as ArxFailure;
    expect(err.code).toBe('CHECKPOINT_REFUSED');
    expect(err.details).toMatchObject({ code: 'CHECKPOINT_HISTORY_REWRITTEN', size: 8 });
    expect(await sizes(tenant)).toEqual([8]);
  });
});

/** What a superuser who knows the chain format can do: change event `from` and relink every row after it. */
async function rewriteFrom(tenant: string, from: number): Promise<void> {
  const rows = await db.admin.query<{ seq: string; bytes: Buffer }>(
    'SELECT seq, bytes FROM arx.audit_events WHERE tenant_id = $1 ORDER BY seq',
    [tenant],
  );
  let prev = genesisHash(nobleBlake3, tenant);
  for (const row of rows.rows) {
    const seq = Number(row.seq);
    const bytes = new Uint8Array(row.bytes);
    if (seq === from) bytes[bytes.length - 2] = bytes[bytes.length - 2] === 0x30 ? 0x31 : 0x30;
    const digest = eventDigest(nobleBlake3, bytes);
    const hash = chainLink(nobleBlake3, seq, prev, digest);
    prev = hash;
    if (seq < from) continue;
    await tamperAsOwner(
      db.admin,
      'UPDATE arx.audit_events SET bytes = $3, event_digest = $4, chain_hash = $5 WHERE tenant_id = $1 AND seq = $2',
      [tenant, seq, Buffer.from(bytes), Buffer.from(digest), Buffer.from(hash)],
    );
  }
}
