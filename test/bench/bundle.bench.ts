/**
 * Issue 8's figures: export and offline verification of evidence bundles of 100k and 1M simulated
 * events (about 1 KB each): events/s, MB/s, peak memory (RSS growth sampled during the run), the
 * bundle's size against the raw event bytes, and verification time against `b3sum` over the same
 * event bytes (events.bin) — the goal is within 2× of b3sum plus the signature checks.
 *
 *   node --import tsx test/bench/bundle.bench.ts          (ARX_BENCH_BUNDLE_SIZES=100000,1000000)
 *
 * The manifest is signed with a software P-256 key certified by the test PKI (the card is not what
 * is measured); decisions are re-verified with the default policy (its version is stored unsigned,
 * so the policy-signature check fails — expected here, and it is not what is timed).
 */
import 'reflect-metadata';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomUUID, webcrypto } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import pg from 'pg';
import type { NewEvent } from '../../electron/main/controlplane/chain-writer';
import { ChainWriter } from '../../electron/main/controlplane/chain-writer';
import { Checkpointer } from '../../electron/main/controlplane/checkpointer';
import { startEmbeddedPostgres } from '../../electron/main/controlplane/embedded';
import { registerGatewayKey } from '../../electron/main/controlplane/gateway-keys';
import { migrate } from '../../electron/main/controlplane/migrate';
import { createLoginRole } from '../../electron/main/controlplane/tenant-session';
import { compileEngine, requestEvents, simulatorDirectory } from '../../electron/main/simulator/simulate';
import { Rng } from '../../electron/main/simulator/population';
import { gatewayTraffic } from '../../electron/main/simulator/traffic';
import { loadWasmBlake3 } from '../../electron/main/chain/wasm-blake3';
import { exportBundle } from '../../electron/main/bundle/export';
import { loadBundleTrust } from '../../electron/main/bundle/trust';
import { verifyBundle } from '../../electron/main/bundle/verify';
import { createTestPki, issueCardCertificate, issueCrl } from '../../electron/main/pki/test-pki';
import { ed25519Signer } from '../../shared/checkpoint';
import { DEFAULT_POLICY_TEXT, GATEWAY_SCHEMA } from '../../shared/policy';

const SIZES = (process.env.ARX_BENCH_BUNDLE_SIZES ?? '100000,1000000').split(',').map(Number);
const N = Math.max(...SIZES);
const BATCH = 1000;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (n: number) => (n / 1e6).toFixed(1);

function samples(): NewEvent[] {
  const engine = compileEngine();
  const dir = simulatorDirectory(3);
  const rng = new Rng(99);
  const out: NewEvent[] = [];
  for (const req of gatewayTraffic({ seed: 3, start: new Date('2026-11-01T00:00:00Z'), spanDays: 14, requests: 2000 })) out.push(...requestEvents(req, engine, dir, rng));
  return out;
}

