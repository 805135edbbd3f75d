/**
 * The access review at enclave scale: ARX_BENCH_OPERATORS operators (default 10,000) in
 * ARX_BENCH_TENANTS tenants (default 20), each holding a role in ARX_BENCH_TENANTS_PER_OPERATOR of
 * them (default 20: the full matrix, 200,001 grants), every grant signed by an administrator (ECDSA
 * P-256, a software key standing in for the card: signing is not what is timed).
 *
 * Timed, what the Administration screen waits for before it can draw: the `admin.accessReviewPage`
 * handler's work on the administrator's own login role — the exact counts and one page of 100 in
 * the control plane (migration 0029), the page's certificates, its card signatures verified now,
 * the response checked against the contract's schema as the registry does, and its JSON as it
 * crosses to the window. First page, a middle and the last page, a text filter and the problems
 * filter; the first call in the process (no memoised signature outcome) and the median of the next
 * five. Goal: under one second. Then, apart, the full verification (every grant in batches, as the
 * "Verify all" job walks them): grants per second. ARX_BENCH_VERIFY_ALL=0 skips it.
 *
 *   npm run bench -- access-review
 *
 * Seeded by SQL as the superuser (test/support/review-seed.ts), except the administrator,
 * bootstrapped as the guide does. The renderer is not driven here: it draws the one page it gets.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { AccessReviewPageSchema } from '../../shared/contract/domains/admin-access-review';
import { accessReviewPage, walkReview } from '../../electron/main/administration/access-review-pages';
import { bootstrapControlPlane } from '../../electron/main/administration/bootstrap';
import { startEmbeddedPostgres } from '../../electron/main/controlplane/embedded';
import { migrate } from '../../electron/main/controlplane/migrate';
import { capturingEnroller } from '../support/admin-cards';
import { seedSignedGrants, softwareCard } from '../support/review-seed';

const OPERATORS = Number(process.env.ARX_BENCH_OPERATORS ?? 10_000);
const TENANTS = Number(process.env.ARX_BENCH_TENANTS ?? 20);
const PER_OPERATOR = Number(process.env.ARX_BENCH_TENANTS_PER_OPERATOR ?? 20);
const VERIFY_ALL = process.env.ARX_BENCH_VERIFY_ALL !== '0';
const RUNS = 6;
const PAGE = 100;
const GOAL_MS = 1000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const load = () =>
  `load ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`;

type Req = Parameters<typeof accessReviewPage>[1];

/** One page as the handler makes it, timed in parts: control plane and signatures, schema, JSON. */
async function timedPage(own: pg.Pool, req: Req) {
  const a = performance.now();
  const page = await accessReviewPage(own, req, []);
  const b = performance.now();
  AccessReviewPageSchema.parse({ ...page, verifiedAll: null });
  const c = performance.now();
  const json = JSON.stringify({ ok: true, value: { ...page, verifiedAll: null } });
  const d = performance.now();
  if (page.entries.some((e) => e.grant !== 'verified' && e.grant !== 'bootstrap'))
    throw new Error('a seeded grant does not verify');
  return { handler: b - a, schema: c - b, json: d - c, total: d - a, bytes: json.length, page };
}

async function pages(own: pg.Pool, total: number) {
  const last = Math.ceil(total / PAGE);
  const cases: [string, Req][] = [
    ['first page', { text: '', problemsOnly: false, expiringOnly: false, page: 1, pageSize: PAGE }],
    ['middle page', { text: '', problemsOnly: false, expiringOnly: false, page: Math.ceil(last / 2), pageSize: PAGE }],
    ['last page', { text: '', problemsOnly: false, expiringOnly: false, page: last, pageSize: PAGE }],
    ['filter "4000004242"', { text: '4000004242', problemsOnly: false, expiringOnly: false, page: 1, pageSize: PAGE }],
    [
      'filter "bench-7", page 3',
      { text: 'bench-7', problemsOnly: false, expiringOnly: false, page: 3, pageSize: PAGE },
    ],
    ['problems only', { text: '', problemsOnly: true, expiringOnly: false, page: 1, pageSize: PAGE }],
  ];
  for (const [label, req] of cases) {
    const runs: Awaited<ReturnType<typeof timedPage>>[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(await timedPage(own, req));
    const first = runs[0]!;
    const again = (k: 'handler' | 'schema' | 'json' | 'total') => median(runs.slice(1).map((r) => r[k]));
    console.log(
      `${label}: ${first.page.entries.length} rows of ${fmt(first.page.matching)} matching, ${(first.bytes / 1e3).toFixed(0)} kB JSON; ` +
        `first ${fmt(first.total)} ms (handler ${fmt(first.handler)}), again ${fmt(again('total'))} ms ` +
        `(handler ${fmt(again('handler'))}, schema ${again('schema').toFixed(1)}, JSON ${again('json').toFixed(1)}) — ` +
        `${Math.max(first.total, again('total')) < GOAL_MS ? 'within' : 'OVER'} the ${GOAL_MS} ms goal; ${load()}`,
    );
  }
}

async function verifyAll(own: pg.Pool) {
  const t0 = performance.now();
  let checked = 0;
  let problems = 0;
  for await (const batch of walkReview(own)) {
    checked += batch.length;
    problems += batch.filter((r) => r.entry.grant !== 'verified' && r.entry.grant !== 'bootstrap').length;
  }
  const s = (performance.now() - t0) / 1000;
  console.log(
    `full verification (every grant, batches of 2,000, signatures already memoised for none but the pages above): ` +
      `${fmt(checked)} grants in ${s.toFixed(1)} s = ${fmt(checked / s)} grants/s, ${problems} problems; ${load()}`,
  );
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'arx-bench-review-'));
  console.log(
    `ARX access review benchmark: ${fmt(OPERATORS)} operators in ${TENANTS} tenants, ${PER_OPERATOR} tenant(s) each: ${fmt(OPERATORS * PER_OPERATOR)} signed grants; a page of ${PAGE}, the first call and the median of the next ${RUNS - 1} (goal < ${GOAL_MS} ms); ${load()}`,
  );
  const server = await startEmbeddedPostgres(dir);
  const at = { host: server.host, port: server.port, database: server.database };
  const admin = new pg.Pool({ ...at, user: server.user, password: server.password, max: 2 });
  try {
    const c = await admin.connect();
    await migrate(c);
    c.release();
    const signer = await softwareCard('3999999999');
    const passwords = new Map<string, string>();
    const boot = await bootstrapControlPlane(admin, [signer.card], capturingEnroller(passwords));
    const me = boot.administrators[0]!;
    const t0 = performance.now();
    await seedSignedGrants(admin, me.operatorId, signer, {
      operators: OPERATORS,
      tenants: TENANTS,
      perOperator: PER_OPERATOR,
    });
    console.log(`seeded in ${fmt(performance.now() - t0)} ms`);
    const own = new pg.Pool({ ...at, user: me.loginRole, password: passwords.get(me.loginRole)!, max: 2 });
    await pages(own, OPERATORS * PER_OPERATOR + 1);
    if (VERIFY_ALL) await verifyAll(own);
    await own.end();
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
