/**
 * The explorer's figures: on N simulated events (default 1,000,000) in one tenant chain, the
 * first page (100 rows) of the explorer's query for no filter and for each filter alone, a deep
 * keyset page, facets, dashboard and an event's detail with its inclusion proof — medians of 7
 * runs, and the plan's access path, so that an index that stopped being used shows. Goal: each
 * page under 300 ms. Then the same pages, the dashboard and the facets side by side as the shared
 * console role and as an operator's own login role (row policy operator_scope), on the same chain
 * (explorer-row-policy.ts). Goal: the operator within 10 % of the console role.
 *
 *   npm run bench -- explorer      (ARX_BENCH_EVENTS, default 1,000,000)
 *
 * Events come from the simulator (Cedar decisions included) before timing, then are cycled with
 * fresh ids and shifted by the sample's time span per cycle, so the chain covers years of
 * traffic with realistic mixes of users, teams, models, costs and denials.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ed25519 } from '@noble/curves/ed25519.js';
import { ed25519Signer } from '../../shared/checkpoint';
import type { ExplorerFilter, ExplorerSort } from '../../shared/contract/domains/audit-explorer';
import { checkEvent } from '../../shared/explorer';
import { loadWasmMerkleHasher } from '../../electron/main/chain/node-crypto';
import { loadBlake3 } from '../../electron/main/crypto/blake3';
import { ChainWriter, type NewEvent } from '../../electron/main/controlplane/chain-writer';
import { Checkpointer } from '../../electron/main/controlplane/checkpointer';
import { startEmbeddedPostgres } from '../../electron/main/controlplane/embedded';
import { registerGatewayKey } from '../../electron/main/controlplane/gateway-keys';
import { migrate } from '../../electron/main/controlplane/migrate';
import { createLoginRole, withTenant } from '../../electron/main/controlplane/tenant-session';
import { loadDashboard } from '../../electron/main/explorer/dashboard';
import { loadEventDetail } from '../../electron/main/explorer/event-detail';
import { loadFacets } from '../../electron/main/explorer/facets';
import { InclusionProver, SubtreeCache } from '../../electron/main/explorer/proof';
import { pageSql, queryPage } from '../../electron/main/explorer/query';
import { compileEngine, requestEvents, simulatorDirectory } from '../../electron/main/simulator/simulate';
import { compareRowPolicies, operatorLoginPool } from './explorer-row-policy';
import { Rng } from '../../electron/main/simulator/population';
import { gatewayTraffic } from '../../electron/main/simulator/traffic';

const N = Number(process.env.ARX_BENCH_EVENTS ?? 1_000_000);
const RUNS = 7;
const GOAL_MS = 300;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function samples(): { events: NewEvent[]; spanMs: number } {
  const engine = compileEngine();
  const dir = simulatorDirectory(3);
  const rng = new Rng(99);
  const events: NewEvent[] = [];
  for (const req of gatewayTraffic({ seed: 3, start: new Date('2024-01-01T00:00:00Z'), spanDays: 14, requests: 3000 }))
    events.push(...requestEvents(req, engine, dir, rng));
  const times = events.map((e) => Date.parse(e.time!));
  return { events, spanMs: Math.max(...times) - Math.min(...times) + 86_400_000 };
}

function* cycle(base: { events: NewEvent[]; spanMs: number }, count: number): Generator<NewEvent[]> {
  let batch: NewEvent[] = [];
  for (let i = 0; i < count; i++) {
    const round = Math.floor(i / base.events.length);
    const e = base.events[i % base.events.length]!;
    const t = e.time!;
    const shifted = new Date(Date.parse(t) + round * base.spanMs).toISOString().slice(0, 23) + t.slice(23);
    batch.push({ ...e, id: `${e.id}/${round}`, time: shifted });
    if (batch.length === 1000) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'arx-bench-explorer-'));
  const load = () =>
    `load ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`;
  console.log(
    `ARX explorer benchmark: ${fmt(N)} events in one tenant, first page of 100 rows, median of ${RUNS} (goal < ${GOAL_MS} ms); ${load()}`,
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
    const at = { host: server.host, port: server.port, database: server.database, max: 4 };
    const gateway = new pg.Pool({ ...at, user: 'bench_gateway', password: server.gatewayPassword });
    const consolePool = new pg.Pool({ ...at, user: 'bench_console', password: server.consolePassword });
    const b3 = await loadBlake3();
    const hasher = await loadWasmMerkleHasher();

    const tenant = randomUUID();
    await admin.query(`INSERT INTO arx.tenants (id, slug, name) VALUES ($1, 'bench', 'bench')`, [tenant]);
    const secret = ed25519.utils.randomSecretKey();
    const signer = ed25519Signer('arx-gateway.bench', secret);
    await registerGatewayKey(admin, tenant, {
      name: signer.name,
      secretKey: secret,
      publicKey: signer.publicKey,
      validFrom: new Date(Date.now() - 3_600_000),
    });
    const cp = new Checkpointer(tenant, signer, { everyEvents: 10_000, everyMs: 3_600_000 }, () => new Date(), b3);
    const writer = new ChainWriter(gateway, tenant, {
      source: '/arx/gateway/bench',
      blake3: b3,
      afterAppend: cp.afterAppend,
    });
    const base = samples();
    let t0 = performance.now();
    let done = 0;
    for (const batch of cycle(base, N)) {
      await writer.append(batch);
      done += batch.length;
      if (done % 100_000 === 0) process.stderr.write(`  appended ${fmt(done)}\r`);
    }
    console.log(
      `seeded ${fmt(N)} events through the chain writer (with the 0006 indexes): ${fmt(N / ((performance.now() - t0) / 1000))} events/s`,
    );
    await admin.query('VACUUM (ANALYZE) arx.audit_events');
    const size = await admin.query<{ t: string; i: string }>(
      `SELECT pg_size_pretty(pg_table_size('arx.audit_events')) AS t, pg_size_pretty(pg_indexes_size('arx.audit_events')) AS i`,
    );
    console.log(`table ${size.rows[0]!.t}, all indexes ${size.rows[0]!.i}`);

    const facets = await withTenant(consolePool, tenant, (cl) => loadFacets(cl, tenant));
    const some = await admin.query<{ event_id: string; x_request: string; x_subject: string; time: Date }>(
      `SELECT event_id, x_request, x_subject, time FROM arx.audit_events WHERE tenant_id = $1 AND seq = $2`,
      [tenant, Math.floor(N / 2)],
    );
    const mid = some.rows[0]!;
    const day = mid.time.toISOString().slice(0, 10);
    const nextDay = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const desc: ExplorerSort = { key: 'time', direction: 'desc' };
    const cases: [string, ExplorerFilter, ExplorerSort][] = [
      ['no filter, newest first', {}, desc],
      ['no filter, oldest first', {}, { key: 'time', direction: 'asc' }],
      ['no filter, by seq', {}, { key: 'seq', direction: 'desc' }],
      ['no filter, by cost', {}, { key: 'cost', direction: 'desc' }],
      ['type = policy.decided', { type: 'com.arx.policy.decided' }, desc],
      ['type = budget.exceeded (rare)', { type: 'com.arx.budget.exceeded' }, desc],
      [`time range (one day)`, { timeFrom: `${day}T00:00:00Z`, timeTo: `${nextDay}T00:00:00Z` }, desc],
      [`user = ${facets.user[3]}`, { user: facets.user[3]! }, desc],
      [`team = ${facets.team[1]}`, { team: facets.team[1]! }, desc],
      [`provider = ${facets.provider[2]}`, { provider: facets.provider[2]! }, desc],
      [`model = ${facets.model[0]}`, { model: facets.model[0]! }, desc],
      ['decision = deny', { decision: 'deny' }, desc],
      ['classification = secret', { classification: 'secret' }, desc],
      [`reason = ${facets.reason[0]}`, { reason: facets.reason[0]! }, desc],
      ['cost 50…100 ¢', { costMin: 50, costMax: 100 }, desc],
      ['cost ≥ 500 ¢ (rare), by cost', { costMin: 500 }, { key: 'cost', direction: 'desc' }],
      ['search: event id', { search: mid.event_id }, desc],
      ['search: request id', { search: mid.x_request }, desc],
      ['search: subject', { search: mid.x_subject }, desc],
      [
        `team + provider + cost.recorded`,
        { team: facets.team[1]!, provider: facets.provider[2]!, type: 'com.arx.cost.recorded' },
        desc,
      ],
      [
        `deny + team, one day`,
        { decision: 'deny', team: facets.team[0]!, timeFrom: `${day}T00:00:00Z`, timeTo: `${nextDay}T00:00:00Z` },
        desc,
      ],
    ];

    const pad = Math.max(...cases.map(([n]) => n.length)) + 2;
    console.log(`\n${'query'.padEnd(pad)}${'median'.padStart(9)}   rows   plan`);
    const worst: number[] = [];
    for (const [name, filter, sort] of cases) {
      const times: number[] = [];
      let rows = 0;
      for (let i = 0; i < RUNS; i++) {
        const t = performance.now();
        const page = await withTenant(consolePool, tenant, (cl) => queryPage(cl, tenant, filter, sort, null, 100));
        times.push(performance.now() - t);
        rows = page.rows.length;
      }
      const plan = await withTenant(consolePool, tenant, async (cl) => {
        const q = pageSql(tenant, filter, sort, null, 100);
        const r = await cl.query<{ 'QUERY PLAN': string }>({ text: `EXPLAIN ${q.text}`, values: q.values });
        return r.rows
          .map((x) => x['QUERY PLAN'])
          .filter((l) => /Scan|Sort|BitmapOr/.test(l))
          .map((l) =>
            l
              .trim()
              .replace(/\s+\(cost=.*$/, '')
              .replace(/^->\s*/, ''),
          )
          .join(' ← ');
      });
      const m = median(times);
      worst.push(m);
      console.log(
        `${name.padEnd(pad)}${m.toFixed(1).padStart(7)} ms ${String(rows).padStart(5)}   ${m < GOAL_MS ? '' : 'OVER GOAL  '}${plan.slice(0, 150)}`,
      );
    }

    const operatorPool = await operatorLoginPool(admin, at, tenant);
    await compareRowPolicies(consolePool, operatorPool, tenant, cases, {
      runs: RUNS,
      limit: 0.1,
      lastTime: facets.lastTime!,
    });
    await operatorPool.end();

    // A deep page: the 51st page of the unfiltered list, reached by keyset (no OFFSET).
    let cursor: string | null = null;
    for (let i = 0; i < 50; i++)
      cursor = (await withTenant(consolePool, tenant, (cl) => queryPage(cl, tenant, {}, desc, cursor, 100))).next;
    const deep: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      await withTenant(consolePool, tenant, (cl) => queryPage(cl, tenant, {}, desc, cursor, 100));
      deep.push(performance.now() - t);
    }
    console.log(`${'page 51 (keyset)'.padEnd(pad)}${median(deep).toFixed(1).padStart(7)} ms`);

    const timed = async (label: string, fn: () => Promise<unknown>, runs = 3) => {
      const ts: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t = performance.now();
        await fn();
        ts.push(performance.now() - t);
      }
      console.log(
        `${label.padEnd(pad)}${median(ts).toFixed(1).padStart(7)} ms${runs > 1 ? ` (median of ${runs})` : ''}; ${load()}`,
      );
    };
    await timed('facets (loose index scans)', () => withTenant(consolePool, tenant, (cl) => loadFacets(cl, tenant)));
    await timed('dashboard, whole chain', () =>
      withTenant(consolePool, tenant, (cl) => loadDashboard(cl, tenant, null, null)),
    );
    const last30 = new Date(Date.parse(facets.lastTime!) - 30 * 86_400_000).toISOString();
    await timed('dashboard, last 30 days (default)', () =>
      withTenant(consolePool, tenant, (cl) => loadDashboard(cl, tenant, last30, null)),
    );
    const cache = new SubtreeCache();
    const seq = Math.floor(N * 0.9) + 17;
    let verdict = '';
    // Cold: nothing cached in this process; the first proof reads the chain hashes below the
    // checkpoint once (binary COPY) and hashes them in WASM (electron/main/explorer/proof.ts).
    await timed(
      'event detail + proof, cold cache (first proof)',
      async () => {
        const e = await withTenant(consolePool, tenant, (cl) =>
          loadEventDetail(cl, tenant, seq, { blake3: b3, hasher, cache }),
        );
        verdict = checkEvent(e).inclusion.state;
      },
      1,
    );
    const warmCache = new SubtreeCache();
    await timed(
      'proof cache warm-up (background, whole chain)',
      () =>
        withTenant(consolePool, tenant, async (cl) => {
          const r = await cl.query<{ size: string }>(
            'SELECT max(tree_size) AS size FROM arx.checkpoints WHERE tenant_id = $1',
            [tenant],
          );
          await new InclusionProver(cl, tenant, hasher, warmCache).warm(Number(r.rows[0]!.size));
        }),
      1,
    );
    await timed('event detail + proof after warm-up', () =>
      withTenant(consolePool, tenant, (cl) =>
        loadEventDetail(cl, tenant, seq - (123_457 % N), { blake3: b3, hasher, cache: warmCache }),
      ),
    );
    await timed('event detail + proof, warm cache', () =>
      withTenant(consolePool, tenant, (cl) => loadEventDetail(cl, tenant, seq - 5000, { blake3: b3, hasher, cache })),
    );
    const e = await withTenant(consolePool, tenant, (cl) =>
      loadEventDetail(cl, tenant, seq, { blake3: b3, hasher, cache }),
    );
    t0 = performance.now();
    const check = checkEvent(e);
    console.log(
      `${'checkEvent in shared/ (renderer)'.padEnd(pad)}${(performance.now() - t0).toFixed(1).padStart(7)} ms  (inclusion ${check.inclusion.state}, cold run ${verdict})`,
    );
    console.log(
      `\nfirst pages: median of medians ${median(worst).toFixed(1)} ms, slowest ${Math.max(...worst).toFixed(1)} ms, ${worst.filter((w) => w >= GOAL_MS).length} of ${worst.length} over ${GOAL_MS} ms`,
    );
    await Promise.all([gateway.end(), consolePool.end()]);
  } finally {
    await admin.end();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
