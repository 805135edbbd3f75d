/**
 * Appending through the database function (arx.append_events: continuity, bytes, writer-class and
 * named-writer checks under the chain lock) against the direct INSERT the writer used before, in one run, on
 * the same rows, alternating batches on two tenant chains so that load and cache state are shared.
 * Goal: the function keeps at least 80% of the direct INSERT's events/s.
 *
 *   npm run bench -- chain-append     (ARX_BENCH_EVENTS, default 100,000; batches of 1,000)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { loadBlake3 } from '../../electron/main/crypto/blake3';
import { lockChain, prepareRows, type NewEvent } from '../../electron/main/controlplane/chain-writer';
import { eventColumnParams } from '../../electron/main/controlplane/repos/events';
import { startEmbeddedPostgres } from '../../electron/main/controlplane/embedded';
import { migrate } from '../../electron/main/controlplane/migrate';
import { createLoginRole } from '../../electron/main/controlplane/tenant-session';
import { gatewayWriter } from '../../shared/events';
import { sampleGatewayEvents } from './sample-events';

const N = Number(process.env.ARX_BENCH_EVENTS ?? 100_000);
const BATCH = 1000;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

const FUNCTION_SQL = 'SELECT arx.append_events($1, $2, $3, $4, $5, $6, $7, $8)';
// The statement the writer sent before the function existed (granted back to a bench-only role).
const DIRECT_SQL = `INSERT INTO arx.audit_events (tenant_id, seq, event_id, type, time, bytes, doc, event_digest, chain_hash)
  SELECT $1, s, i, t, tm::timestamptz, b, convert_from(b, 'UTF8')::jsonb, d, h
  FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::bytea[], $7::bytea[], $8::bytea[]) AS u(s, i, t, tm, b, d, h)`;

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'arx-bench-append-'));
  console.log(
    `ARX chain append bench: ${fmt(N)} events per variant, load ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  const server = await startEmbeddedPostgres(dir);
  const { host, port, database } = server;
  const admin = new pg.Pool({ host, port, database, user: server.user, password: server.password, max: 2 });
  admin.on('error', () => {}); // the server's shutdown ends idle clients
  try {
    const c = await admin.connect();
    await migrate(c);
    await createLoginRole(c, 'bench_gateway', server.gatewayPassword, 'arx_gateway');
    await c.query('CREATE ROLE bench_direct LOGIN PASSWORD $$' + server.gatewayPassword + '$$ IN ROLE arx_gateway');
    await c.query('GRANT INSERT ON arx.audit_events TO bench_direct');
    c.release();
    const pool = (user: string) => {
      const p = new pg.Pool({ host, port, database, user, password: server.gatewayPassword, max: 2 });
      p.on('error', () => {});
      return p;
    };
    const variants = [
      {
        name: 'database function',
        sql: FUNCTION_SQL,
        pool: pool('bench_gateway'),
        user: 'bench_gateway',
        tenant: randomUUID(),
        ms: 0,
      },
      {
        name: 'direct INSERT (before)',
        sql: DIRECT_SQL,
        pool: pool('bench_direct'),
        user: 'bench_direct',
        tenant: randomUUID(),
        ms: 0,
      },
    ];
    for (const v of variants)
      await admin.query(`INSERT INTO arx.tenants (id, slug, name) VALUES ($1, $2, 'bench')`, [
        v.tenant,
        `a-${v.tenant.slice(0, 8)}`,
      ]);
    const b3 = await loadBlake3();
    const base = sampleGatewayEvents();
    const heads = new Map<string, { seq: number; prevHash: Uint8Array } | null>();
    for (let done = 0, k = 0; done < N; done += BATCH, k++) {
      for (const v of k % 2 ? [...variants].reverse() : variants) {
        const batch: NewEvent[] = [];
        for (let i = 0; i < Math.min(BATCH, N - done); i++)
          batch.push({ ...base[(done + i) % base.length]!, id: `${v.name[0]}-${done + i}` });
        v.ms += await appendOnce(v, batch, b3, heads);
      }
    }
    const rate = (v: (typeof variants)[number]) => N / (v.ms / 1000);
    for (const v of variants)
      console.log(`  ${v.name.padEnd(24)} ${fmt(rate(v))} events/s (${(v.ms / 1000).toFixed(2)} s in statements)`);
    console.log(
      `  ratio function / direct: ${(rate(variants[0]!) / rate(variants[1]!)).toFixed(2)} (goal at least 0.80)`,
    );
    await Promise.all(variants.map((v) => v.pool.end()));
  } finally {
    await admin.end();
    await server.stop();
    rmSync(server.clusterDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One batch in one transaction; only the statement that writes is timed (row building is shared). */
async function appendOnce(
  v: { sql: string; pool: pg.Pool; user: string; tenant: string },
  batch: NewEvent[],
  b3: Awaited<ReturnType<typeof loadBlake3>>,
  heads: Map<string, { seq: number; prevHash: Uint8Array } | null>,
): Promise<number> {
  const at = { tenantId: v.tenant, source: '/arx/gateway/bench', writer: gatewayWriter(v.user) };
  const rows = prepareRows(b3, at, heads.get(v.tenant) ?? null, batch);
  const client = await v.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query("SELECT set_config('arx.tenant_id', $1, true)", [v.tenant]);
    await lockChain(client, v.tenant);
    const t0 = performance.now();
    await client.query(v.sql, eventColumnParams(v.tenant, rows));
    const ms = performance.now() - t0;
    await client.query('COMMIT');
    heads.set(v.tenant, { seq: rows.result.size, prevHash: rows.result.head });
    return ms;
  } finally {
    client.release();
  }
}

await main();
