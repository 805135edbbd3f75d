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
  await registerGatewayKey(db.admin, tenant, { name: key.name, secretKey: key.secret, publicKey: signer.publicKey, validFrom: new Date(Date.now() - 86_400_000) });
  const cp = new Checkpointer(tenant, signer, { everyEvents: 1000, everyMs: 3_600_000 });
  const writer = new ChainWriter(db.gatewayPool, tenant, { source: '/arx/simulator/test', afterAppend: cp.afterAppend });
  await simulate({ pool: db.gatewayPool, tenantId: tenant, events: events - tail, seed: 11, start: new Date('2026-11-02T00:00:00Z'), writer, batchSize: 250 });
  if (tail > 0) {
    const plain = new ChainWriter(db.gatewayPool, tenant, { source: '/arx/simulator/test' });
    await simulate({ pool: db.gatewayPool, tenantId: tenant, events: tail, seed: 12, start: new Date('2026-11-20T00:00:00Z'), writer: plain });
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
