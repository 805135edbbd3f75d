/**
 * Profiling harness for the chain verification engine: a persistent embedded database
 * seeded once (ARX_PROF_DIR, ARX_PROF_EVENTS), then verifications with per-thread CPU times read
 * from /proc (main thread, worker threads, V8 helper threads, the PostgreSQL backend).
 *   node --import tsx test/bench/chain-profile.ts worker thread worker thread
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ed25519 } from '@noble/curves/ed25519.js';
import { DigestPool } from '../../electron/main/chain/digest-pool';
import { verifyTenantChain } from '../../electron/main/chain/tenant-chain-verifier';
import { loadBlake3 } from '../../electron/main/crypto/blake3';
import { ChainWriter, type NewEvent } from '../../electron/main/controlplane/chain-writer';
import { Checkpointer } from '../../electron/main/controlplane/checkpointer';
import { startEmbeddedPostgres } from '../../electron/main/controlplane/embedded';
import { registerGatewayKey } from '../../electron/main/controlplane/gateway-keys';
import { migrate } from '../../electron/main/controlplane/migrate';
import { createLoginRole } from '../../electron/main/controlplane/tenant-session';
import { ed25519Signer } from '../../shared/checkpoint';
import { sampleGatewayEvents } from './sample-events';

const DIR = process.env.ARX_PROF_DIR ?? join(tmpdir(), 'arx-chain-profile');
const N = Number(process.env.ARX_PROF_EVENTS ?? 300_000);
const TICK = 100;

function threadTimes(pid: number | 'self' = 'self'): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      out.set(`${tid}:${comm}`, (Number(rest[11]) + Number(rest[12])) / TICK);
      if (process.env.ARX_PROF_FAULTS) {
        out.set(`${tid}:minflt`, Number(rest[7]) / 1000);
        const st = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
        out.set(`${tid}:vcsw`, Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(st)?.[1]) / 1000);
        out.set(`${tid}:ivcsw`, Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(st)?.[1]) / 1000);
      }
    } catch {
      /* gone */
    }
  }
  return out;
}

function diff(a: Map<string, number>, b: Map<string, number>): string {
  const rows: [string, number][] = [];
  for (const [k, v] of b) {
    const d = v - (a.get(k) ?? 0);
    if (d > 0.005) rows.push([k, d]);
  }
  rows.sort((x, y) => y[1] - x[1]);
  return rows.map(([k, d]) => `${k}=${d.toFixed(2)}`).join(' ');
}

const samples = sampleGatewayEvents;

async function main() {
  const server = await startEmbeddedPostgres(DIR);
  const admin = new pg.Pool({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    database: server.database,
    max: 2,
  });
  const stateFile = join(DIR, 'tenant.json');
  try {
    const at = { host: server.host, port: server.port, database: server.database, max: 4 };
    if (!existsSync(stateFile)) {
      const c = await admin.connect();
      await migrate(c);
      await createLoginRole(c, 'bench_gateway', server.gatewayPassword, 'arx_gateway');
      await createLoginRole(c, 'bench_console', server.consolePassword, 'arx_console');
      c.release();
      const gateway = new pg.Pool({ ...at, user: 'bench_gateway', password: server.gatewayPassword });
      const b3 = await loadBlake3();
      const base = samples();
      const id = randomUUID();
      await admin.query(`INSERT INTO arx.tenants (id, slug, name) VALUES ($1, $2, 'bench')`, [
        id,
        `b-${id.slice(0, 8)}`,
      ]);
      const secret = ed25519.utils.randomSecretKey();
      const signer = ed25519Signer('arx-gateway.bench', secret);
      await registerGatewayKey(admin, id, {
        name: signer.name,
        secretKey: secret,
        publicKey: signer.publicKey,
        validFrom: new Date(Date.now() - 3_600_000),
      });
      const cp = new Checkpointer(id, signer, { everyEvents: 10_000, everyMs: 3_600_000 }, () => new Date(), b3);
      const writer = new ChainWriter(gateway, id, {
        source: '/arx/gateway/bench',
        blake3: b3,
        afterAppend: cp.afterAppend,
      });
      let batch: NewEvent[] = [];
      for (let i = 0; i < N; i++) {
        batch.push({ ...base[i % base.length]!, id: `p-${i}` });
        if (batch.length === 1000) {
          await writer.append(batch);
          batch = [];
          if (i % 50_000 === 49_999) process.stderr.write(`  appended ${i + 1}\n`);
        }
      }
      if (batch.length) await writer.append(batch);
      await gateway.end();
      await admin.query('VACUUM (ANALYZE) arx.audit_events');
      writeFileSync(stateFile, JSON.stringify({ id, n: N }));
    }
    const { id } = JSON.parse(readFileSync(stateFile, 'utf8')) as { id: string };
    const consolePool = new pg.Pool({ ...at, user: 'bench_console', password: server.consolePassword });
    const workers = new DigestPool(1);
    await workers.ready();
    const summary = new Map<string, { wall: number[]; cpu: number[]; main: number[]; other: number[] }>();
    const mainTid = String(process.pid);
    for (const mode of process.argv.slice(2)) {
      const c = await consolePool.connect();
      const backend = (c as unknown as { processID: number }).processID;
      c.release();
      // The engine takes a fresh client from the pool: hold the others out so it gets this one.
      const t0 = threadTimes();
      const b0 = threadTimes(backend);
      const cpu0 = process.cpuUsage();
      const w0 = performance.now();
      const r = await verifyTenantChain(consolePool, id, {
        pool: mode === 'worker' ? workers : null,
        checkDocuments: false,
      });
      const sec = (performance.now() - w0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      if (!r.ok) throw new Error('does not verify');
      const pcpu = (cpu.user + cpu.system) / 1e6;
      console.log(
        `${mode.padEnd(7)} ${sec.toFixed(2)} s, cpu ${pcpu.toFixed(2)} s (user ${(cpu.user / 1e6).toFixed(2)} sys ${(cpu.system / 1e6).toFixed(2)}) ${((1e6 * pcpu) / r.rows).toFixed(2)} µs/event; load ${loadavg()[0]!.toFixed(2)}`,
      );
      const t1 = threadTimes();
      console.log(`   threads: ${diff(t0, t1)}`);
      const mainCpu = (t1.get(`${mainTid}:node`) ?? 0) - (t0.get(`${mainTid}:node`) ?? 0);
      const e = summary.get(mode) ?? { wall: [], cpu: [], main: [], other: [] };
      e.wall.push(sec);
      e.cpu.push((1e6 * pcpu) / r.rows);
      e.main.push((1e6 * mainCpu) / r.rows);
      e.other.push((1e6 * (pcpu - mainCpu)) / r.rows);
      summary.set(mode, e);
      console.log(`   backend ${backend}: ${diff(b0, threadTimes(backend))}`);
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
    for (const [mode, e] of summary) {
      const f = (xs: number[]) => `min ${Math.min(...xs).toFixed(2)} med ${med(xs).toFixed(2)}`;
      console.log(
        `${mode.padEnd(7)} n=${e.wall.length} wall s ${f(e.wall)} | cpu µs/event ${f(e.cpu)} | main thread ${f(e.main)} | other threads ${f(e.other)}`,
      );
    }
    await workers.close();
    await consolePool.end();
  } finally {
    await admin.end();
    await server.stop();
  }
}

await main();
