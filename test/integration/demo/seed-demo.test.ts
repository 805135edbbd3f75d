import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nobleBlake3 } from '../../../shared/chain';
import { verifyTenantChain } from '../../../electron/main/chain/tenant-chain-verifier';
import { loadConfig } from '../../../electron/main/config/config';
import { SYSTEM_TENANT_SLUG } from '../../../electron/main/administration/bootstrap';
import { DEMO_TENANTS, seedDemoIfEmpty } from '../../../electron/main/demo/seed-demo';
import { loadVerifiedPolicy } from '../../../electron/main/policy/gateway-policy';
import { embeddedGateway } from '../../../electron/main/simulator/embedded-gateway';
import { migratedDatabase } from '../../support/pg';

let db: Awaited<ReturnType<typeof migratedDatabase>>;
beforeAll(async () => {
  db = await migratedDatabase('demo');
  // migratedDatabase creates two tenants of its own; the demo seeds only an empty control plane.
  await db.admin.query('DELETE FROM arx.tenants');
});
afterAll(async () => {
  await db?.drop();
});

describe('first-start demo data', () => {
  it('seeds two tenants with a published policy and verifiable, checkpointed chains, once', async () => {
    const config = loadConfig({ HOME: '/tmp', ARX_DATA_DIR: mkdtempSync(join(tmpdir(), 'arx-demo-')) });
    const pools = { requireAdminPool: () => db.admin, requireGatewayPool: () => db.gatewayPool };
    const progress: number[] = [];
    expect(await seedDemoIfEmpty(pools, config, nobleBlake3, (f) => progress.push(f), 1200)).toBe(true);
    expect(progress.at(-1)).toBeCloseTo(1, 5);
    const tenants = await db.admin.query<{ id: string; slug: string }>(
      'SELECT id, slug FROM arx.tenants WHERE id <> arx.system_tenant() ORDER BY slug',
    );
    expect(tenants.rows.map((t) => t.slug)).toEqual(DEMO_TENANTS.map((t) => t.slug));
    // Besides the demo tenants, only the control plane's own (system) tenant.
    const all = await db.admin.query<{ slug: string }>('SELECT slug FROM arx.tenants ORDER BY slug');
    expect(all.rows.map((t) => t.slug)).toEqual([SYSTEM_TENANT_SLUG, ...DEMO_TENANTS.map((t) => t.slug)].sort());
    for (const t of tenants.rows) {
      const p = await db.admin.query(
        `SELECT v.state FROM arx.policies p JOIN arx.policy_versions v ON v.tenant_id = p.tenant_id AND v.sha256 = p.active_version_sha256 WHERE p.tenant_id = $1`,
        [t.id],
      );
      expect(p.rows).toEqual([{ state: 'published' }]);
      // Signed by the demo cards of two different operators, and loaded through the gateway's check.
      const sigs = await db.admin.query<{ role: string; edipi: string }>(
        `SELECT s.role, o.edipi FROM arx.policy_signatures s JOIN arx.operators o ON o.id = s.operator_id WHERE s.tenant_id = $1 ORDER BY s.role`,
        [t.id],
      );
      expect(sigs.rows).toEqual([
        { role: 'approver', edipi: '1000000002' },
        { role: 'author', edipi: '1000000001' },
      ]);
      const loaded = await loadVerifiedPolicy(db.gatewayPool, t.id);
      expect(loaded.refused).toEqual([]);
      const r = await verifyTenantChain(db.consolePool, t.id);
      expect(r.errors).toEqual([]);
      // The three lifecycle events, then the simulated traffic decided by the verified version.
      expect(r.rows).toBe(1203);
      const types = await db.admin.query<{ type: string }>(
        'SELECT type FROM arx.audit_events WHERE tenant_id = $1 AND seq < 3 ORDER BY seq',
        [t.id],
      );
      expect(types.rows.map((x) => x.type)).toEqual([
        'com.arx.policy.submitted',
        'com.arx.policy.approved',
        'com.arx.policy.published',
      ]);
      const decided = await db.admin.query<{ v: string }>(
        `SELECT DISTINCT doc->'data'->'policyVersion'->>'sha256' AS v FROM arx.audit_events WHERE tenant_id = $1 AND type = 'com.arx.policy.decided'`,
        [t.id],
      );
      expect(decided.rows).toEqual([{ v: loaded.version.sha256 }]);
      // Home's alerts and the explorer's denials have something to show in every demo tenant.
      const denied = await db.admin.query<{ n: string }>(
        `SELECT count(*) AS n FROM arx.audit_events WHERE tenant_id = $1 AND x_decision = 'deny'`,
        [t.id],
      );
      expect(Number(denied.rows[0]!.n)).toBeGreaterThan(0);
      expect(r.checkpoints.verified).toBeGreaterThan(0);
    }
    expect(await seedDemoIfEmpty(pools, config, nobleBlake3, () => {}, 1200)).toBe(false);
  });

  it('gives the demo an administrator pair and an operator holding two roles', async () => {
    const config = loadConfig({ HOME: '/tmp', ARX_DATA_DIR: mkdtempSync(join(tmpdir(), 'arx-demo-')) });
    const pools = { requireAdminPool: () => db.admin, requireGatewayPool: () => db.gatewayPool };
    const grants = async (where: string) =>
      (
        await db.admin.query<{ edipi: string; roles: string[] }>(
          `SELECT o.edipi, array_agg(g.role ORDER BY g.role) AS roles FROM arx.role_grants g
             JOIN arx.operators o ON o.id = g.operator_id JOIN arx.tenants t ON t.id = g.tenant_id
            WHERE ${where} GROUP BY o.edipi ORDER BY o.edipi`,
        )
      ).rows;
    expect(await grants('t.id = arx.system_tenant()')).toEqual([
      { edipi: '1000000001', roles: ['administrator'] },
      { edipi: '1000000002', roles: ['administrator'] },
    ]);
    const alpha = await grants(`t.slug = '${DEMO_TENANTS[0].slug}'`);
    expect(alpha.find((g) => g.edipi === '1000000008')).toEqual({
      edipi: '1000000008',
      roles: ['approver', 'policy-author'],
    });
    // The system chain records the pair as made at bootstrap: by the database administrator, with no
    // card. Its links are intact, and the verifier says exactly that (three bootstrap records, a
    // warning each); nothing is wrong, so the demo's checkpointer signs it (as its timer does).
    const system = await db.admin.query<{ id: string }>('SELECT arx.system_tenant() AS id');
    const id = system.rows[0]!.id;
    const r = await verifyTenantChain(db.consolePool, id);
    expect(r.errors).toEqual([]);
    const writerWarnings = (v: typeof r) =>
      v.warnings.filter((w) => w.code.startsWith('EVENT_WRITER')).map((w) => [w.code, w.details.seq]);
    const bootstrap = [0, 1, 2].map((seq) => ['EVENT_WRITER_BOOTSTRAP', seq]);
    expect(writerWarnings(r)).toEqual(bootstrap);
    const gw = await embeddedGateway(
      pools,
      config,
      { id, slug: SYSTEM_TENANT_SLUG, name: 'Control plane' },
      nobleBlake3,
    );
    expect(await gw.checkpointer.tick(db.gatewayPool)).toMatchObject({ size: 3 });
    const after = await verifyTenantChain(db.consolePool, id);
    expect([after.errors, writerWarnings(after), after.checkpoints.verified]).toEqual([[], bootstrap, 1]);
    const types = await db.admin.query<{ type: string }>(
      'SELECT type FROM arx.audit_events WHERE tenant_id = arx.system_tenant() ORDER BY seq',
    );
    expect(types.rows.map((x) => x.type)).toEqual([
      'com.arx.tenant.created',
      'com.arx.role.granted',
      'com.arx.role.granted',
    ]);
  });
});
