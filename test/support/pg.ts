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
  const admin = new pg.Pool({ ...c, database: name, max: 4 });
  pools.push(admin);
  return {
    name,
    admin,
    connect(user, password) {
      const p = new pg.Pool({ host: c.host, port: c.port, user, password, database: name, max: 8 });
      pools.push(p);
      return p;
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
