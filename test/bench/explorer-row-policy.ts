/**
 * The explorer's queries side by side under two row policies, for explorer.bench.ts: as the shared
 * console role (`tenant_isolation`: the tenant setting only, as before operators had identities of
 * their own) and as an operator's own login role (`operator_scope`: the tenant setting, kept only
 * where the operator holds a role, `arx.operator_tenant()` of migration 0024, reading 0030's derived table; what the console runs as now). Same chain, same connection count,
 * runs interleaved so that a change of load hits both sides alike.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import pg from 'pg';
import type { ExplorerFilter, ExplorerSort } from '../../shared/contract/domains/audit-explorer';
import { enrolOperatorLogin } from '../../electron/main/controlplane/repos/operator-logins';
import { withTenant } from '../../electron/main/controlplane/tenant-session';
import { scramSha256Verifier } from '../../electron/main/crypto/scram';
import { loadDashboard } from '../../electron/main/explorer/dashboard';
import { loadFacets } from '../../electron/main/explorer/facets';
import { pageSql, queryPage } from '../../electron/main/explorer/query';

export type ExplorerCase = [string, ExplorerFilter, ExplorerSort];

interface Server {
  host: string;
  port: number;
  database: string;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

/** An active auditor of `tenant` with a login role of their own (what a card login unwraps). */
export async function operatorLoginPool(admin: pg.Pool, server: Server, tenant: string): Promise<pg.Pool> {
  const id = randomUUID();
  await admin.query(`INSERT INTO arx.operators (id, edipi, display_name) VALUES ($1, '1000009999', 'BENCH.OPERATOR')`, [
    id,
  ]);
  await admin.query(`INSERT INTO arx.role_grants (tenant_id, operator_id, role) VALUES ($1, $2, 'auditor')`, [
    tenant,
    id,
  ]);
  const password = randomBytes(32).toString('base64url');
  const role = await enrolOperatorLogin(admin, {
    operatorId: id,
    scramVerifier: scramSha256Verifier(password),
    wrap: randomBytes(64),
    wrapKeySha256: randomBytes(32),
  });
  return new pg.Pool({ ...server, max: 4, user: role, password });
}

async function timeSide(pool: pg.Pool, tenant: string, run: (c: pg.PoolClient) => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await withTenant(pool, tenant, run);
  return performance.now() - t;
}

/** Median of `runs` of `run` on each pool, interleaved (console, operator, console, …). */
async function sideBySide(
  pools: [pg.Pool, pg.Pool],
  tenant: string,
  runs: number,
  run: (c: pg.PoolClient) => Promise<unknown>,
): Promise<[number, number]> {
  const ts: [number[], number[]] = [[], []];
  await timeSide(pools[0], tenant, run);
  await timeSide(pools[1], tenant, run);
  for (let i = 0; i < runs; i++) for (const s of [0, 1] as const) ts[s].push(await timeSide(pools[s], tenant, run));
  return [median(ts[0]), median(ts[1])];
}

async function planOf(pool: pg.Pool, tenant: string, c: ExplorerCase): Promise<string> {
  return withTenant(pool, tenant, async (cl) => {
    const q = pageSql(tenant, c[1], c[2], null, 100);
    const r = await cl.query<{ 'QUERY PLAN': string }>({ text: `EXPLAIN ANALYZE ${q.text}`, values: q.values });
    return r.rows.map((x) => `      ${x['QUERY PLAN']}`).join('\n');
  });
}

/**
 * Prints each case's first page (100 rows), the dashboard and the facets as the console role and
 * as the operator, with the ratio; a case more than `limit` slower as the operator gets its plan
 * (EXPLAIN ANALYZE, as the operator) printed beneath, so that the reason shows with the figure.
 */
export async function compareRowPolicies(
  consolePool: pg.Pool,
  operatorPool: pg.Pool,
  tenant: string,
  cases: ExplorerCase[],
  opts: { runs: number; limit: number; lastTime: string },
): Promise<void> {
  const pools: [pg.Pool, pg.Pool] = [consolePool, operatorPool];
  const pad = Math.max(...cases.map(([n]) => n.length)) + 2;
  console.log(
    `\nrow policies side by side (medians of ${opts.runs}, interleaved; load ${load()})\n${'query'.padEnd(pad)}  console  operator   ratio`,
  );
  const ratios: number[] = [];
  const line = (name: string, [a, b]: [number, number]) => {
    ratios.push(b / a);
    const over = b / a > 1 + opts.limit ? '  OVER' : '';
    console.log(
      `${name.padEnd(pad)}${a.toFixed(1).padStart(7)} ms${b.toFixed(1).padStart(7)} ms${(b / a).toFixed(2).padStart(8)}${over}`,
    );
    return over !== '';
  };
  for (const c of cases) {
    const times = await sideBySide(pools, tenant, opts.runs, (cl) => queryPage(cl, tenant, c[1], c[2], null, 100));
    if (line(c[0], times)) console.log(await planOf(operatorPool, tenant, c));
  }
  const last30 = new Date(Date.parse(opts.lastTime) - 30 * 86_400_000).toISOString();
  line('dashboard, last 30 days', await sideBySide(pools, tenant, 3, (cl) => loadDashboard(cl, tenant, last30, null)));
  line('dashboard, whole chain', await sideBySide(pools, tenant, 3, (cl) => loadDashboard(cl, tenant, null, null)));
  line('facets', await sideBySide(pools, tenant, 3, (cl) => loadFacets(cl, tenant)));
  const over = ratios.filter((r) => r > 1 + opts.limit).length;
  console.log(
    `operator / console: median ratio ${median(ratios).toFixed(3)}, worst ${Math.max(...ratios).toFixed(2)}, ${over} of ${ratios.length} over ${(1 + opts.limit).toFixed(2)}; load ${load()}`,
  );
}
