import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/** A fresh, empty database on the run's embedded PostgreSQL, with an admin pool; dropped by `drop()`. */
export async function freshDatabase(prefix = 't'): Promise<{
  name: string;
  admin: pg.Pool;
  connect(user: string, password: string): pg.Pool;
  drop(): Promise<void>;
}> {
  const c = inject('pg');
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const root = new pg.Client({ ...c, database: 'postgres' });
  await root.connect();
  await root.query(`CREATE DATABASE ${name}`);
  await root.end();
  const pools: pg.Pool[] = [];
  // drop() terminates whatever is still connected (WITH FORCE): an idle or leaked client then gets
  // FATAL 57P01, which an 'error' listener must absorb or the run reports an unhandled error.
  const track = (p: pg.Pool) => {
    p.on('error', () => {});
    p.on('connect', (client) => client.on('error', () => {}));
    pools.push(p);
    return p;
  };
  const admin = track(new pg.Pool({ ...c, database: name, max: 4 }));
  return {
    name,
    admin,
    connect(user, password) {
      return track(new pg.Pool({ host: c.host, port: c.port, user, password, database: name, max: 8 }));
    },
    async drop() {
      await Promise.all(pools.map((p) => p.end().catch(() => {})));
      const r = new pg.Client({ ...c, database: 'postgres' });
      await r.connect();
      await r.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await r.end();
    },
  };
}

/** A fresh database at the latest schema, with two tenants and pools as the console and gateway roles. */
export async function migratedDatabase(prefix = 'm') {
  return migratedOn(await freshDatabase(prefix));
}

type EmptyDatabase = Awaited<ReturnType<typeof freshDatabase>>;

/** `db` (empty, on the embedded or an external server) brought to the latest schema, as migratedDatabase. */
export async function migratedOn(db: EmptyDatabase) {
  const { migrate } = await import('../../electron/main/controlplane/migrate');
  const { createLoginRole } = await import('../../electron/main/controlplane/tenant-session');
  const admin = await db.admin.connect();
  const tenants = { a: randomUUIDv4(), b: randomUUIDv4() };
  let consolePool: pg.Pool;
  let gatewayPool: pg.Pool;
  try {
    await migrate(admin);
    const cpw = randomBytes(18).toString('base64url');
    const gpw = randomBytes(18).toString('base64url');
    const suffix = db.name.slice(-12);
    await createLoginRole(admin, `console_${suffix}`, cpw, 'arx_console');
    await createLoginRole(admin, `gateway_${suffix}`, gpw, 'arx_gateway');
    consolePool = db.connect(`console_${suffix}`, cpw);
    gatewayPool = db.connect(`gateway_${suffix}`, gpw);
    await admin.query(`INSERT INTO arx.tenants (id, slug, name) VALUES ($1, $3, 'Alpha'), ($2, $4, 'Bravo')`, [
      tenants.a,
      tenants.b,
      `alpha-${suffix}`,
      `bravo-${suffix}`,
    ]);
  } finally {
    admin.release();
  }
  return { ...db, tenants, consolePool, gatewayPool };
}

export type MigratedDatabase = Awaited<ReturnType<typeof migratedOn>>;

function randomUUIDv4(): string {
  const b = randomBytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
