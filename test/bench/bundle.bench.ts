/**
 * Issue 8's figures: export and `arx bundle verify` of evidence bundles of 100k and 1M simulated
 * events (about 620 bytes each): events/s, MB/s, peak memory, the bundle's size against the raw event
 * bytes, and verification time against `b3sum` over the same event bytes (events.bin) — the goal
 * is within 2× of b3sum plus the signature checks, and memory that stays flat as the range grows.
 *
 *   npm run bench -- bundle            (ARX_BENCH_BUNDLE_SIZES=100000,1000000 by default)
 *   ARX_BENCH_BUNDLE_KEEP=DIR          keeps the bundles and the auditor's trust directory in DIR
 *
 * Each export and each verification runs in a child process of its own (bundle-child.ts), so its
 * peak RSS (resourceUsage().maxRSS, printed with the RSS after loading the modules and the growth
 * between the two) and its CPU time are that run's alone. Verification runs twice: the CLI command
 * as an auditor runs it (decisions re-verified with Cedar), and the API without decision replay.
 * Times are wall-clock on a shared 2-core machine: the load average is printed with them, and the
 * CPU-time ratios against b3sum are steadier than the wall-clock ones.
 *
 * The manifest is signed with a software P-256 key certified by the test PKI (the card is not what
 * is measured); decisions are re-verified with the default policy (its version is stored unsigned,
 * so the policy-signature check fails — expected here, and it is not what is timed).
 */
import 'reflect-metadata';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomUUID, webcrypto } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
import { loadWasmBlake3 } from '../../electron/main/chain/wasm-blake3';
import { createTestPki, issueCardCertificate, issueCrl } from '../../electron/main/pki/test-pki';
import { ed25519Signer } from '../../shared/checkpoint';
import { DEFAULT_POLICY_TEXT, GATEWAY_SCHEMA } from '../../shared/policy';
import type { ChildFigures, ExportChildConfig } from './bundle-child';
import { compileEngine } from '../../electron/main/simulator/simulate';
import { sampleGatewayEvents } from './sample-events';

const SIZES = (process.env.ARX_BENCH_BUNDLE_SIZES ?? '100000,1000000').split(',').map(Number);
const N = Math.max(...SIZES);
const BATCH = 1000;
const keep = process.env.ARX_BENCH_BUNDLE_KEEP;
const here = dirname(fileURLToPath(import.meta.url));
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (n: number) => (n / 1e6).toFixed(1);
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
const growth = (f: ChildFigures) => ((f.maxRssKiB - f.baseRssKiB) / 1024).toFixed(0);
const rss = (f: ChildFigures) => `peak RSS ${(f.maxRssKiB / 1024).toFixed(0)} MiB (${(f.baseRssKiB / 1024).toFixed(0)} MiB after loading, +${growth(f)} MiB)`;

const samples = sampleGatewayEvents;

/** Runs bundle-child.ts and returns the figures it prints on its last line. */
function child(args: string[]): ChildFigures {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'bundle-child.ts'), ...args], { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'inherit'] });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !last.startsWith('{')) throw new Error(`bundle-child ${args[0]} failed (exit ${r.status}): ${r.stdout.slice(-2000)}`);
  return JSON.parse(last) as ChildFigures;
}