/** Peak RSS growth while `fn` runs, sampled every 20 ms. */
async function peak<T>(fn: () => Promise<T>): Promise<{ value: T; peakMb: number; seconds: number }> {
  global.gc?.();
  const base = process.memoryUsage().rss;
  let max = base;
  const timer = setInterval(() => (max = Math.max(max, process.memoryUsage().rss)), 20);
  const t0 = performance.now();
  try {
    const value = await fn();
    max = Math.max(max, process.memoryUsage().rss);
    return { value, peakMb: (max - base) / 2 ** 20, seconds: (performance.now() - t0) / 1000 };
  } finally {
    clearInterval(timer);
  }
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'arx-bench-bundle-'));
  console.log(`ARX bundle benchmark: sizes ${SIZES.map(fmt).join(', ')} events ${process.env.ARX_BENCH_NOTE ?? ''}`);
  const server = await startEmbeddedPostgres(dir);
  const admin = new pg.Pool({ host: server.host, port: server.port, user: server.user, password: server.password, database: server.database, max: 2 });
  try {
    const c = await admin.connect();
    await migrate(c);
    await createLoginRole(c, 'bench_gateway', server.gatewayPassword, 'arx_gateway');
    await createLoginRole(c, 'bench_console', server.consolePassword, 'arx_console');
    c.release();
    const at = { host: server.host, port: server.port, database: server.database, max: 4 };
    const gateway = new pg.Pool({ ...at, user: 'bench_gateway', password: server.gatewayPassword });
    const consolePool = new pg.Pool({ ...at, user: 'bench_console', password: server.consolePassword });
    const b3 = await loadWasmBlake3();

    // A tenant with N events, a checkpoint every 10,000, and the policy version its decisions name.
    const tenant = randomUUID();
    await admin.query(`INSERT INTO arx.tenants (id, slug, name) VALUES ($1, 'bench', 'bench')`, [tenant]);
    const secret = ed25519.utils.randomSecretKey();
    const signer = ed25519Signer('arx-gateway.bench', secret);
    await registerGatewayKey(admin, tenant, { name: signer.name, secretKey: secret, publicKey: signer.publicKey, validFrom: new Date(Date.now() - 3_600_000) });
    const cp = new Checkpointer(tenant, signer, { everyEvents: 10_000, everyMs: 3_600_000 }, () => new Date(), b3);
    const writer = new ChainWriter(gateway, tenant, { source: '/arx/gateway/bench', blake3: b3, afterAppend: cp.afterAppend });
    const engine = compileEngine();
    const operator = randomUUID();
    await admin.query(`INSERT INTO arx.operators (id, edipi, display_name) VALUES ($1, '1999999999', 'BENCH')`, [operator]);
    const policyId = randomUUID();
    const ac = await admin.connect();
    await ac.query('BEGIN');
    await ac.query("SELECT set_config('arx.tenant_id', $1, true)", [tenant]);
    await ac.query(`INSERT INTO arx.policies (id, tenant_id, name) VALUES ($1, $2, 'gateway')`, [policyId, tenant]);
    await ac.query(
      `INSERT INTO arx.policy_versions (sha256, blake3, tenant_id, policy_id, policy_text, schema_text, tests, author_id, state) VALUES ($1, $2, $3, $4, $5, $6, '[]', $7, 'published')`,
      [Buffer.from(engine.version.sha256, 'hex'), Buffer.from(engine.version.blake3, 'hex'), tenant, policyId, DEFAULT_POLICY_TEXT, GATEWAY_SCHEMA, operator],
    );
    await ac.query('COMMIT');
    ac.release();
    const base = samples();
    const t0 = performance.now();
    let batch: NewEvent[] = [];
    // One extra batch so that a checkpoint covers the last event of the largest range.
    for (let i = 0; i < N + 10_000; i++) {
      batch.push({ ...base[i % base.length]!, id: `e-${i}` });
      if (batch.length === BATCH) {
        await writer.append(batch);
        batch = [];
        if (i % 100_000 === BATCH - 1) process.stderr.write(`  appended ${fmt(i + 1)}\r`);
      }
    }
    if (batch.length) await writer.append(batch);
    console.log(`wrote ${fmt(N + 10_000)} events in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    await admin.query('VACUUM (ANALYZE) arx.audit_events');

    // The exporter's signing key and certificate (test PKI), and the auditor's trust directory.
    const pki = await createTestPki();
    const secretKey = p256.utils.randomSecretKey();
    const publicKey = await webcrypto.subtle.importKey('raw', p256.getPublicKey(secretKey, false), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']);
    const cert = await issueCardCertificate(pki, { person: { last: 'BENCH', first: 'B', middle: 'B', edipi: '1999999999' }, usage: 'signature', case: 'good', publicKey, keyType: 'ec' });
    const certDer = new Uint8Array(cert.rawData);
    const trustDir = join(dir, 'trust');
    mkdirSync(join(trustDir, 'anchors'), { recursive: true });
    mkdirSync(join(trustDir, 'crls'));
    writeFileSync(join(trustDir, 'anchors', 'root.pem'), pki.root.cert.toString('pem'));
    writeFileSync(join(trustDir, 'crls', 'root.pem'), (await issueCrl(pki.root, [])).toString('pem'));
    writeFileSync(join(trustDir, 'crls', 'intermediate.pem'), (await issueCrl(pki.intermediate, [])).toString('pem'));
    writeFileSync(join(trustDir, 'policy-arcs.txt'), `${pki.policyArc}\n`);
    const trust = loadBundleTrust(trustDir);
    const store = { anchors: [], intermediates: [pki.intermediate.cert], crls: [] };
    const session = { operatorId: operator, edipi: '1999999999', displayName: 'BENCH', tokenLabel: 'soft', certificateSha256: createHash('sha256').update(certDer).digest('hex'), roles: [], startedAt: new Date().toISOString(), locked: false, lockReason: null };

    const b3sum = spawnSync('b3sum', ['--version'], { encoding: 'utf8' }).status === 0;
    for (const size of SIZES) {
      const out = join(dir, `bundle-${size}.arxbundle`);
      const ex = await peak(() =>
        exportBundle(consolePool, {
          tenantId: tenant,
          from: 0,
          to: size - 1,
          outPath: out,
          session,
          sign: async (_purpose, digest) => {
            // The card signs the SHA-256 digest; here a software key signs the same digest (ECDSA, no second hash).
            const sig = p256.sign(digest, secretKey, { prehash: false, format: 'der' });
            return { operator: session, purpose: 'bench', algorithm: 'ECDSA', signature: sig, raw: new Uint8Array(), certificateDer: certDer, certificateSha256: session.certificateSha256 };
          },
          trustStore: store,
          blake3: b3,
        }),
      );
      const r = ex.value;
      console.log(`\n${fmt(size)} events (${mb(r.eventBytes)} MB of event bytes)`);
      console.log(`  export:  ${fmt(size / ex.seconds)} events/s, ${mb(r.eventBytes / ex.seconds)} MB/s, ${ex.seconds.toFixed(1)} s, peak RSS +${ex.peakMb.toFixed(0)} MiB`);
      console.log(`  bundle:  ${mb(r.bytes)} MB = ${(r.bytes / r.eventBytes).toFixed(3)} × the raw event bytes`);
      const v = await peak(() => verifyBundle(out, { trust, blake3: b3 }));
      const failedChecks = v.value.checks.filter((x) => !x.ok).map((x) => x.id);
      console.log(`  verify:  ${fmt(size / v.seconds)} events/s, ${mb(r.bytes / v.seconds)} MB/s, ${v.seconds.toFixed(1)} s, peak RSS +${v.peakMb.toFixed(0)} MiB (failed checks: ${failedChecks.join(', ') || 'none'}${v.value.fatal ? `, fatal ${v.value.fatal.code}` : ''})`);
      const noDecisions = await peak(() => verifyBundle(out, { trust, blake3: b3, replayDecisions: false }));
      console.log(`  verify without decision replay: ${fmt(size / noDecisions.seconds)} events/s, ${noDecisions.seconds.toFixed(1)} s`);
      if (b3sum) {
        const x = join(dir, `x-${size}`);
        mkdirSync(x);
        execFileSync('tar', ['-xf', out, '-C', x, 'events.bin']);
        const ev = join(x, 'events.bin');
        const time = (args: string[]) => {
          let best = Infinity;
          for (let i = 0; i < 3; i++) {
            const s = performance.now();
            execFileSync('b3sum', [...args, ev]);
            best = Math.min(best, (performance.now() - s) / 1000);
          }
          return best;
        };
        const all = time([]);
        const one = time(['--num-threads', '1']);
        console.log(`  b3sum events.bin (${mb(statSync(ev).size)} MB): ${all.toFixed(2)} s all cores, ${one.toFixed(2)} s one thread`);
        console.log(`  ratio verify / b3sum: ${(v.seconds / all).toFixed(1)}× (all cores), ${(v.seconds / one).toFixed(1)}× (one thread); without decision replay ${(noDecisions.seconds / one).toFixed(1)}× (one thread)`);
        rmSync(x, { recursive: true, force: true });
      }
      rmSync(out, { force: true });
    }
    await gateway.end();
    await consolePool.end();
  } finally {
    await admin.end();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
