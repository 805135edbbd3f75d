import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../electron/main/config/config';
import { ControlPlane } from '../../../electron/main/controlplane/control-plane';
import { clusterDirFor } from '../../../electron/main/controlplane/embedded';

/**
 * The embedded default end to end: started, migrated, connected with the bootstrap login only
 * (operators connect as themselves after a card login: test/integration/card/operator-pool.test.ts);
 * a lost server is reported as DB_UNREACHABLE (never an empty result), and the pool recovers when
 * the server is back.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'arx-conn-'));
const config = loadConfig({ HOME: '/tmp', ARX_DATA_DIR: dataDir });
const states: string[] = [];
let cp = new ControlPlane(
  config,
  (s) => states.push(s.state),
  () => {},
  200,
);

afterAll(async () => {
  await cp.stop();
  rmSync(clusterDirFor(config.dataDir), { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

describe('embedded control plane connection', () => {
  it('starts, migrates and connects as a role that row-level security binds', async () => {
    await cp.start();
    expect(cp.status().state).toBe('connected');
    const r = await cp
      .requireBootstrapPool()
      .query('SELECT current_user AS u, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user');
    expect(r.rows[0]).toEqual({ u: 'arx_bootstrap_app', rolsuper: false, rolbypassrls: false });
    // Without a card login there is no operator pool, and the shared console login of earlier versions is retired.
    expect(() => cp.requirePool()).toThrow(expect.objectContaining({ code: 'SESSION_REQUIRED' }));
    const retired = await cp
      .requireAdminPool()
      .query(`SELECT rolcanlogin FROM pg_roles WHERE rolname = 'arx_console_app'`);
    expect(retired.rows.every((x: { rolcanlogin: boolean }) => !x.rolcanlogin)).toBe(true);
  });

  it('reports a lost server as DB_UNREACHABLE and recovers when it returns', async () => {
    const admin = cp.requireAdminPool();
    // Kick every connection of the bootstrap login, as a restarting server or a network cut would.
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'arx_bootstrap_app'`);
    await admin.query(`ALTER ROLE arx_bootstrap_app NOLOGIN`);
    expect(await cp.ping()).toBe(false);
    expect(cp.status().state).toBe('unreachable');
    expect(() => cp.requirePool()).toThrow(expect.objectContaining({ code: 'DB_UNREACHABLE' }));
    await admin.query(`ALTER ROLE arx_bootstrap_app LOGIN`);
    expect(await cp.ping()).toBe(true);
    expect(cp.status().state).toBe('connected');
    expect((await cp.requireBootstrapPool().query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    expect(states).toEqual(expect.arrayContaining(['starting', 'connected', 'unreachable']));
    expect(states.at(-1)).toBe('connected');
  });

  it('a connection that dies while checked out between two queries does not crash the process', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      const client = await cp.requireBootstrapPool().connect();
      const lost = new Promise<void>((resolve) => client.once('end', () => resolve()));
      const pid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
      // The server ends this backend while the client sits checked out and idle (no query running).
      await cp.requireAdminPool().query('SELECT pg_terminate_backend($1)', [pid]);
      await lost;
      await expect(client.query('SELECT 1')).rejects.toThrow();
      client.release(true);
      expect(uncaught).toEqual([]);
      expect((await cp.requireBootstrapPool().query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });

  it('reconnects by itself with growing waits between checks, and says when it checks next', async () => {
    const admin = cp.requireAdminPool();
    await admin.query(`ALTER ROLE arx_bootstrap_app NOLOGIN`);
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'arx_bootstrap_app'`);
    const seen: { failedChecks: number; waitMs: number }[] = [];
    const until = Date.now() + 20_000;
    while (Date.now() < until && (seen.at(-1)?.failedChecks ?? 0) < 4) {
      const s = cp.status();
      if (s.state === 'unreachable' && s.reconnect && s.reconnect.failedChecks !== seen.at(-1)?.failedChecks)
        seen.push({ failedChecks: s.reconnect.failedChecks, waitMs: Date.parse(s.reconnect.nextCheckAt) - Date.now() });
      await new Promise((r) => setTimeout(r, 20));
    }
    // No one called ping(): the schedule did, each wait about twice the one before (200, 400, 800 ms…).
    expect(seen.map((x) => x.failedChecks).slice(0, 3)).toEqual([1, 2, 3]);
    const [, second, third] = seen;
    expect(third!.waitMs).toBeGreaterThan(second!.waitMs * 1.5);
    await admin.query(`ALTER ROLE arx_bootstrap_app LOGIN`);
    await expect.poll(() => cp.status().state, { timeout: 20_000, interval: 50 }).toBe('connected');
    expect(cp.status().reconnect).toBeUndefined();
  });

  it('a second start of the same data directory after a stop finds its data', async () => {
    await cp.stop();
    cp = new ControlPlane(
      config,
      () => {},
      () => {},
      200,
    );
    await cp.start();
    const v = await cp.requireAdminPool().query('SELECT max(version) AS v FROM public.arx_schema_migrations');
    expect(v.rows[0].v).toBeGreaterThanOrEqual(3);
  });
});

describe('one process per embedded database', () => {
  it('a second start while the first runs is refused with DB_IN_USE naming the process, and the first keeps working', async () => {
    const other = new ControlPlane(
      config,
      () => {},
      () => {},
      200,
    );
    const err = await other.start().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DB_IN_USE' });
    expect((err as Error).message).toMatch(/process \d+/);
    expect(other.status().state).toBe('unreachable');
    await other.stop();
    expect((await cp.requireBootstrapPool().query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });
});
