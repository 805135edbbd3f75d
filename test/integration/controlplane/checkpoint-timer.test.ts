import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nobleBlake3 } from '../../../shared/chain';
import { loadConfig } from '../../../electron/main/config/config';
import { ChainWriter } from '../../../electron/main/controlplane/chain-writer';
import { allTenants } from '../../../electron/main/controlplane/repos/tenants';
import { startCheckpointTimer } from '../../../electron/main/simulator/checkpoint-timer';
import { migratedDatabase, type MigratedDatabase } from '../../support/pg';

/**
 * On the embedded default nothing but the simulator issued checkpoints, so events the console
 * wrote were never provable. The gateway timer issues one when its interval has passed, and
 * reports instead of signing when a row does not recompute.
 */
let db: MigratedDatabase;
beforeAll(async () => {
  db = await migratedDatabase('ckpt_timer');
});
afterAll(async () => {
  await db?.drop();
});

const sessionEvent = {
  type: 'com.arx.session.refused' as const,
  data: { edipi: null, certificateSha256: null, reason: 'CARD_PIN_INCORRECT' },
};

async function until<T>(f: () => Promise<T | null>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== null) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The timer on one tenant, ticking every 50 ms, with the refusals it reports. */
function timerFor(tenantId: string) {
  const config = loadConfig({ HOME: '/tmp', ARX_DATA_DIR: mkdtempSync(join(tmpdir(), 'arx-timer-')) });
  const pools = { requireAdminPool: () => db.admin, requireGatewayPool: () => db.gatewayPool };
  const refused: string[] = [];
  const timer = startCheckpointTimer(
    pools,
    config,
    nobleBlake3,
    async () => (await allTenants(db.admin)).filter((t) => t.id === tenantId),
    { log: () => {}, refused: (t, why) => refused.push(`${t}: ${why}`) },
    50,
  );
  return { timer, refused };
}

describe('the embedded gateway timer', () => {
  it('makes console events provable: a checkpoint covers them without any gateway traffic', async () => {
    await new ChainWriter(db.admin, db.tenants.a, { source: '/arx/console/test', writer: 'console/test' }).append([
      sessionEvent,
    ]);
    const { timer, refused } = timerFor(db.tenants.a);
    try {
      const size = await until(async () => {
        const r = await db.admin.query<{ s: string | null }>(
          'SELECT max(tree_size) AS s FROM arx.checkpoints WHERE tenant_id = $1',
          [db.tenants.a],
        );
        return r.rows[0]!.s === null ? null : Number(r.rows[0]!.s);
      });
      expect(size).toBe(1);
      expect(refused).toEqual([]);
    } finally {
      timer.stop();
    }
  });

  it('reports a refusal when a planted row does not recompute, and signs nothing', async () => {
    await new ChainWriter(db.admin, db.tenants.b, { source: '/arx/console/test', writer: 'console/test' }).append([
      sessionEvent,
    ]);
    await db.admin.query(
      `INSERT INTO arx.audit_events (tenant_id, seq, event_id, type, time, bytes, doc, event_digest, chain_hash)
       SELECT tenant_id, 1, 'planted', type, time, bytes, doc, event_digest, $2 FROM arx.audit_events WHERE tenant_id = $1 AND seq = 0`,
      [db.tenants.b, randomBytes(32)],
    );
    const { timer, refused } = timerFor(db.tenants.b);
    try {
      const first = await until(async () => refused[0] ?? null);
      expect(first).toMatch(/No checkpoint signed: the stored chain hash of seq 1 does not follow/);
      const r = await db.admin.query('SELECT count(*)::int AS n FROM arx.checkpoints WHERE tenant_id = $1', [
        db.tenants.b,
      ]);
      expect(r.rows[0].n).toBe(0);
    } finally {
      timer.stop();
    }
  });
});
