import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExternalPostgres } from '../../support/external-pg';
import { onpremDatabase, type OnpremDatabase } from '../../support/onprem-db';

let db: OnpremDatabase;
beforeAll(async () => {
  db = await onpremDatabase('harness');
});
afterAll(async () => {
  await db?.drop();
});

async function refusal(config: pg.ClientConfig): Promise<string> {
  const c = new pg.Client({ host: '127.0.0.1', port: db.port, database: db.name, ...config });
  c.on('error', () => {});
  try {
    await c.connect();
    await c.end();
    return 'connected';
  } catch (err) {
    return (err as Error).message;
  }
}

describe('external PostgreSQL harness', () => {
  it('speaks TLS only, verified against the test CA, with SCRAM', async () => {
    const r = await db.admin.query<{ ssl: boolean; version: string }>(
      'SELECT s.ssl, s.version FROM pg_stat_ssl s WHERE s.pid = pg_backend_pid()',
    );
    expect(r.rows[0]).toEqual({ ssl: true, version: 'TLSv1.3' });
    const hba = await db.admin.query<{ type: string; auth_method: string }>(
      'SELECT type, auth_method FROM pg_hba_file_rules',
    );
    expect(hba.rows).toEqual([{ type: 'hostssl', auth_method: 'scram-sha-256' }]);
    expect((await db.admin.query('SHOW unix_socket_directories')).rows[0].unix_socket_directories).toBe('');
    const pw = await db.admin.query(`SELECT rolpassword FROM pg_authid WHERE rolname = 'postgres'`);
    expect(pw.rows[0].rolpassword).toMatch(/^SCRAM-SHA-256\$/);
  });

  it('refuses plaintext, an unverified server certificate and a wrong password', async () => {
    const { password } = { password: new URL(db.url()).password };
    const user = 'postgres';
    expect(await refusal({ user, password: decodeURIComponent(password), ssl: false })).toMatch(
      /no pg_hba\.conf entry.*no encryption/,
    );
    expect(await refusal({ user, password: decodeURIComponent(password), ssl: { rejectUnauthorized: true } })).toMatch(
      /unable to verify|self[- ]signed certificate/,
    );
    const ca = readFileSync(db.caFile, 'utf8');
    expect(await refusal({ user, password: 'wrong', ssl: { ca, rejectUnauthorized: true } })).toMatch(
      /password authentication failed/,
    );
  });

  it('stops its cluster and leaves no process and no directory behind', async () => {
    const other = await startExternalPostgres();
    const pid = Number(readFileSync(join(other.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    expect(alive(pid)).toBe(true);
    await other.stop();
    expect(alive(pid)).toBe(false);
    expect(existsSync(other.dir)).toBe(false);
  });
});

function alive(pid: number): boolean {
  try {
    // A zombie (exited, not yet reaped by its parent) is not a running server.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
