/**
 * Bulk decision re-verification, decisions per second, on an embedded
 * PostgreSQL with simulated gateway traffic (about one decision in seven events).
 *
 *   npx tsx test/bench/reverify.bench.ts        (ARX_BENCH_DECISIONS, default 100,000 decisions)
 *
 *   npm run bench -- reverify
 *
 * Prints, each with the load average: the engine's own single-thread floor (engine.evaluate in a
 * loop, no database); the replay pool's one-time start-up; the pool alone on rows held in memory
 * (1 and 2 workers, no database: how the machine scales Cedar over two threads); then decisions/s
 * end to end (binary COPY from PostgreSQL, workers, result) with 1 and 2 workers of one warm pool,
 * with the cache of identical requests off, and on traffic that repeats identical requests. Each
 * end-to-end line is followed by where the CPU of a decision went (workers, main thread,
 * PostgreSQL; /proc) and the rate two idle cores would allow at that CPU cost.
 *
 * Traffic: the "varied" tenant is the simulator's gateway traffic, every decision distinct (0 %
 * identical requests: the context carries the request time and token count), over a bounded set of
 * users, teams and models (the number of distinct entity sets is printed); the "repeated" tenant
 * repeats each of DECISIONS/12 of those requests 12 times (retries; 91.7 % hits at most).
 * Goal: 10,000/s on both cores. docs/benchmarks.md records the figures.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadBlake3 } from '../../electron/main/crypto/blake3';
import { ChainWriter, type NewEvent } from '../../electron/main/controlplane/chain-writer';
import { startEmbeddedPostgres } from '../../electron/main/controlplane/embedded';
import { migrate } from '../../electron/main/controlplane/migrate';
import { createLoginRole } from '../../electron/main/controlplane/tenant-session';
import { reverifyDecisions } from '../../electron/main/review/reverify';
import { ReplayPool } from '../../electron/main/policy/reverify-pool';
import { packRows, threadCpuMicros } from '../../electron/main/policy/reverify-protocol';
import type { DecisionRow } from '../../electron/main/policy/decision-replayer';
import { Rng } from '../../electron/main/simulator/population';
import { compileEngine, requestEvents, simulatorDirectory } from '../../electron/main/simulator/simulate';
import { gatewayTraffic } from '../../electron/main/simulator/traffic';
import { DEFAULT_POLICY_TEXT, GATEWAY_SCHEMA, type CedarRequest, type PolicyDecidedData } from '../../shared/policy';

const DECISIONS = Number(process.env.ARX_BENCH_DECISIONS ?? 100_000);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const cpuMicros = (u: NodeJS.CpuUsage) => u.user + u.system;

/**
 * CPU time (µs) of the embedded PostgreSQL: the postmaster, its live children and its reaped ones
 * (Linux /proc, clock ticks of 10 ms; NaN elsewhere). The database shares the two cores with the
 * workers, so its CPU per decision is part of what a run costs.
 */
function postgresCpuMicros(clusterDir: string): number {
  try {
    const pm = Number(readFileSync(join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const fields = (pid: string) =>
      readFileSync(`/proc/${pid}/stat`, 'latin1')
        .replace(/^.*\) /, '')
        .split(' ');
    let ticks = 0;
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const f = fields(pid);
        // After the command: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14).
        if (Number(pid) === pm) ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
        else if (Number(f[1]) === pm) ticks += Number(f[11]) + Number(f[12]);
      } catch {
        // gone meanwhile
      }
    }
    return ticks * 10_000;
  } catch {
    return NaN;
  }
}

/** Decision events only (the other events cost the reader a scan, not the replay), cycled with fresh ids. */
function decisionSamples(distinct: number): NewEvent[] {
  const engine = compileEngine();
  const dir = simulatorDirectory(3);
  const rng = new Rng(99);
  const out: NewEvent[] = [];
  for (const req of gatewayTraffic({
    seed: 3,
    start: new Date('2026-11-01T00:00:00Z'),
    spanDays: 14,
    requests: distinct,
  })) {
    out.push(...requestEvents(req, engine, dir, rng).filter((e) => e.type === 'com.arx.policy.decided'));
  }
  return out;
}

