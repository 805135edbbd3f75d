import { randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksum, migrate, schemaVersion } from '../../../electron/main/controlplane/migrate';
import { MIGRATIONS } from '../../../electron/main/controlplane/migrations';
import { createLoginRole, withTenant } from '../../../electron/main/controlplane/tenant-session';
import { ArxFailure } from '../../../shared/contract';
import { freshDatabase } from '../../support/pg';

const TABLES_WITH_TENANT = [
  'org_units',
  'role_grants',
  'gateway_keys',
  'audit_events',
  'checkpoints',
  'policies',
  'policy_versions',
  'policy_signatures',
  'review_certificates',
];

describe('migrations', () => {
  it('apply from empty, record their checksums, and are idempotent', async () => {
    const db = await freshDatabase('mig');
    try {
      const client = await db.admin.connect();
      try {
        expect(await schemaVersion(client)).toBe(0);
        const r = await migrate(client);
        expect(r.from).toBe(0);
        expect(r.applied.map((a) => a.version)).toEqual(MIGRATIONS.map((m) => m.version));
        expect(await schemaVersion(client)).toBe(MIGRATIONS.length);
        const again = await migrate(client);
        expect(again.applied).toEqual([]);
        const rows = await client.query('SELECT version, checksum FROM public.arx_schema_migrations ORDER BY version');
        expect(rows.rows.map((x) => x.checksum)).toEqual(MIGRATIONS.map(checksum));
      } finally {
        client.release();
      }
    } finally {
      await db.drop();
    }
  });

  for (let start = 1; start < MIGRATIONS.length; start++) {
    it(`upgrade step by step from version ${start}`, async () => {
      const db = await freshDatabase('step');
      try {
        const client = await db.admin.connect();
        try {
          await migrate(client, { target: start });
          expect(await schemaVersion(client)).toBe(start);
          for (let v = start + 1; v <= MIGRATIONS.length; v++) {
            const r = await migrate(client, { target: v });
            expect(r.applied).toEqual([{ version: v, name: MIGRATIONS[v - 1]!.name }]);
          }
          const tables = await client.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'arx' ORDER BY 1`);
          expect(tables.rows.map((t) => t.tablename)).toEqual(expect.arrayContaining(TABLES_WITH_TENANT));
        } finally {
          client.release();
        }
      } finally {
        await db.drop();
      }
    });
  }

  it('refuse to run over a changed migration, and a failing migration leaves nothing behind', async () => {
    const db = await freshDatabase('chk');
    try {
      const client = await db.admin.connect();
      try {
        await migrate(client, { target: 1 });
        const tampered = MIGRATIONS.map((m) => (m.version === 1 ? { ...m, sql: m.sql + '\n-- edited' } : m));
        await expect(migrate(client, { migrations: tampered })).rejects.toMatchObject({ code: 'DB_MIGRATION_FAILED' });
        const broken = [
          ...MIGRATIONS.slice(0, 1),
          { version: 2, name: 'broken', sql: 'CREATE TABLE arx.half (x int); SELECT nonsense_fn();' },
        ];
        const err = await migrate(client, { migrations: broken }).catch((e) => e);
        expect(err).toBeInstanceOf(ArxFailure);
        expect(err.code).toBe('DB_MIGRATION_FAILED');
        expect((await client.query(`SELECT to_regclass('arx.half') AS t`)).rows[0].t).toBeNull();
        expect(await schemaVersion(client)).toBe(1);
      } finally {
        client.release();
      }
    } finally {
      await db.drop();
    }
  });

  it('refuse a known migration that this database skipped (registered out of order), instead of never applying it', async () => {
    const db = await freshDatabase('gap');
    try {
      const client = await db.admin.connect();
      try {
        // A console that knew migrations 1 and 3 only; a later one registers 2 (out of order).
        const three = { version: 3, name: 'later', sql: 'CREATE TABLE arx.gap_later (x int);' };
        const two = { version: 2, name: 'earlier', sql: 'CREATE TABLE arx.gap_earlier (x int);' };
        await migrate(client, { migrations: [MIGRATIONS[0]!, three] });
        const err = await migrate(client, { migrations: [MIGRATIONS[0]!, two, three] }).catch((e) => e);
        expect(err).toBeInstanceOf(ArxFailure);
        expect(err).toMatchObject({ code: 'DB_MIGRATION_FAILED', details: { version: 2 } });
        expect(err.message).toMatch(/Migration 2 \(earlier\) was never applied/);
        expect((await client.query(`SELECT to_regclass('arx.gap_earlier') AS t`)).rows[0].t).toBeNull();
      } finally {
        client.release();
      }
    } finally {
      await db.drop();
    }
  });
});

describe('tenant isolation and the append-only log (as the application roles)', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let consolePool: pg.Pool;
  let gatewayPool: pg.Pool;
  const tenantA = randomUUID();
  const tenantB = randomUUID();

  beforeAll(async () => {
    db = await freshDatabase('rls');
    const admin = await db.admin.connect();
    try {
      await migrate(admin);
      const pw = () => randomBytes(18).toString('base64url');
      const cpw = pw();
      const gpw = pw();
      const suffix = db.name.slice(-12);
      await createLoginRole(admin, `console_${suffix}`, cpw, 'arx_console');
      await createLoginRole(admin, `gateway_${suffix}`, gpw, 'arx_gateway');
      consolePool = db.connect(`console_${suffix}`, cpw);
      gatewayPool = db.connect(`gateway_${suffix}`, gpw);
      await admin.query(
        `INSERT INTO arx.tenants (id, slug, name) VALUES ($1, 'alpha', 'Alpha'), ($2, 'bravo', 'Bravo')`,
        [tenantA, tenantB],
      );
      for (const [t, n] of [
        [tenantA, 1],
        [tenantB, 2],
      ] as const) {
        const bytes = Buffer.from(JSON.stringify({ n }));
        await admin.query(
          `INSERT INTO arx.audit_events (tenant_id, seq, event_id, type, time, bytes, doc, event_digest, chain_hash)
           VALUES ($1, 0, $2, 'com.arx.request.received', now(), $3, $4, $5, $5)`,
          [t, `ev-${n}`, bytes, bytes.toString(), Buffer.alloc(32, n)],
        );
      }
    } finally {
      admin.release();
    }
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('the application roles are neither superusers nor able to bypass RLS', async () => {
    const r = await consolePool.query('SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user');
    expect(r.rows[0]).toEqual({ rolsuper: false, rolbypassrls: false });
  });

  it('a session sees only its own tenant', async () => {
    const seen = await withTenant(consolePool, tenantA, (c) =>
      c.query('SELECT tenant_id, event_id FROM arx.audit_events'),
    );
    expect(seen.rows).toEqual([{ tenant_id: tenantA, event_id: 'ev-1' }]);
    const tenants = await withTenant(consolePool, tenantA, (c) => c.query('SELECT id FROM arx.tenants'));
    expect(tenants.rows).toEqual([{ id: tenantA }]);
  });

  it("a query for another tenant's rows returns nothing", async () => {
    const r = await withTenant(consolePool, tenantA, (c) =>
      c.query('SELECT * FROM arx.audit_events WHERE tenant_id = $1', [tenantB]),
    );
    expect(r.rowCount).toBe(0);
  });

  it('without a tenant, nothing is visible', async () => {
    expect((await consolePool.query('SELECT * FROM arx.audit_events')).rowCount).toBe(0);
    expect((await gatewayPool.query('SELECT * FROM arx.tenants')).rowCount).toBe(0);
  });

  it('a write into another tenant is refused: no direct INSERT, and the append function checks the tenant', async () => {
    const direct = withTenant(gatewayPool, tenantA, (c) =>
      c.query(
        `INSERT INTO arx.audit_events (tenant_id, seq, event_id, type, time, bytes, doc, event_digest, chain_hash)
         VALUES ($1, 1, 'smuggled', 'com.arx.request.received', now(), '\\x00', '{}', $2, $2)`,
        [tenantB, Buffer.alloc(32)],
      ),
    );
    await expect(direct).rejects.toThrow(/permission denied for table audit_events/);
    const viaFunction = withTenant(gatewayPool, tenantA, (c) =>
      c.query('SELECT arx.append_events($1, $2, $3, $4, $5, $6, $7, $8)', [
        tenantB,
        ['1'],
        ['smuggled'],
        ['com.arx.request.received'],
        [new Date().toISOString()],
        [Buffer.from('{}')],
        [Buffer.alloc(32)],
        [Buffer.alloc(32)],
      ]),
    );
    await expect(viaFunction).rejects.toThrow(/not opened for tenant/);
  });

  for (const [what, sql] of [
    ['UPDATE', `UPDATE arx.audit_events SET bytes = '\\x01'`],
    ['DELETE', 'DELETE FROM arx.audit_events'],
    ['TRUNCATE', 'TRUNCATE arx.audit_events'],
    ['UPDATE checkpoints', `UPDATE arx.checkpoints SET note = 'x'`],
    ['DELETE checkpoints', 'DELETE FROM arx.checkpoints'],
    ['TRUNCATE checkpoints', 'TRUNCATE arx.checkpoints'],
  ] as const) {
    it(`${what} is refused for the console and the gateway roles`, async () => {
      for (const pool of [consolePool, gatewayPool]) {
        await expect(withTenant(pool, tenantA, (c) => c.query(sql))).rejects.toThrow(/permission denied/);
      }
    });
  }

  it('even the owner is stopped by the append-only triggers (only a superuser disabling them gets through, which the chain then exposes)', async () => {
    await expect(db.admin.query(`UPDATE arx.audit_events SET bytes = '\\x01' WHERE event_id = 'ev-1'`)).rejects.toThrow(
      /append-only/,
    );
    await expect(db.admin.query(`DELETE FROM arx.audit_events`)).rejects.toThrow(/append-only/);
    await expect(db.admin.query(`TRUNCATE arx.audit_events CASCADE`)).rejects.toThrow(/append-only/);
  });

  it('every tenant table has forced row-level security', async () => {
    const r = await db.admin.query(
      `SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'arx' AND c.relkind = 'r' AND c.relname = ANY($1)`,
      [TABLES_WITH_TENANT],
    );
    expect(r.rows).toHaveLength(TABLES_WITH_TENANT.length);
    for (const row of r.rows)
      expect([row.relname, row.relrowsecurity, row.relforcerowsecurity]).toEqual([row.relname, true, true]);
  });
});
