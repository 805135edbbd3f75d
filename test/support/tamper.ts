import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { ed25519Signer } from '../../shared/checkpoint';
import { ChainWriter } from '../../electron/main/controlplane/chain-writer';
import { Checkpointer } from '../../electron/main/controlplane/checkpointer';
import { registerGatewayKey } from '../../electron/main/controlplane/gateway-keys';
import { simulate } from '../../electron/main/simulator/simulate';

/**
 * Simulated gateway traffic for `tenant` (which must exist): `events - tail` events (seed 11, from
 * 2026-11-02) written by the gateway role with a checkpoint signed by `key` every 1000 events (the
 * first append issues one, at size 250), then `tail` events (seed 12, from 2026-11-20) with no
 * checkpoint after them. The key is registered for the tenant, valid from a day ago.
 */
export async function simulateCheckpointedChain(
  db: { admin: pg.Pool; gatewayPool: pg.Pool },
  tenant: string,
  key: { name: string; secret: Uint8Array },
  events: number,
  tail = 0,
): Promise<void> {
  const signer = ed25519Signer(key.name, key.secret);
  await registerGatewayKey(db.admin, tenant, {
    name: key.name,
    secretKey: key.secret,
    publicKey: signer.publicKey,
    validFrom: new Date(Date.now() - 86_400_000),
  });
  const cp = new Checkpointer(tenant, signer, { everyEvents: 1000, everyMs: 3_600_000 });
  const writer = new ChainWriter(db.gatewayPool, tenant, {
    source: '/arx/simulator/test',
    afterAppend: cp.afterAppend,
  });
  await simulate({
    pool: db.gatewayPool,
    tenantId: tenant,
    events: events - tail,
    seed: 11,
    start: new Date('2026-11-02T00:00:00Z'),
    writer,
    batchSize: 250,
  });
  if (tail > 0) {
    const plain = new ChainWriter(db.gatewayPool, tenant, { source: '/arx/simulator/test' });
    await simulate({
      pool: db.gatewayPool,
      tenantId: tenant,
      events: tail,
      seed: 12,
      start: new Date('2026-11-20T00:00:00Z'),
      writer: plain,
    });
  }
}

/**
 * Runs SQL as the database owner (a superuser's pool) with the append-only triggers switched off
 * through session_replication_role: what a DBA could do behind the console's back. One
 * transaction, rolled back if the statement fails.
 */
export async function tamperAsOwner(admin: pg.Pool, sql: string, params: unknown[] = []): Promise<void> {
  const c = await admin.connect();
  try {
    await c.query('BEGIN');
    await c.query("SET LOCAL session_replication_role = 'replica'");
    await c.query(sql, params);
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK');
    throw err;
  } finally {
    c.release();
  }
}

/**
 * An event inserted at `seq`: the rows from `seq` on are renumbered one up (each step with the
 * triggers off, as above), and a copy of event `seq - 1` with event_id 'forged' and a random chain
 * hash is written at `seq`.
 */
export async function insertForgedEvent(admin: pg.Pool, tenant: string, seq: number): Promise<void> {
  await tamperAsOwner(admin, 'UPDATE arx.audit_events SET seq = seq + 100000 WHERE tenant_id = $1 AND seq >= $2', [
    tenant,
    seq,
  ]);
  await tamperAsOwner(
    admin,
    'UPDATE arx.audit_events SET seq = seq - 100000 + 1 WHERE tenant_id = $1 AND seq >= 100000',
    [tenant],
  );
  await tamperAsOwner(
    admin,
    `INSERT INTO arx.audit_events (tenant_id, seq, event_id, type, time, bytes, doc, event_digest, chain_hash)
     SELECT tenant_id, $2::bigint, 'forged', type, time, bytes, doc, event_digest, $3 FROM arx.audit_events WHERE tenant_id = $1 AND seq = $2::bigint - 1`,
    [tenant, seq, randomBytes(32)],
  );
}

/** Events `a` and `b` exchange their sequence numbers (through a free seq, 999999). */
export async function swapEvents(admin: pg.Pool, tenant: string, a: number, b: number): Promise<void> {
  await tamperAsOwner(admin, 'UPDATE arx.audit_events SET seq = 999999 WHERE tenant_id = $1 AND seq = $2', [tenant, a]);
  await tamperAsOwner(admin, 'UPDATE arx.audit_events SET seq = $2 WHERE tenant_id = $1 AND seq = $3', [tenant, a, b]);
  await tamperAsOwner(admin, 'UPDATE arx.audit_events SET seq = $2 WHERE tenant_id = $1 AND seq = 999999', [tenant, b]);
}
