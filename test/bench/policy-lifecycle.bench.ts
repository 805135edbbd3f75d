// Policy lifecycle figures: impact replay throughput in recorded decisions per second on
// one and on both cores (goal: at least 10,000/s on both), and strict validation time of a
// 200-policy set (the editor's feedback after a keystroke; goal: median under 100 ms). Not a test:
// numbers depend on the machine. Run: npm run bench -- policy-lifecycle (ARX_BENCH_DECISIONS=N to change N).
import * as cedar from '../../electron/main/policy/cedar-node';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { ChainWriter, type NewEvent } from '../../electron/main/controlplane/chain-writer';
import { startEmbeddedPostgres } from '../../electron/main/controlplane/embedded';
import { migrate } from '../../electron/main/controlplane/migrate';
import { createLoginRole } from '../../electron/main/controlplane/tenant-session';
import { runImpact } from '../../electron/main/policy/impact';
import { Rng } from '../../electron/main/simulator/population';
import { compileEngine, requestEvents, simulatorDirectory } from '../../electron/main/simulator/simulate';
import { gatewayTraffic } from '../../electron/main/simulator/traffic';
import { DEFAULT_POLICIES, DEFAULT_POLICY_TEXT, validatePolicies } from '../../shared/policy';

const N = Number(process.env.ARX_BENCH_DECISIONS ?? 100_000);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const TIGHT = DEFAULT_POLICY_TEXT.replace(
  'when { context.estimatedCostCents > 200 }',
  'when { context.estimatedCostCents > 10 }',
);

/** 200 policies: the default set repeated with fresh ids and shifted thresholds (so none is a duplicate). */
function policySet200(): string {
  const out: string[] = [];
  for (let i = 0; out.length < 200; i++) {
    for (const p of DEFAULT_POLICIES) {
      if (out.length >= 200) break;
      out.push(p.text.replace(`@id("${p.id}")`, `@id("${p.id}.${i}")`).replace(/> 200\b/, `> ${200 + i}`));
    }
  }
  return `${out.join('\n\n')}\n`;
}

function validationFigures() {
  const text = policySet200();
  const report = validatePolicies(cedar, text);
  if (!report.ok || report.policyIds.length !== 200)
    throw new Error(`the 200-policy set does not validate: ${report.errors[0]?.message}`);
  const times: number[] = [];
  for (let k = 0; k < 30; k++) {
    // A keystroke changes the text: vary one character so nothing can be cached between runs.
    const edited = text.replace('> 201', `> ${201 + (k % 7)}`);
    const t0 = performance.now();
    validatePolicies(cedar, edited);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  console.log(
    `validate 200 policies (${fmt(text.length)} chars): median ${times[15]!.toFixed(1)} ms, p90 ${times[27]!.toFixed(1)} ms (goal < 100 ms)`,
  );
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'arx-bench-policy-'));
  const server = await startEmbeddedPostgres(dir);
  const admin = new pg.Pool({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    database: server.database,
    max: 2,
  });
  admin.on('error', () => {});
  try {
    const c = await admin.connect();
    await migrate(c);
    await createLoginRole(c, 'bench_console', server.consolePassword, 'arx_console');
    c.release();
    const consolePool = new pg.Pool({
      host: server.host,
      port: server.port,
      database: server.database,
      user: 'bench_console',
      password: server.consolePassword,
      max: 8,
    });
    consolePool.on('error', () => {});
    const tenant = randomUUID();
    await admin.query(`INSERT INTO arx.tenants (id, slug, name) VALUES ($1, 'bench-policy', 'bench')`, [tenant]);

    // N recorded decisions (only the decided events: they are what impact analysis reads).
    const engine = compileEngine();
    const directory = simulatorDirectory(5);
    const rng = new Rng(17);
    const writer = new ChainWriter(admin, tenant, { source: '/arx/gateway/bench' });
    let batch: NewEvent[] = [];
    let written = 0;
    const t0 = performance.now();
    for (const req of gatewayTraffic({ seed: 5, start: new Date('2026-11-01T00:00:00Z'), spanDays: 14, requests: N })) {
      const decided = requestEvents(req, engine, directory, rng).find((e) => e.type === 'com.arx.policy.decided')!;
      batch.push(decided);
      if (batch.length === 2000) {
        await writer.append(batch);
        written += batch.length;
        batch = [];
        process.stderr.write(`  recorded ${fmt(written)}\r`);
      }
    }
    if (batch.length) await writer.append(batch);
    console.log(`recorded ${fmt(N)} decisions in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await admin.query('VACUUM ANALYZE arx.audit_events');

    const rates: number[] = [];
    for (const workers of [1, 2]) {
      let best = 0;
      let bestSteady = 0;
      let flips = '';
      for (let k = 0; k < 2; k++) {
        // Steady state: from the first finished batch to the last (worker start-up and compile excluded).
        let first: { t: number; n: number } | null = null;
        let last = { t: 0, n: 0 };
        const r = await runImpact(consolePool, {
          tenantId: tenant,
          text: TIGHT,
          schema: null,
          window: { lastDecisions: N },
          workers,
          onProgress: (n) => {
            if (n === 0) return;
            const t = performance.now();
            first ??= { t, n };
            last = { t, n };
          },
        });
        best = Math.max(best, r.replayed / (r.elapsedMs / 1000));
        const f = first as { t: number; n: number } | null;
        if (f && last.t > f.t) bestSteady = Math.max(bestSteady, (last.n - f.n) / ((last.t - f.t) / 1000));
        flips = `${fmt(r.totals.permitToDeny)} permit→deny, ${fmt(r.totals.denyToPermit)} deny→permit`;
      }
      rates.push(bestSteady);
      console.log(
        `impact replay, ${workers} worker${workers > 1 ? 's' : ' '}:  ${fmt(bestSteady)} decisions/s steady, ${fmt(best)} decisions/s end to end (best of 2; ${flips})${workers === 2 ? ' (goal ≥ 10,000/s)' : ''}`,
      );
    }
    console.log(`ratio 2 workers / 1 worker (steady): ${(rates[1]! / rates[0]!).toFixed(2)}x`);
    await consolePool.end();
  } finally {
    await admin.end();
    await server.stop();
    rmSync(server.clusterDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
validationFigures();