/** Best of three runs of a native tool: wall-clock and CPU (user + system) seconds, from /usr/bin/time. */
function timed(cmd: string, args: string[]): { wall: number; cpu: number } {
  let best = { wall: Infinity, cpu: Infinity };
  for (let i = 0; i < 3; i++) {
    const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S', cmd, ...args], { encoding: 'utf8' });
    const [wall, user, sys] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number) as [number, number, number];
    if (wall < best.wall) best = { wall, cpu: user + sys };
  }
  return best;
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
    if (keep) mkdirSync(keep, { recursive: true });
    const trustDir = join(keep ?? dir, 'trust');
    rmSync(trustDir, { recursive: true, force: true });
    mkdirSync(join(trustDir, 'anchors'), { recursive: true });
    mkdirSync(join(trustDir, 'crls'));
    writeFileSync(join(trustDir, 'anchors', 'root.pem'), pki.root.cert.toString('pem'));
    writeFileSync(join(trustDir, 'crls', 'root.pem'), (await issueCrl(pki.root, [])).toString('pem'));
    writeFileSync(join(trustDir, 'crls', 'intermediate.pem'), (await issueCrl(pki.intermediate, [])).toString('pem'));
    writeFileSync(join(trustDir, 'policy-arcs.txt'), `${pki.policyArc}\n`);
    const session = { operatorId: operator, edipi: '1999999999', displayName: 'BENCH', tokenLabel: 'soft', certificateSha256: createHash('sha256').update(certDer).digest('hex'), roles: [], startedAt: new Date().toISOString(), locked: false, lockReason: null };

    const configPath = join(dir, 'export-child.json');
    const childConfig: ExportChildConfig = {
      pg: { host: server.host, port: server.port, database: server.database, user: 'bench_console', password: server.consolePassword },
      tenantId: tenant,
      session: { ...session, roles: [], locked: false, lockReason: null },
      secretKeyHex: Buffer.from(secretKey).toString('hex'),
      certDerBase64: Buffer.from(certDer).toString('base64'),
      intermediatePem: pki.intermediate.cert.toString('pem'),
    };
    writeFileSync(configPath, JSON.stringify(childConfig));

    const b3sum = spawnSync('b3sum', ['--version'], { encoding: 'utf8' }).status === 0;
    const rows: string[] = [];
    for (const size of SIZES) {
      const out = join(keep ?? dir, `bundle-${size}.arxbundle`);
      rmSync(out, { force: true });
      console.log(`\n${fmt(size)} events — load average ${load()}`);
      const ex = child(['export', configPath, '0', String(size - 1), out]);
      const eventBytes = ex.eventBytes!;
      const bytes = ex.bytes!;
      console.log(`  export:  ${fmt(size / ex.seconds)} events/s, ${mb(eventBytes / ex.seconds)} MB/s of event bytes, ${ex.seconds.toFixed(1)} s (CPU ${ex.cpuSeconds.toFixed(1)} s), ${rss(ex)}`);
      console.log(`  bundle:  ${mb(bytes)} MB = ${(bytes / eventBytes).toFixed(3)} × the raw event bytes (${mb(eventBytes)} MB)`);
      const v = child(['verify', out, trustDir]);
      const verdict = (x: ChildFigures) => `failed checks: ${x.failed?.join(', ') || 'none'}${x.fatal ? `, fatal ${x.fatal}` : ''}; BLAKE3 of events.bin: ${x.engine ?? '?'}`;
      console.log(`  verify (arx bundle verify, with decision replay): ${fmt(size / v.seconds)} events/s, ${mb(bytes / v.seconds)} MB/s, ${v.seconds.toFixed(2)} s (CPU ${v.cpuSeconds.toFixed(2)} s), ${rss(v)}, exit ${v.exit} (${verdict(v)})`);
      const nr = child(['verify-no-replay', out, trustDir]);
      const mainCpu = nr.mainCpuSeconds === null ? '' : `; the verifying thread ${nr.mainCpuSeconds.toFixed(2)} s, the rest (hash worker, GC, I/O) ${(nr.cpuSeconds - nr.mainCpuSeconds).toFixed(2)} s`;
      console.log(`  verify without decision replay:                   ${fmt(size / nr.seconds)} events/s, ${mb(bytes / nr.seconds)} MB/s, ${nr.seconds.toFixed(2)} s (CPU ${nr.cpuSeconds.toFixed(2)} s${mainCpu}), ${rss(nr)} (${verdict(nr)})`);
      let line = `| ${fmt(size)} | ${fmt(size / ex.seconds)} ev/s, ${mb(eventBytes / ex.seconds)} MB/s, +${growth(ex)} MiB | ${(bytes / eventBytes).toFixed(3)}× | ${v.seconds.toFixed(2)} s, +${growth(v)} MiB | ${nr.seconds.toFixed(2)} s (${fmt(size / nr.seconds)} ev/s, ${mb(bytes / nr.seconds)} MB/s), +${growth(nr)} MiB |`;
      if (b3sum) {
        // b3sum over the same event bytes: events.bin, extracted (b3sum reads a file by mmap).
        const x = join(dir, `x-${size}`);
        mkdirSync(x);
        execFileSync('tar', ['-xf', out, '-C', x, 'events.bin']);
        const ev = join(x, 'events.bin');
        const all = timed('b3sum', [ev]);
        const one = timed('b3sum', ['--num-threads', '1', ev]);
        const sha = timed('sha256sum', [ev]);
        console.log(`  b3sum events.bin (${mb(statSync(ev).size)} MB): ${all.wall.toFixed(2)} s all cores (CPU ${all.cpu.toFixed(2)} s), ${one.wall.toFixed(2)} s one thread; sha256sum ${sha.wall.toFixed(2)} s`);
        console.log(`  ratio verify / b3sum (wall): with replay ${(v.seconds / all.wall).toFixed(1)}× all cores, ${(v.seconds / one.wall).toFixed(1)}× one thread; without replay ${(nr.seconds / all.wall).toFixed(1)}× all cores, ${(nr.seconds / one.wall).toFixed(1)}× one thread`);
        console.log(`  ratio verify / b3sum (CPU):  with replay ${(v.cpuSeconds / all.cpu).toFixed(1)}×, without replay ${(nr.cpuSeconds / all.cpu).toFixed(1)}×; without replay / (b3sum + sha256sum) ${(nr.cpuSeconds / (all.cpu + sha.cpu)).toFixed(1)}×`);
        line += ` ${one.wall.toFixed(2)} s | ${(nr.seconds / one.wall).toFixed(1)}× / ${(v.seconds / one.wall).toFixed(1)}× |`;
        rmSync(x, { recursive: true, force: true });
      }
      rows.push(line);
      if (!keep) rmSync(out, { force: true });
    }
    console.log(`\nload average at the end ${load()}`);
    console.log('\n| events | export (rate, peak RSS growth) | bundle / raw | verify (replay), peak RSS growth | verify (no replay), peak RSS growth | b3sum one thread | ratio no replay / replay |');
    console.log('| --- | --- | --- | --- | --- | --- | --- |');
    for (const r of rows) console.log(r);
    await gateway.end();
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
