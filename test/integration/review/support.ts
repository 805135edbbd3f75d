import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { ChainBuilder, nobleBlake3 } from '../../../shared/chain';
import { DEFAULT_POLICY_TEXT, GATEWAY_SCHEMA } from '../../../shared/policy';
import { compileEngine, simulate } from '../../../electron/main/simulator/simulate';

/** Simulated gateway traffic in a tenant, with the policy version it was decided under stored as published. */
export async function seedTenant(
  admin: pg.Pool,
  gatewayPool: pg.Pool,
  tenantId: string,
  events: number,
  seed = 7,
): Promise<void> {
  const op = await admin.query<{ id: string }>(
    `INSERT INTO arx.operators (id, edipi, display_name) VALUES ($1, '1999999999', 'TEST.AUTHOR') ON CONFLICT (edipi) DO UPDATE SET display_name = EXCLUDED.display_name RETURNING id`,
    [randomUUID()],
  );
  // The digest the gateway records: the engine's version (policy text, schema and tests).
  const v = compileEngine(DEFAULT_POLICY_TEXT).version;
  const policyId = randomUUID();
  const c = await admin.connect();
  try {
    await c.query('BEGIN');
    await c.query("SELECT set_config('arx.tenant_id', $1, true)", [tenantId]);
    await c.query(`INSERT INTO arx.policies (id, tenant_id, name) VALUES ($1, $2, 'gateway')`, [policyId, tenantId]);
    await c.query(
      `INSERT INTO arx.policy_versions (sha256, blake3, tenant_id, policy_id, policy_text, schema_text, tests, author_id, state)
       VALUES ($1, $2, $3, $4, $5, $6, '[]', $7, 'published')`,
      [
        Buffer.from(v.sha256, 'hex'),
        Buffer.from(v.blake3, 'hex'),
        tenantId,
        policyId,
        DEFAULT_POLICY_TEXT,
        GATEWAY_SCHEMA,
        op.rows[0]!.id,
      ],
    );
    await c.query('COMMIT');
  } finally {
    c.release();
  }
  await simulate({ pool: gatewayPool, tenantId, events, seed, start: new Date('2026-11-02T08:00:00Z') });
}

/**
 * Rewrites one event's stored bytes and re-forges the chain from there on (digest and every later
 * chain hash recomputed), as an attacker with the database owner's rights would: the chain alone
 * then verifies. Triggers are bypassed for this session only.
 */
export async function reforgeEvent(
  admin: pg.Pool,
  tenantId: string,
  seq: number,
  edit: (doc: Record<string, unknown>) => string,
): Promise<void> {
  const c = await admin.connect();
  try {
    await c.query('BEGIN');
    await c.query("SET LOCAL session_replication_role = 'replica'");
    await c.query("SELECT set_config('arx.tenant_id', $1, true)", [tenantId]);
    const prev =
      seq === 0
        ? null
        : (
            await c.query<{ chain_hash: Buffer }>(
              'SELECT chain_hash FROM arx.audit_events WHERE tenant_id = $1 AND seq = $2',
              [tenantId, seq - 1],
            )
          ).rows[0]!.chain_hash;
    const rows = (
      await c.query<{ seq: string; bytes: Buffer }>(
        'SELECT seq, bytes FROM arx.audit_events WHERE tenant_id = $1 AND seq >= $2 ORDER BY seq',
        [tenantId, seq],
      )
    ).rows;
    const builder = prev
      ? new ChainBuilder(nobleBlake3, { seq, prevHash: new Uint8Array(prev) })
      : new ChainBuilder(nobleBlake3, { tenantId });
    for (const r of rows) {
      const bytes =
        Number(r.seq) === seq
          ? Buffer.from(edit(JSON.parse(r.bytes.toString('utf8')) as Record<string, unknown>))
          : r.bytes;
      const e = builder.append(new Uint8Array(bytes));
      await c.query(
        "UPDATE arx.audit_events SET bytes = $3, doc = convert_from($3, 'UTF8')::jsonb, event_digest = $4, chain_hash = $5 WHERE tenant_id = $1 AND seq = $2",
        [tenantId, r.seq, bytes, Buffer.from(e.digest), Buffer.from(e.hash)],
      );
    }
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    c.release();
  }
}
