import { randomUUID } from 'node:crypto';
import type { Blake3 } from '../../../shared/chain';
import { DEFAULT_POLICY_TEXT, GATEWAY_SCHEMA, policyVersionOf } from '../../../shared/policy';
import type { ArxConfig } from '../config/config';
import { createTenant } from '../controlplane/tenants';
import { embeddedGateway, type GatewayPools } from '../simulator/embedded-gateway';
import { simulate } from '../simulator/simulate';

export const DEMO_TENANTS = [
  { slug: 'alpha-command', name: 'Alpha Command (demo)', seed: 1 },
  { slug: 'bravo-finance', name: 'Bravo Finance (demo)', seed: 2 },
] as const;

/**
 * First start of the embedded default: two tenants, each with a published policy and simulated
 * gateway traffic (50,000 events each unless ARX_DEMO_EVENTS says otherwise), so that a newcomer
 * sees a living control plane. Runs only when the control plane has no tenant at all.
 *
 * The demo policy version is marked published without card signatures: the two-person approval
 * flow that signs versions arrives with policy authoring, and its verifier will show these as
 * unsigned (they are demo data).
 */
export async function seedDemoIfEmpty(
  cp: GatewayPools,
  config: ArxConfig,
  blake3: Blake3,
  onProgress: (fraction: number) => void = () => {},
  eventsPerTenant = Number(process.env.ARX_DEMO_EVENTS ?? 50_000),
): Promise<boolean> {
  const admin = cp.requireAdminPool();
  const existing = await admin.query('SELECT 1 FROM arx.tenants LIMIT 1');
  if (existing.rowCount) return false;
  const author = randomUUID();
  await admin.query(
    `INSERT INTO arx.operators (id, edipi, display_name) VALUES ($1, '1000000001', 'DEMO.AUTHOR.A') ON CONFLICT (edipi) DO NOTHING`,
    [author],
  );
  const authorId = (await admin.query<{ id: string }>(`SELECT id FROM arx.operators WHERE edipi = '1000000001'`)).rows[0]!.id;
  const version = policyVersionOf(DEFAULT_POLICY_TEXT);
  const start = new Date(Date.now() - 14 * 86_400_000);
  for (const [i, t] of DEMO_TENANTS.entries()) {
    const tenant = await createTenant(admin, t.slug, t.name);
    const policyId = randomUUID();
    await admin.query(`INSERT INTO arx.policies (id, tenant_id, name) VALUES ($1, $2, 'gateway')`, [policyId, tenant.id]);
    await admin.query(
      `INSERT INTO arx.policy_versions (sha256, blake3, tenant_id, policy_id, policy_text, schema_text, tests, author_id, state)
       VALUES ($1, $2, $3, $4, $5, $6, '[]', $7, 'published')`,
      [Buffer.from(version.sha256, 'hex'), Buffer.from(version.blake3, 'hex'), tenant.id, policyId, DEFAULT_POLICY_TEXT, GATEWAY_SCHEMA, authorId],
    );
    await admin.query(`UPDATE arx.policies SET active_version_sha256 = $1 WHERE id = $2`, [Buffer.from(version.sha256, 'hex'), policyId]);
    await admin.query(`INSERT INTO arx.org_units (id, tenant_id, kind, name) VALUES ($1, $2, 'organisation', $3)`, [randomUUID(), tenant.id, t.name]);
    const gw = await embeddedGateway(cp, config, tenant, blake3);
    await simulate({
      pool: cp.requireGatewayPool(),
      tenantId: tenant.id,
      events: eventsPerTenant,
      seed: t.seed,
      start,
      writer: gw.writer,
      drainCheckpoints: () => gw.checkpointer.drainIssued(),
      keyName: gw.key.name,
      onProgress: (done) => onProgress((i + done / eventsPerTenant) / DEMO_TENANTS.length),
    });
  }
  return true;
}