async function fill(writer: ChainWriter, base: NewEvent[], count: number, tag: string): Promise<void> {
  let batch: NewEvent[] = [];
  for (let i = 0; i < count; i++) {
    batch.push({ ...base[i % base.length]!, id: `${tag}-${i}` });
    if (batch.length === 1000) {
      await writer.append(batch);
      batch = [];
    }
  }
  if (batch.length) await writer.append(batch);
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'arx-bench-reverify-'));
  console.log(
    `ARX decision re-verification: ${fmt(DECISIONS)} decisions, ${availableParallelism()} cores, load average ${load()}`,
  );
  const server = await startEmbeddedPostgres(dir);
  const admin = new pg.Pool({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    database: server.database,
    max: 2,
  });
  try {
    const c = await admin.connect();
    await migrate(c);
    await createLoginRole(c, 'bench_gateway', server.gatewayPassword, 'arx_gateway');
    await createLoginRole(c, 'bench_console', server.consolePassword, 'arx_console');
    c.release();
    const at = { host: server.host, port: server.port, database: server.database, max: 8 };
    const gateway = new pg.Pool({ ...at, user: 'bench_gateway', password: server.gatewayPassword });
    const consolePool = new pg.Pool({ ...at, user: 'bench_console', password: server.consolePassword });
    const b3 = await loadBlake3();
    const engine = compileEngine();
    const op = randomUUID();
    await admin.query(`INSERT INTO arx.operators (id, edipi, display_name) VALUES ($1, '1999999999', 'BENCH.AUTHOR')`, [
      op,
    ]);

    const mkTenant = async (base: NewEvent[], tag: string) => {
      const id = randomUUID();
      const policyId = randomUUID();
      await admin.query(`INSERT INTO arx.tenants (id, slug, name) VALUES ($1, $2, 'bench')`, [
        id,
        `b-${id.slice(0, 8)}`,
      ]);
      await admin.query(`INSERT INTO arx.policies (id, tenant_id, name) VALUES ($1, $2, 'gateway')`, [policyId, id]);
      await admin.query(
        `INSERT INTO arx.policy_versions (sha256, blake3, tenant_id, policy_id, policy_text, schema_text, tests, author_id, state) VALUES ($1, $2, $3, $4, $5, $6, '[]', $7, 'published')`,
        [
          Buffer.from(engine.version.sha256, 'hex'),
          Buffer.from(engine.version.blake3, 'hex'),
          id,
          policyId,
          DEFAULT_POLICY_TEXT,
          GATEWAY_SCHEMA,
          op,
        ],
      );
      await fill(new ChainWriter(gateway, id, { source: '/arx/gateway/bench', blake3: b3 }), base, DECISIONS, tag);
      return id;
    };
    process.stderr.write('  writing decisions…\n');
    // Fully varied: every decision of the varied tenant is its own simulated request (none repeats).
    const distinct = decisionSamples(DECISIONS);
    process.stderr.write(`  ${fmt(distinct.length)} decisions simulated\n`);
    {
      const keys = new Set(
        distinct.map((e) => {
          const d = e.data as PolicyDecidedData;
          return JSON.stringify([d.policyVersion, d.principal, d.action, d.resource, d.context, d.entities]);
        }),
      );
      const entitySets = new Set(distinct.map((e) => JSON.stringify((e.data as PolicyDecidedData).entities)));
      console.log(
        `simulated traffic: ${fmt(distinct.length)} decisions, ${(100 * (1 - keys.size / distinct.length)).toFixed(1)}% identical to an earlier request (the context carries the time and token count); ${fmt(entitySets.size)} distinct entity sets`,
      );
    }
    const varied = await mkTenant(distinct, 'v');
    // Retries and repeated requests: DECISIONS/12 distinct requests, each 12 times (same entities and context).
    const repeated = await mkTenant(distinct.slice(0, Math.ceil(DECISIONS / 12)), 'r');
    await admin.query('VACUUM (ANALYZE) arx.audit_events');

    // The engine alone, one thread, no database: the floor per core (wall and CPU time per decision).
    const requests = distinct.slice(0, 2000).map((e) => {
      const d = e.data as PolicyDecidedData;
      return {
        principal: d.principal,
        action: d.action,
        resource: d.resource,
        context: d.context,
        entities: d.entities,
      } as CedarRequest;
    });
    let n = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    while (performance.now() - t0 < 2000)
      for (const r of requests) {
        engine.evaluate(r);
        n++;
      }
    const floor = n / ((performance.now() - t0) / 1000);
    const floorCpu = cpuMicros(process.cpuUsage(cpu0)) / n;
    console.log(
      `engine.evaluate, 1 thread, no database:      ${fmt(floor)} decisions/s (${floorCpu.toFixed(0)} µs CPU per decision)  [load ${load()}]`,
    );

    // The console's pool is started once and kept (warm); this is its one-time start-up.
    const tw = performance.now();
    const pool = new ReplayPool(2);
    await pool.warm();
    console.log(`replay pool start-up (2 workers, once per console): ${fmt(performance.now() - tw)} ms`);

    // The pool alone, rows in memory (no database, no COPY): the workers' own rate on 1 and 2 threads.
    const version = { ...engine.version, text: DEFAULT_POLICY_TEXT, schema: GATEWAY_SCHEMA, tests: [] };
    const memRows: DecisionRow[] = distinct.slice(0, Math.min(distinct.length, 20_000)).map((e, i) => ({
      seq: i,
      eventId: `m-${i}`,
      columnSaysDecided: true,
      bytes: Buffer.from(
        JSON.stringify({
          specversion: '1.0',
          id: `m-${i}`,
          source: '/arx/gateway/bench',
          type: e.type,
          time: '2026-11-01T00:00:00Z',
          data: e.data,
        }),
      ),
    }));
    const poolOnly = async (workers: number) => {
      let best = 0;
      let cpuPer = 0;
      for (let i = 0; i < 2; i++) {
        const job = pool.openJob({ versions: [version], problems: [], cacheLimit: 0, cap: 10 }, workers);
        const c0 = process.cpuUsage();
        const m0 = threadCpuMicros();
        const t = performance.now();
        const inFlight = new Set<Promise<unknown>>();
        let done = 0;
        for (let at = 0; at < memRows.length; at += 512) {
          const p: Promise<unknown> = job
            .replay(packRows(memRows.slice(at, at + 512)))
            .then((r) => (done += r.matched))
            .finally(() => inFlight.delete(p));
          inFlight.add(p);
          while (inFlight.size >= 2 * workers) await Promise.race(inFlight);
        }
        await Promise.all(inFlight);
        job.close();
        if (done !== memRows.length) throw new Error(`pool only: ${done} of ${memRows.length} matched`);
        const rate = memRows.length / ((performance.now() - t) / 1000);
        if (rate > best)
          [best, cpuPer] = [rate, (cpuMicros(process.cpuUsage(c0)) - (threadCpuMicros() - m0)) / memRows.length];
      }
      console.log(
        `${`replay pool alone, ${workers} worker${workers > 1 ? 's' : ''}, no database:`.padEnd(44)} ${fmt(best).padStart(7)} decisions/s (${cpuPer.toFixed(0)} µs CPU per decision outside the main thread, cache off)  [load ${load()}]`,
      );
      return best;
    };
    const alone1 = await poolOnly(1);
    const alone2 = await poolOnly(2);
    console.log(
      `replay pool alone, 2 workers / 1 worker: ${(alone2 / alone1).toFixed(2)}x (how this machine runs Cedar on two threads at once)`,
    );

    const run = async (label: string, tenant: string, workers: number, cacheLimit?: number) => {
      let best = 0;
      let bestCpu = 0;
      let split = '';
      let hits = 0;
      let lookups = 0;
      for (let i = 0; i < 2; i++) {
        process.stderr.write(`  ${label} run ${i + 1}\n`);
        const c0 = process.cpuUsage();
        const [main0, pg0] = [threadCpuMicros(), postgresCpuMicros(server.clusterDir)];
        const r = await reverifyDecisions(consolePool, tenant, {
          workers,
          pool,
          ...(cacheLimit !== undefined ? { cacheLimit } : {}),
        });
        const cpu = cpuMicros(process.cpuUsage(c0)) / r.total;
        const per = (a: number, b: number) => (a - b) / r.total;
        const [mainT, pgT] = [per(threadCpuMicros(), main0), per(postgresCpuMicros(server.clusterDir), pg0)];
        // The rest of this process: the workers (and V8's helper threads, GC and compilers).
        const workersT = cpu - mainT;
        if (r.total !== DECISIONS || r.matched !== DECISIONS)
          throw new Error(`${label}: ${r.matched} of ${r.total} matched, expected ${DECISIONS}`);
        const rate = r.total / (r.durationMs / 1000);
        if (rate > best) {
          [best, bestCpu, hits, lookups] = [rate, cpu, r.cacheHits, r.cacheLookups];
          // Where the CPU of a decision goes; 2 cores divided by the sum is the rate an idle machine allows.
          split = `workers and V8 helpers ${workersT.toFixed(0)} + main thread ${mainT.toFixed(0)} + PostgreSQL ${pgT.toFixed(0)} µs CPU per decision → ${fmt(2e6 / (workersT + mainT + pgT))}/s on 2 idle cores`;
        }
      }
      const hitRate = lookups ? `, cache hit rate ${((100 * hits) / lookups).toFixed(1)}%` : ', cache off';
      console.log(
        `${label.padEnd(44)} ${fmt(best).padStart(7)} decisions/s (${bestCpu.toFixed(0)} µs CPU per decision, this process${hitRate})  [load ${load()}]`,
      );
      console.log(`${''.padEnd(44)}   ${split}`);
      return best;
    };
    if (process.env.ARX_BENCH_INLINE) await run('re-verify, inline (no worker), varied:', varied, 0);
    const one = await run('re-verify, 1 worker, varied:', varied, 1);
    const two = await run('re-verify, 2 workers, varied:', varied, 2);
    await run('re-verify, 2 workers, varied, cache off:', varied, 2, 0);
    const cached = await run('re-verify, 2 workers, repeated requests:', repeated, 2);
    console.log(
      `2 workers / 1 worker: ${(two / one).toFixed(2)}x; 2 workers / engine floor (1 thread): ${(two / floor).toFixed(2)}x; repeated / varied: ${(cached / two).toFixed(2)}x`,
    );
    console.log(
      `goal 10,000 decisions/s on both cores: ${two >= 10_000 ? 'met' : 'NOT met'} (varied traffic), ${cached >= 10_000 ? 'met' : 'NOT met'} (repeated)  [load ${load()}]`,
    );
    await pool.close();
    await Promise.all([gateway.end(), consolePool.end()]);
  } finally {
    await admin.end().catch(() => {});
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
