import { randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainWriter } from '../../../electron/main/controlplane/chain-writer';
import {
  disableOperator,
  enrolOperatorLogin,
  loginWrap,
} from '../../../electron/main/controlplane/repos/operator-logins';
import { recordSessionEvent } from '../../../electron/main/controlplane/repos/events';
import { stepEventRows } from '../../../electron/main/controlplane/step-events';
import { withTenant } from '../../../electron/main/controlplane/tenant-session';
import { randomDatabasePassword, scramSha256Verifier } from '../../../electron/main/crypto/scram';
import type { MigratedDatabase } from '../../support/pg';

/**
 * Zero trust in the database: with operator X's own credentials (what a card unwraps), plain SQL
 * sees only the tenants X holds a role in, whatever tenant it sets, and changes nothing. Before a
 * card login, the bootstrap credential reads one EDIPI's wrap and nothing else.
 */
export function operatorIdentity(open: (prefix: string) => Promise<MigratedDatabase>): void {
  let db: MigratedDatabase;
  let x: { id: string; edipi: string; password: string; pool: pg.Pool };
  let bootstrap: pg.Pool;

  async function operator(
    edipi: string,
    tenant: string | null,
  ): Promise<{ id: string; edipi: string; password: string }> {
    const id = randomUUID();
    await db.admin.query(`INSERT INTO arx.operators (id, edipi, display_name) VALUES ($1, $2, 'Op')`, [id, edipi]);
    if (tenant)
      await db.admin.query(
        `INSERT INTO arx.role_grants (tenant_id, operator_id, role) VALUES ($1, $2, 'policy-author')`,
        [tenant, id],
      );
    const password = randomDatabasePassword();
    const wrap = randomBytes(64);
    await enrolOperatorLogin(db.admin, {
      operatorId: id,
      scramVerifier: scramSha256Verifier(password),
      wrap,
      wrapKeySha256: randomBytes(32),
    });
    return { id, edipi, password };
  }

  const SOME_COLUMN: Record<string, string> = {
    tenants: 'id',
    operators: 'status',
    operator_certificates: 'usage',
    event_writers: 'writer',
  };
  const roleOf = (id: string) => `arx_op_${id.replace(/-/g, '')}`;
  const edipi = () => String(1_000_000_000 + Math.floor(Math.random() * 8_999_999_999)).slice(0, 10);

  beforeAll(async () => {
    db = await open('opid');
    // Some rows in both tenants, written as the gateway would.
    for (const t of [db.tenants.a, db.tenants.b])
      await new ChainWriter(db.gatewayPool, t, { source: '/arx/gateway/test' }).append([
        { type: 'com.arx.budget.exceeded', data: { team: 'ops', period: '2026-12', budgetCents: 1, spentCents: 2 } },
      ]);
    const o = await operator(edipi(), db.tenants.a);
    x = { ...o, pool: db.connect(roleOf(o.id), o.password) };
    const bpw = randomDatabasePassword();
    await db.admin.query(
      `CREATE ROLE boot_${db.name.slice(-12)} LOGIN PASSWORD '${scramSha256Verifier(bpw)}' IN ROLE arx_bootstrap`,
    );
    bootstrap = db.connect(`boot_${db.name.slice(-12)}`, bpw);
  });
  afterAll(async () => {
    await db?.drop();
  });

  async function tenantTables(): Promise<{ table: string }[]> {
    const r = await db.admin.query<{ table: string }>(
      `SELECT tablename AS table FROM pg_policies WHERE schemaname = 'arx' AND policyname = 'operator_scope' ORDER BY 1`,
    );
    return r.rows;
  }

  describe("an operator's own database identity", () => {
    it('logs in with the random password through its SCRAM verifier; the server stores no plaintext', async () => {
      const who = await x.pool.query<{ u: string }>('SELECT current_user AS u');
      expect(who.rows[0]!.u).toBe(roleOf(x.id));
      const stored = await db.admin.query<{ p: string }>('SELECT rolpassword AS p FROM pg_authid WHERE rolname = $1', [
        roleOf(x.id),
      ]);
      expect(stored.rows[0]!.p).toMatch(/^SCRAM-SHA-256\$4096:/);
      expect(stored.rows[0]!.p).not.toContain(x.password);
    });

    it('sees its tenant when it sets it, and no row of a tenant where it has no role, whatever it sets', async () => {
      const tables = await tenantTables();
      expect(tables.length).toBeGreaterThanOrEqual(15);
      const own = await withTenant(x.pool, db.tenants.a, (c) =>
        c.query('SELECT count(*)::int AS n FROM arx.audit_events'),
      );
      expect(own.rows[0].n).toBe(1);
      for (const setting of [db.tenants.b, randomUUID()]) {
        await withTenant(x.pool, setting, async (c) => {
          for (const { table } of tables) {
            const r = await c.query(`SELECT count(*)::int AS n FROM arx.${table}`);
            expect({ table, n: r.rows[0].n }).toEqual({ table, n: 0 });
          }
        });
      }
      const unset = await x.pool.query('SELECT count(*)::int AS n FROM arx.audit_events');
      expect(unset.rows[0].n).toBe(0);
    });

    it('its row policy asks for its roles once per query (an InitPlan) and compares each row with its value', async () => {
      await withTenant(x.pool, db.tenants.a, async (c) => {
        for (const { table } of await tenantTables()) {
          const col = table === 'tenants' ? 'id' : 'tenant_id';
          const r = await c.query<{ 'QUERY PLAN': string }>(`EXPLAIN (VERBOSE) SELECT * FROM arx.${table}`);
          const plan = r.rows.map((l) => l['QUERY PLAN']).join('\n');
          // PostgreSQL 15 names the InitPlan's value $0, 17 and later (InitPlan 1).col1.
          const compared = new RegExp(`\\b${col} = (\\$0|\\(InitPlan 1\\)\\.col1)\\)`).test(plan);
          const shape = { table, once: (plan.match(/InitPlan 1/g) ?? []).length >= 1, compared };
          expect(shape).toEqual({ table, once: true, compared: true });
          expect(plan).toMatch(/arx\.operator_tenant\(\)/);
          // No per-row call, and no boolean filter on the InitPlan's value.
          expect(plan).not.toMatch(/operator_in_tenant|Filter: \(?(\$0|\(InitPlan 1\)\.col1)\)?$/m);
        }
      });
    });

    it('a tenant setting narrows an operator with roles in two tenants to one, never widens it', async () => {
      const o = await operator(edipi(), db.tenants.a);
      await db.admin.query(`INSERT INTO arx.role_grants (tenant_id, operator_id, role) VALUES ($1, $2, 'auditor')`, [
        db.tenants.b,
        o.id,
      ]);
      const pool = db.connect(roleOf(o.id), o.password);
      for (const setting of [db.tenants.a, db.tenants.b]) {
        for (const { table } of await tenantTables()) {
          const col = table === 'tenants' ? 'id' : 'tenant_id';
          const count = `SELECT count(*)::int AS n, count(*) FILTER (WHERE ${col} <> $1)::int AS other FROM arx.${table}`;
          const mine = await withTenant(pool, setting, (c) => c.query(count, [setting]));
          const asConsole = await withTenant(db.consolePool, setting, (c) => c.query(count, [setting]));
          expect({ table, ...mine.rows[0] }).toEqual({ table, n: asConsole.rows[0].n, other: 0 });
        }
      }
      expect((await pool.query('SELECT count(*)::int AS n FROM arx.audit_events')).rows[0].n).toBe(0);
    });

    it('sees a role granted or revoked, or its operator disabled, at its next query on the same connection', async () => {
      const o = await operator(edipi(), null);
      const held = await db.connect(roleOf(o.id), o.password).connect();
      held.on('error', () => {});
      try {
        await grantsSeenAtNextQuery(held, o.id);
      } finally {
        held.release(true);
      }
    });

    async function grantsSeenAtNextQuery(held: pg.PoolClient, id: string): Promise<void> {
      const seen = async () => {
        await held.query('BEGIN');
        await held.query("SELECT set_config('arx.tenant_id', $1, true)", [db.tenants.b]);
        const r = await held.query('SELECT count(*)::int AS n FROM arx.audit_events');
        const t = await held.query('SELECT arx.operator_tenant() AS t');
        await held.query('COMMIT');
        return { n: r.rows[0].n, t: t.rows[0].t };
      };
      expect(await seen()).toEqual({ n: 0, t: null });
      const grant = `INSERT INTO arx.role_grants (tenant_id, operator_id, role) VALUES ($1, $2, 'auditor')`;
      await db.admin.query(grant, [db.tenants.b, id]);
      expect(await seen()).toEqual({ n: 1, t: db.tenants.b });
      await db.admin.query('DELETE FROM arx.role_grants WHERE operator_id = $1', [id]);
      expect(await seen()).toEqual({ n: 0, t: null });
      await db.admin.query(grant, [db.tenants.b, id]);
      expect(await seen()).toEqual({ n: 1, t: db.tenants.b });
      // Status alone (the connection not yet ended, as disableOperator does) already hides every row.
      await db.admin.query(`UPDATE arx.operators SET status = 'disabled' WHERE id = $1`, [id]);
      expect(await seen()).toEqual({ n: 0, t: null });
    }

    it('sees a revocation at the next run of a statement it prepared before', async () => {
      const o = await operator(edipi(), db.tenants.b);
      const held = await db.connect(roleOf(o.id), o.password).connect();
      held.on('error', () => {});
      const run = async () => {
        await held.query('BEGIN');
        await held.query("SELECT set_config('arx.tenant_id', $1, true)", [db.tenants.b]);
        const r = await held.query({ name: 'count-events', text: 'SELECT count(*)::int AS n FROM arx.audit_events' });
        await held.query('COMMIT');
        return r.rows[0].n;
      };
      try {
        // Past PostgreSQL's five custom plans, so the last runs reuse a generic plan.
        for (let i = 0; i < 7; i++) expect(await run()).toBe(1);
        await db.admin.query('DELETE FROM arx.role_grants WHERE operator_id = $1', [o.id]);
        expect(await run()).toBe(0);
      } finally {
        held.release(true);
      }
    });

    it('keeps a tenant while one of two roles there is revoked, and sees it go with the last', async () => {
      const o = await operator(edipi(), db.tenants.b);
      const pool = db.connect(roleOf(o.id), o.password);
      await db.admin.query(`INSERT INTO arx.role_grants (tenant_id, operator_id, role) VALUES ($1, $2, 'auditor')`, [
        db.tenants.b,
        o.id,
      ]);
      const count = () =>
        withTenant(
          pool,
          db.tenants.b,
          async (c) => (await c.query('SELECT count(*)::int AS n FROM arx.audit_events')).rows[0].n,
        );
      expect(await count()).toBe(1);
      await db.admin.query(`DELETE FROM arx.role_grants WHERE operator_id = $1 AND role = 'auditor'`, [o.id]);
      expect(await count()).toBe(1);
      await db.admin.query(`DELETE FROM arx.role_grants WHERE operator_id = $1`, [o.id]);
      expect(await count()).toBe(0);
    });

    it('gains its tenants when its login is enrolled after its roles were granted', async () => {
      const id = randomUUID();
      await db.admin.query(`INSERT INTO arx.operators (id, edipi, display_name) VALUES ($1, $2, 'Op')`, [id, edipi()]);
      await db.admin.query(`INSERT INTO arx.role_grants (tenant_id, operator_id, role) VALUES ($1, $2, 'auditor')`, [
        db.tenants.b,
        id,
      ]);
      const password = randomDatabasePassword();
      await enrolOperatorLogin(db.admin, {
        operatorId: id,
        scramVerifier: scramSha256Verifier(password),
        wrap: randomBytes(64),
        wrapKeySha256: randomBytes(32),
      });
      const r = await withTenant(db.connect(roleOf(id), password), db.tenants.b, (c) =>
        c.query('SELECT count(*)::int AS n FROM arx.audit_events'),
      );
      expect(r.rows[0].n).toBe(1);
    });

    it('cannot read, write or recompute the table its row check reads', async () => {
      for (const sql of [
        'SELECT * FROM arx.operator_tenant_access',
        `INSERT INTO arx.operator_tenant_access VALUES (session_user, '${db.tenants.b}', '${x.id}')`,
        'DELETE FROM arx.operator_tenant_access',
        'SELECT * FROM arx.operator_tenant_access_epoch',
        'UPDATE arx.operator_tenant_access_epoch SET epoch = 0',
        `SELECT arx.refresh_operator_tenant_access('${x.id}')`,
      ]) {
        const err = await withTenant(x.pool, db.tenants.b, (c) => c.query(sql)).catch((e: Error) => e);
        expect({ sql, err: String(err) }).toEqual({ sql, err: expect.stringMatching(/permission denied/) });
      }
    });

    // Each change recomputes its operator's tenants; two at once must not leave a revoked tenant
    // behind (each alone would have written from a snapshot without the other's change).
    it('a grant and a revocation committed at once leave exactly the tenants still granted', async () => {
      for (const isolation of ['READ COMMITTED', 'REPEATABLE READ']) {
        const o = await operator(edipi(), db.tenants.a);
        const pool = db.connect(roleOf(o.id), o.password);
        const [t1, t2] = [await db.admin.connect(), await db.admin.connect()];
        try {
          await t1.query('BEGIN');
          await t1.query(`INSERT INTO arx.role_grants (tenant_id, operator_id, role) VALUES ($1, $2, 'auditor')`, [
            db.tenants.b,
            o.id,
          ]);
          await t2.query(`BEGIN ISOLATION LEVEL ${isolation}`);
          await t2.query('SELECT 1');
          const revoke = t2
            .query('DELETE FROM arx.role_grants WHERE operator_id = $1 AND tenant_id = $2', [o.id, db.tenants.a])
            .then(() => t2.query('COMMIT'))
            .catch(async (e: Error & { code?: string }) => {
              await t2.query('ROLLBACK');
              return e;
            });
          await new Promise((r) => setTimeout(r, 200));
          await t1.query('COMMIT');
          const outcome = await revoke;
          const revoked = !(outcome instanceof Error);
          if (!revoked) expect({ isolation, code: outcome.code }).toEqual({ isolation, code: '40001' });
          const seen = async (t: string) =>
            withTenant(
              pool,
              t,
              async (c) => (await c.query('SELECT count(*)::int AS n FROM arx.audit_events')).rows[0].n,
            );
          expect({ isolation, a: await seen(db.tenants.a), b: await seen(db.tenants.b) }).toEqual({
            isolation,
            a: revoked ? 0 : 1,
            b: 1,
          });
          if (isolation === 'READ COMMITTED') expect(revoked).toBe(true);
        } finally {
          t1.release();
          t2.release();
        }
      }
    });

    it('cannot make its row check answer for another tenant or another operator', async () => {
      await withTenant(x.pool, db.tenants.b, async (c) => {
        // Its own objects named like the check's tables, first on its search path: the check names arx.* only.
        const temp = await c.query(`SELECT has_database_privilege(current_database(), 'TEMP') AS ok`);
        if (!temp.rows[0].ok) return; // an external server that grants no TEMP: nothing to shadow with
        await c.query('CREATE TEMP TABLE role_grants (tenant_id uuid, operator_id uuid) ON COMMIT DROP');
        await c.query('INSERT INTO role_grants VALUES ($1, $2)', [db.tenants.b, x.id]);
        await c.query('CREATE TEMP TABLE operator_tenant_access (db_role name, tenant_id uuid) ON COMMIT DROP');
        await c.query('INSERT INTO operator_tenant_access VALUES (session_user, $1)', [db.tenants.b]);
        await c.query('SET LOCAL search_path = pg_temp, arx, public');
        expect((await c.query('SELECT arx.operator_tenant() AS t')).rows[0].t).toBeNull();
        expect((await c.query('SELECT count(*)::int AS n FROM arx.audit_events')).rows[0].n).toBe(0);
      });
      // Another operator's role name is no one it can become.
      const other = await operator(edipi(), db.tenants.b);
      const err = await x.pool.query(`SET ROLE ${roleOf(other.id)}`).catch((e: Error) => e);
      expect(String(err)).toMatch(/permission denied/);
    });

    it('may INSERT, UPDATE or DELETE nothing, and read no credential', async () => {
      const tables = [
        ...(await tenantTables()).map((t) => t.table),
        'operators',
        'operator_certificates',
        'event_writers',
      ];
      for (const table of tables) {
        for (const sql of [
          `INSERT INTO arx.${table} DEFAULT VALUES`,
          `UPDATE arx.${table} SET ${SOME_COLUMN[table] ?? 'tenant_id'} = ${SOME_COLUMN[table] ?? 'tenant_id'} WHERE false`,
          `DELETE FROM arx.${table} WHERE false`,
        ]) {
          const err = await withTenant(x.pool, db.tenants.a, (c) => c.query(sql)).catch((e: Error) => e);
          expect({ sql, err: String(err) }).toMatchObject({ sql, err: expect.stringMatching(/permission denied/) });
        }
      }
      expect(String(await x.pool.query('SELECT * FROM arx.operator_logins').catch((e) => e))).toMatch(
        /permission denied/,
      );
    });

    // Migration 0018 took back 0012's transitional rights: even in its own tenant an operator writes
    // only through the definer functions, and appends only its own session events.
    it('writes nothing directly, even in its own tenant; appends its session events through the definer only', async () => {
      for (const tenant of [db.tenants.a, db.tenants.b]) {
        const draft = await withTenant(x.pool, tenant, (c) =>
          c.query(
            `INSERT INTO arx.policy_drafts (tenant_id, operator_id, policy_name, policy_text, schema_text, tests) VALUES ($1, $2, 'p', '', '', '[]')`,
            [tenant, x.id],
          ),
        ).catch((e: Error) => e);
        expect({ tenant, err: String(draft) }).toEqual({ tenant, err: expect.stringMatching(/permission denied/) });
      }
      const data = { operatorId: x.id, edipi: x.edipi, certificateSha256: 'a'.repeat(64), tokenLabel: 't', roles: [] };
      const append = (tenant: string) =>
        new ChainWriter(x.pool, tenant, { source: '/arx/console/test' })
          .append([{ type: 'com.arx.session.opened', data, subject: x.edipi }])
          .catch((e: Error) => e);
      expect(String(await append(db.tenants.a))).toMatch(/permission denied for function append_events/);
      const viaDefiner = (tenant: string) =>
        withTenant(x.pool, tenant, async (c) =>
          recordSessionEvent(
            c,
            tenant,
            await stepEventRows(c, tenant, '/arx/console/test', {
              type: 'com.arx.session.opened',
              data,
              subject: x.edipi,
            }),
          ),
        ).catch((e: Error) => e);
      expect(await viaDefiner(db.tenants.a)).toBeUndefined();
      // X holds no role in tenant B (and cannot even see its chain head).
      expect(await viaDefiner(db.tenants.b)).toMatchObject({ code: 'ROLE_REQUIRED' });
    });

    it('a disabled operator cannot log in any more, and its open session ends', async () => {
      const o = await operator(edipi(), db.tenants.a);
      const pool = db.connect(roleOf(o.id), o.password);
      await pool.query('SELECT 1');
      const held = await pool.connect();
      const ended = new Promise<unknown>((resolve) => held.on('error', resolve));
      await disableOperator(db.admin, o.id);
      expect(String(await ended)).toMatch(/terminating connection/);
      held.release(true);
      const again = await db
        .connect(roleOf(o.id), o.password)
        .query('SELECT 1')
        .catch((e: Error) => e);
      expect(String(again)).toMatch(/not permitted to log in/);
    });
  });

  describe('before a card login', () => {
    it('the bootstrap credential reads the wrap of one EDIPI and nothing else', async () => {
      const w = await loginWrap(bootstrap, x.edipi);
      expect(w?.dbRole).toBe(roleOf(x.id));
      expect(w?.wrap.length).toBe(64);
      expect(await loginWrap(bootstrap, '0000000000')).toBeNull();
      for (const table of ['operator_logins', 'operators', 'tenants', 'audit_events'])
        expect(String(await bootstrap.query(`SELECT * FROM arx.${table}`).catch((e) => e))).toMatch(
          /permission denied/,
        );
    });

    it('a disabled operator has no wrap to fetch', async () => {
      const o = await operator(edipi(), null);
      await disableOperator(db.admin, o.id);
      expect(await loginWrap(bootstrap, o.edipi)).toBeNull();
    });
  });

  // The shared application roles are unchanged by operator identities.
  describe('the shared console role', () => {
    it('still reads its tenant by the tenant setting', async () => {
      const r = await withTenant(db.consolePool, db.tenants.b, (c) =>
        c.query('SELECT count(*)::int AS n FROM arx.audit_events'),
      );
      expect(r.rows[0].n).toBe(1);
    });
  });
}
