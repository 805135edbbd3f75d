import { randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainBuilder, nobleBlake3 } from '../../../shared/chain';
import { EVENT_TYPES, operatorWriter, serializeEvent } from '../../../shared/events';
import { enrolOperatorLogin } from '../../../electron/main/controlplane/repos/operator-logins';
import { randomDatabasePassword, scramSha256Verifier } from '../../../electron/main/crypto/scram';
import { ChainWriter } from '../../../electron/main/controlplane/chain-writer';
import { withTenant } from '../../../electron/main/controlplane/tenant-session';
import { asyncFailureCode } from '../../support/failure-code';
import type { MigratedDatabase } from '../../support/pg';

/**
 * Appends happen only through arx.append_events, and every event names its writer. With the
 * shared console role's password an attacker cannot append at all; with the gateway's they can no
 * longer INSERT rows, write a type that is not theirs (the forged gateway decision and role grant of
 * the zero-trust issue), skip or reuse a seq, or store bytes that say something other than the row.
 */
export function chainAppendRights(open: (prefix: string) => Promise<MigratedDatabase>): void {
  let db: MigratedDatabase;
  /** Two enrolled operators with their own login roles (what a card unwraps), both in tenant a. */
  let x: { id: string; pool: pg.Pool };
  let y: { id: string; pool: pg.Pool };
  beforeAll(async () => {
    db = await open('append_rights');
    x = await operatorWithLogin(db.tenants.a);
    y = await operatorWithLogin(db.tenants.a);
    // A definer function as the per-change functions are: owned by arx_owner, calling append_events.
    await db.admin.query(`CREATE FUNCTION arx.test_step_append(p_tenant uuid, p_seqs bigint[], p_ids text[],
      p_types text[], p_times text[], p_bytes bytea[], p_digests bytea[], p_hashes bytea[]) RETURNS bigint
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, arx
    AS 'SELECT arx.append_events(p_tenant, p_seqs, p_ids, p_types, p_times, p_bytes, p_digests, p_hashes)'`);
    await db.admin.query(
      'ALTER FUNCTION arx.test_step_append(uuid, bigint[], text[], text[], text[], bytea[], bytea[], bytea[]) OWNER TO arx_owner',
    );
    await db.admin.query(
      'GRANT EXECUTE ON FUNCTION arx.test_step_append(uuid, bigint[], text[], text[], text[], bytea[], bytea[], bytea[]) TO arx_operator',
    );
  });
  afterAll(async () => {
    await db?.drop();
  });

  const gatewayWriter = (tenant: string) => new ChainWriter(db.gatewayPool, tenant, { source: '/arx/gateway/test' });

  const sessionOpened = { type: 'com.arx.session.opened' as const, data: sessionData() };
  function sessionData() {
    return {
      operatorId: randomUUID(),
      edipi: '1234567890',
      certificateSha256: 'a'.repeat(64),
      tokenLabel: 'T',
      roles: [],
    };
  }
  /** A well-formed gateway event, as a forger with the console's password would write it. */
  const budget = {
    type: 'com.arx.budget.exceeded' as const,
    data: { team: 'ops', period: '2026-12', budgetCents: 100, spentCents: 200 },
  };

  describe('who may append which event type', () => {
    for (const type of [
      'com.arx.session.opened',
      'com.arx.session.refused',
      'com.arx.policy.decided',
      'com.arx.request.received',
      'com.arx.checkpoint.issued',
      'com.arx.role.granted',
    ]) {
      it(`the shared console role may not append ${type}, whatever writer it names`, async () => {
        for (const writer of [operatorWriter(x.id), 'console/host', `gateway/${await gatewayRole()}`]) {
          const err = await rawAppend(db.consolePool, db.tenants.a, type, { writer }).catch((e: Error) => e);
          expect(String(err)).toMatch(/permission denied for function append_events/);
        }
      });
    }

    it('the shared console role has no EXECUTE on append_events (only the gateway and the definer owner do)', async () => {
      const r = await db.admin.query<{ role: string }>(
        `SELECT r.rolname AS role FROM pg_roles r
        WHERE r.rolname IN ('arx_console', 'arx_operator', 'arx_gateway', 'arx_bootstrap')
          AND has_function_privilege(r.oid,
            'arx.append_events(uuid, bigint[], text[], text[], text[], bytea[], bytea[], bytea[])', 'EXECUTE')
        ORDER BY 1`,
      );
      expect(r.rows.map((row) => row.role)).toEqual(['arx_gateway']);
    });

    it('the gateway may not append console or administration types', async () => {
      for (const type of ['com.arx.review.signed', 'com.arx.policy.published', 'com.arx.role.revoked']) {
        const err = await rawAppend(db.gatewayPool, db.tenants.b, type).catch((e: Error) => e);
        expect(String(err)).toMatch(/may not append events of type/);
      }
    });

    it('a refusal through the writer is CHAIN_APPEND_REFUSED and writes nothing', async () => {
      const before = await count(db.tenants.b);
      const writer = gatewayWriter(db.tenants.b);
      expect(await asyncFailureCode(() => writer.append([budget, sessionOpened]))).toBe('CHAIN_APPEND_REFUSED');
      expect(await count(db.tenants.b)).toBe(before);
    });

    it('every event type of the format has exactly one writer class', async () => {
      const r = await db.admin.query<{ type: string }>('SELECT type FROM arx.event_writers ORDER BY type');
      expect(r.rows.map((row) => row.type)).toEqual([...EVENT_TYPES].sort());
    });
  });

  describe('every event names its writer, and the control plane checks the name', () => {
    it('the gateway names itself by its login role; naming another gateway is refused', async () => {
      const tenant = db.tenants.b;
      await gatewayWriter(tenant).append([budget]);
      const own = await gatewayRole();
      const err = await rawAppend(db.gatewayPool, tenant, 'com.arx.request.received', {
        writer: 'gateway/other_gw',
      }).catch((e: Error) => e);
      expect(String(err)).toMatch(new RegExp(`names writer gateway/other_gw, not the writer behind login role ${own}`));
      const none = await rawAppend(db.gatewayPool, tenant, 'com.arx.request.received', { writer: null }).catch(
        (e: Error) => e,
      );
      expect(String(none)).toMatch(/names writer \(none\)/);
      await rawAppend(db.gatewayPool, tenant, 'com.arx.request.received', { writer: `gateway/${own}` });
    });

    it('through the writer, a wrong name is CHAIN_APPEND_REFUSED and writes nothing', async () => {
      const before = await count(db.tenants.b);
      const w = new ChainWriter(db.gatewayPool, db.tenants.b, {
        source: '/arx/gateway/test',
        writer: 'gateway/intruder',
      });
      expect(await asyncFailureCode(() => w.append([budget]))).toBe('CHAIN_APPEND_REFUSED');
      expect(await count(db.tenants.b)).toBe(before);
    });

    it('an operator may append (through a definer function) only as themselves', async () => {
      const tenant = db.tenants.a;
      const asY = await rawAppend(x.pool, tenant, 'com.arx.session.opened', {
        writer: operatorWriter(y.id),
        definer: true,
      }).catch((e: Error) => e);
      expect(String(asY)).toMatch(
        new RegExp(`names writer operator/${y.id}, not the writer behind login role arx_op_`),
      );
      const asConsole = await rawAppend(x.pool, tenant, 'com.arx.session.refused', {
        writer: 'console/host',
        definer: true,
      }).catch((e: Error) => e);
      expect(String(asConsole)).toMatch(/names writer console\/host/);
      const before = await count(tenant);
      await rawAppend(x.pool, tenant, 'com.arx.session.opened', { writer: operatorWriter(x.id), definer: true });
      expect(await count(tenant)).toBe(before + 1);
    });

    it('an operator may not append a gateway type, whatever writer it names', async () => {
      for (const writer of [operatorWriter(x.id), `gateway/${await gatewayRole()}`]) {
        const err = await rawAppend(x.pool, db.tenants.a, 'com.arx.policy.decided', { writer, definer: true }).catch(
          (e: Error) => e,
        );
        expect(String(err)).toMatch(/may not append events of type com\.arx\.policy\.decided/);
      }
    });

    it('a superuser may name any well-formed writer, and nothing else', async () => {
      const tenant = db.tenants.a;
      for (const writer of ['nobody', 'operator/not-a-uuid', null]) {
        const err = await rawAppend(db.admin, tenant, 'com.arx.session.opened', { writer }).catch((e: Error) => e);
        expect(String(err)).toMatch(/names writer/);
      }
      await rawAppend(db.admin, tenant, 'com.arx.session.refused', { writer: 'console/host' });
    });
  });

  describe('the rows must continue the chain and say what their bytes say', () => {
    it('a seq that skips or repeats the head is refused', async () => {
      const tenant = db.tenants.b;
      await gatewayWriter(tenant).append([budget]);
      for (const offset of [1, -1]) {
        const err = await rawAppend(db.gatewayPool, tenant, 'com.arx.request.received', { seqOffset: offset }).catch(
          (e: Error) => e,
        );
        expect(String(err)).toMatch(/do not continue the chain/);
      }
    });

    it('a row whose type column differs from the type in its bytes is refused', async () => {
      const err = await rawAppend(db.gatewayPool, db.tenants.b, 'com.arx.request.received', {
        bytesType: 'com.arx.policy.decided',
      }).catch((e: Error) => e);
      expect(String(err)).toMatch(/bytes do not say what its row says/);
    });
  });

  async function gatewayRole(): Promise<string> {
    const r = await db.gatewayPool.query<{ u: string }>('SELECT session_user AS u');
    return r.rows[0]!.u;
  }

  async function operatorWithLogin(tenant: string): Promise<{ id: string; pool: pg.Pool }> {
    const id = randomUUID();
    const edipi = String(1_000_000_000 + Math.floor(Math.random() * 8_999_999_999)).slice(0, 10);
    await db.admin.query(`INSERT INTO arx.operators (id, edipi, display_name) VALUES ($1, $2, 'Op')`, [id, edipi]);
    await db.admin.query(
      `INSERT INTO arx.role_grants (tenant_id, operator_id, role) VALUES ($1, $2, 'policy-author')`,
      [tenant, id],
    );
    const password = randomDatabasePassword();
    await enrolOperatorLogin(db.admin, {
      operatorId: id,
      scramVerifier: scramSha256Verifier(password),
      wrap: randomBytes(64),
      wrapKeySha256: randomBytes(32),
    });
    return { id, pool: db.connect(`arx_op_${id.replace(/-/g, '')}`, password) };
  }

  async function count(tenant: string): Promise<number> {
    const r = await db.admin.query('SELECT count(*)::int AS n FROM arx.audit_events WHERE tenant_id = $1', [tenant]);
    return r.rows[0].n;
  }

  /** A hand-made append, as an attacker with the role's password would send it: bytes typed `bytesType`. */
  async function rawAppend(
    pool: pg.Pool,
    tenant: string,
    type: string,
    opts: { seqOffset?: number; bytesType?: string; writer?: string | null; definer?: boolean } = {},
  ): Promise<void> {
    const { seqOffset = 0, bytesType = type } = opts;
    const writer = opts.writer === undefined ? `gateway/${await gatewayRole()}` : opts.writer;
    await withTenant(pool, tenant, async (c) => {
      const head = await c.query<{ seq: string | null; chain_hash: Buffer }>(
        'SELECT seq, chain_hash FROM arx.audit_events WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1',
        [tenant],
      );
      const row = head.rows[0];
      const builder = row
        ? new ChainBuilder(nobleBlake3, { seq: Number(row.seq) + 1, prevHash: new Uint8Array(row.chain_hash) })
        : new ChainBuilder(nobleBlake3, { tenantId: tenant });
      const seq = builder.head.size + seqOffset;
      const id = randomUUID();
      const time = '2026-12-07T10:00:00.000000Z';
      const event = {
        specversion: '1.0',
        id,
        source: '/arx/gateway/made-up',
        type: bytesType,
        time,
        datacontenttype: 'application/json',
        sequence: String(seq),
        arxtenant: tenant,
        ...(writer === null ? {} : { arxwriter: writer }),
        data: {},
      };
      const bytes = serializeEvent(event as never);
      const entry = builder.append(bytes);
      const fn = opts.definer ? 'arx.test_step_append' : 'arx.append_events';
      await c.query(`SELECT ${fn}($1, $2, $3, $4, $5, $6, $7, $8)`, [
        tenant,
        [String(seq)],
        [id],
        [type],
        [time],
        [Buffer.from(bytes)],
        [Buffer.from(entry.digest)],
        [Buffer.from(entry.hash)],
      ]);
    });
  }
}
