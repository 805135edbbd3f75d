import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { provisionTestCards, registerTestOperators, TEST_CARDS } from '../../../electron/main/card/test-cards';
import type { ProvisionedTestCards } from '../../../electron/main/card/test-cards';
import { ChainWriter } from '../../../electron/main/controlplane/chain-writer';
import { withTenant } from '../../../electron/main/controlplane/tenant-session';
import {
  cacheUnlocked,
  consoleCaller,
  loginCard,
  startCardConsole,
  type CardConsole,
} from '../../support/card-console';
import { migratedDatabase, type MigratedDatabase } from '../../support/pg';

/**
 * The console on the operator's own database identity, with SoftHSM2 cards: before login it holds
 * only the bootstrap login; the card unwraps the operator's password after the PIN; lock, logout
 * and removal end the pool and wipe the password; nothing left on the workstation logs in as an
 * operator; and the operator's pool sees no row of a tenant where the operator has no role.
 */
let db: MigratedDatabase;
let cards: ProvisionedTestCards;
let cc: CardConsole;
/** Every password the control plane was given, as it holds them (to see them wiped), and a copy. */
const given: { held: Buffer; copy: string }[] = [];
const logs: string[] = [];
const ADAMS = 'ARX TEST ADAMS EC';
const BAKER = 'ARX TEST BAKER RSA';
const c = consoleCaller(() => cc.services);
const roleOf = (id: string) => `arx_op_${id.replace(/-/g, '')}`;

beforeAll(async () => {
  db = await migratedDatabase('oppool');
  cards = await provisionTestCards(mkdtempSync(join(tmpdir(), 'arx-cards-')), {
    specs: TEST_CARDS.filter((s) => s.expect === null),
  });
  await registerTestOperators(db.admin, cards, [db.tenants.a]);
  cc = await startCardConsole(db, cards, 'oppool', {}, undefined, (line) => logs.push(line));
  const cp = cc.services.controlPlane;
  const open = cp.openOperatorPool.bind(cp);
  cp.openOperatorPool = async (role, password) => {
    given.push({ held: password, copy: password.toString('ascii') });
    return open(role, password);
  };
}, 240_000);

afterAll(async () => {
  await cc?.services.stop();
  await db?.drop();
});

async function currentUser(): Promise<string> {
  const r = await cc.services.controlPlane.requirePool().query<{ u: string }>('SELECT current_user AS u');
  return r.rows[0]!.u;
}

const operatorId = async (edipi: string) =>
  (await db.admin.query<{ id: string }>('SELECT id FROM arx.operators WHERE edipi = $1', [edipi])).rows[0]!.id;

