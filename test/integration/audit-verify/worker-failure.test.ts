import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Worker } from 'node:worker_threads';
import { DigestPool } from '../../../electron/main/chain/digest-pool';
import { verifyTenantChain } from '../../../electron/main/chain/tenant-chain-verifier';
import { simulate } from '../../../electron/main/simulator/simulate';
import { migratedDatabase } from '../../support/pg';

/**
 * A digest worker that dies in the middle of a verification: the verification fails with INTERNAL
 * (it does not hang behind the unread COPY, and does not claim a cancel), its connection is dropped
 * rather than reused mid-COPY, and the pool restarts the worker for the next verification.
 */
let db: Awaited<ReturnType<typeof migratedDatabase>>;
let pool: DigestPool;

beforeAll(async () => {
  db = await migratedDatabase('verifyworker');
  await simulate({
    pool: db.gatewayPool,
    tenantId: db.tenants.a,
    events: 3000,
    seed: 31,
    start: new Date('2026-11-02T00:00:00Z'),
    batchSize: 1000,
  });
  pool = new DigestPool(1);
}, 240_000);
afterAll(async () => {
  await pool?.close();
  await db?.drop();
});

describe('a digest worker that dies mid-verification', () => {
  it('fails the verification with INTERNAL, and the next one runs on a new worker', async () => {
    let killed = false;
    const run = verifyTenantChain(db.consolePool, db.tenants.a, {
      pool,
      batchRows: 200,
      progressIntervalMs: 0,
      checkDocuments: false,
      onProgress: (p) => {
        if (p.phase === 'events' && p.rows > 0 && !killed) {
          killed = true;
          void (pool as unknown as { workers: Worker[] }).workers[0]!.terminate();
        }
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(killed).toBe(true);
    const again = await verifyTenantChain(db.consolePool, db.tenants.a, { pool, checkDocuments: false });
    const stored = await db.admin.query<{ n: string }>(
      'SELECT count(*) AS n FROM arx.audit_events WHERE tenant_id = $1',
      [db.tenants.a],
    );
    expect([again.verdict, again.rows]).toEqual(['intact', Number(stored.rows[0]!.n)]);
    const busy = await db.admin.query(
      `SELECT state FROM pg_stat_activity WHERE datname = current_database() AND usename LIKE 'console_%' AND state <> 'idle'`,
    );
    expect(busy.rows).toEqual([]);
  });
});
