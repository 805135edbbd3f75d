import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { inject } from 'vitest';

export interface OnpremDatabase {
  name: string;
  port: number;
  caFile: string;
  /** The DBA's (superuser's) pool on this database. */
  admin: pg.Pool;
  /** A postgres:// URL, sslmode=verify-full against the test CA. */
  url(user?: string, password?: string): string;
  connect(user: string, password: string): pg.Pool;
  drop(): Promise<void>;
}

/**
 * A fresh, empty database on the run's external-style PostgreSQL (the `onprem` project's
 * globalSetup); every connection is TLS, verify-full, SCRAM. Dropped by `drop()`.
 */
export async function onpremDatabase(prefix = 'op'): Promise<OnpremDatabase> {
  const c = inject('onpremPg');
  const ca = readFileSync(c.caFile, 'utf8');
  const ssl = { ca, rejectUnauthorized: true };
  const base = { host: '127.0.0.1', port: c.port, ssl };
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const root = new pg.Client({ ...base, user: 'postgres', password: c.password, database: 'postgres' });
  await root.connect();
  await root.query(`CREATE DATABASE ${name}`);
  await root.end();
  const pools: pg.Pool[] = [];
  const open = (user: string, password: string, max = 4) => {
    const p = new pg.Pool({ ...base, user, password, database: name, max });
    p.on('error', () => {}); // an idle client whose session the server ended (a disabled operator's)
    pools.push(p);
    return p;
  };
  return {
    name,
    port: c.port,
    caFile: c.caFile,
    admin: open('postgres', c.password),
    url(user = 'postgres', password = c.password) {
      const q = new URLSearchParams({ sslmode: 'verify-full', sslrootcert: c.caFile });
      return `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${c.port}/${name}?${q}`;
    },
    connect: (user, password) => open(user, password),
    async drop() {
      await Promise.all(pools.map((p) => p.end().catch(() => {})));
      const r = new pg.Client({ ...base, user: 'postgres', password: c.password, database: 'postgres' });
      await r.connect();
      await r.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await r.end();
    },
  };
}