describe("the console on the operator's own database identity", () => {
  it('before login holds no operator pool: SESSION_REQUIRED, and the bootstrap login is all it has', async () => {
    expect(() => cc.services.controlPlane.requirePool()).toThrow(expect.objectContaining({ code: 'SESSION_REQUIRED' }));
    const boot = await cc.services.controlPlane.requireBootstrapPool().query<{ u: string }>('SELECT current_user AS u');
    expect(boot.rows[0]!.u).toMatch(/^bootstrap_/);
  });

  it('login (EC card) opens a pool as the operator role; lock ends it and wipes the password', async () => {
    await loginCard(c, ADAMS);
    const edipi = cards.cards.find((x) => x.label === ADAMS)!.edipi;
    expect(await currentUser()).toBe(roleOf(await operatorId(edipi)));
    // Services answer through that pool (ADAMS is ISSO in tenant A only).
    const tenants = await c.call<{ id: string }[]>('audit.tenants', {});
    expect(tenants.map((t) => t.id)).toEqual([db.tenants.a]);
    await cacheUnlocked(c);
    const held = given.at(-1)!.held;
    expect(held.length).toBe(43);
    expect(held.every((b) => b === 0)).toBe(false);
    await c.call('card.lock', {});
    expect(held.every((b) => b === 0)).toBe(true);
    expect(() => cc.services.controlPlane.requirePool()).toThrow(
      expect.objectContaining({ code: 'SESSION_REQUIRED', details: { locked: true } }),
    );
    expect(await c.failure('audit.tenants', {})).toMatchObject({ code: 'SESSION_REQUIRED' });
    // The role has no session left on the server. A backend exits just after its client's Terminate
    // message, so a loaded server may still list it for a moment: wait a bounded time, then judge.
    const role = roleOf(await operatorId(edipi));
    const sessionsLeft = async () =>
      (await db.admin.query('SELECT 1 FROM pg_stat_activity WHERE usename = $1', [role])).rowCount;
    await expect.poll(sessionsLeft, { timeout: 5_000, interval: 100 }).toBe(0);
    await c.call('card.unlock', { pin: '123456' });
    expect(await currentUser()).toBe(roleOf(await operatorId(edipi)));
    await c.call('card.logout', {});
    expect(given.at(-1)!.held.every((b) => b === 0)).toBe(true);
    expect(() => cc.services.controlPlane.requirePool()).toThrow(
      expect.objectContaining({ code: 'SESSION_REQUIRED', details: { locked: false } }),
    );
  });

  it('login (RSA card) unwraps with RSA-OAEP on the card; removing the card ends the pool', async () => {
    await loginCard(c, BAKER);
    const edipi = cards.cards.find((x) => x.label === BAKER)!.edipi;
    expect(await currentUser()).toBe(roleOf(await operatorId(edipi)));
    execFileSync('softhsm2-util', ['--delete-token', '--token', BAKER], {
      env: { ...process.env, SOFTHSM2_CONF: cards.softhsm2Conf },
    });
    const t0 = Date.now();
    while (cc.services.status().card.state !== 'locked' && Date.now() - t0 < 5000)
      await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 100 && cc.services.controlPlane.operatorIdentity(); i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(cc.services.controlPlane.operatorIdentity()).toBeNull();
    expect(given.at(-1)!.held.every((b) => b === 0)).toBe(true);
    await c.call('card.logout', {});
  });

  it('with the unwrapped credential, no row of a tenant without a role is visible, whatever tenant is set', async () => {
    await loginCard(c, ADAMS);
    const pool = cc.services.controlPlane.requirePool();
    const tables = (
      await db.admin.query<{ t: string }>(
        `SELECT tablename AS t FROM pg_policies WHERE schemaname = 'arx' AND policyname = 'operator_scope'`,
      )
    ).rows.map((r) => r.t);
    expect(tables.length).toBeGreaterThanOrEqual(15);
    // Rows in tenant B, written as the gateway would.
    await new ChainWriter(db.gatewayPool, db.tenants.b, { source: '/arx/gateway/test' }).append([
      { type: 'com.arx.budget.exceeded', data: { team: 'ops', period: '2026-12', budgetCents: 1, spentCents: 2 } },
    ]);
    const inB = await db.admin.query('SELECT 1 FROM arx.audit_events WHERE tenant_id = $1', [db.tenants.b]);
    expect(inB.rowCount).toBeGreaterThan(0);
    const countAll = async (q: pg.ClientBase) => {
      for (const t of tables) {
        const r = await q.query(`SELECT count(*)::int AS n FROM arx.${t}`);
        expect({ t, n: r.rows[0].n }).toEqual({ t, n: 0 });
      }
    };
    for (const setting of [db.tenants.b, randomUUID()]) await withTenant(pool, setting, countAll);
    // A session-wide setting, outside withTenant, widens nothing either.
    const raw = await pool.connect();
    try {
      await raw.query(`SELECT set_config('arx.tenant_id', $1, false)`, [db.tenants.b]);
      await countAll(raw);
    } finally {
      await raw.query(`RESET arx.tenant_id`).catch(() => {});
      raw.release(true);
    }
    // Its own tenant is visible (the login's session event is there).
    const own = await withTenant(pool, db.tenants.a, (q) => q.query('SELECT count(*)::int AS n FROM arx.audit_events'));
    expect(own.rows[0].n).toBeGreaterThan(0);
    await c.call('card.logout', {});
  });

  it('nothing on the workstation logs in as an operator: data directory, configuration, logs, cache', async () => {
    expect(given.length).toBeGreaterThanOrEqual(3);
    const files = walk(cc.config.dataDir);
    expect(files.some((f) => f.endsWith('.db'))).toBe(true); // the encrypted cache was written
    const haystacks = [
      ...files.map((f) => ({ where: f, bytes: readFileSync(f) })),
      { where: 'configuration', bytes: Buffer.from(JSON.stringify({ env: cc.env, config: cc.config })) },
      { where: 'log', bytes: Buffer.from(logs.join('\n')) },
    ];
    for (const { copy } of given) {
      for (const h of haystacks) {
        for (const form of [copy, Buffer.from(copy).toString('base64'), Buffer.from(copy).toString('hex')])
          expect({ where: h.where, found: h.bytes.includes(form) }).toEqual({ where: h.where, found: false });
      }
    }
    // Every token-like string found there is tried as each operator's password: none logs in.
    const candidates = new Set<string>();
    for (const h of haystacks)
      for (const m of h.bytes.toString('latin1').matchAll(/[A-Za-z0-9+/=_-]{16,128}/g)) candidates.add(m[0]);
    const roles = (await db.admin.query<{ r: string }>('SELECT db_role AS r FROM arx.operator_logins')).rows;
    const { host, port } = inject('pg');
    let tried = 0;
    for (const candidate of [...candidates].slice(0, 150))
      for (const { r } of roles) {
        tried++;
        const client = new pg.Client({ host, port, database: db.name, user: r, password: candidate });
        const err = await client.connect().then(
          () => null,
          (e: Error) => e,
        );
        await client.end().catch(() => {});
        expect({ r, ok: err === null }).toEqual({ r, ok: false });
      }
    expect(tried).toBeGreaterThan(0);
    // The bootstrap login cannot become an operator either.
    const boot = await cc.services.controlPlane.requireBootstrapPool().connect();
    try {
      for (const { r } of roles)
        expect(String(await boot.query(`SET ROLE ${r}`).catch((e: Error) => e))).toMatch(/permission denied/);
    } finally {
      boot.release();
    }
    for (const g of given) g.copy = '';
  });
});

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    const st = statSync(p);
    return st.isDirectory() ? walk(p) : st.isFile() ? [p] : [];
  });
}
