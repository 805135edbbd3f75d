/**
 * Export and `arx bundle verify` of evidence bundles of 100k and 1M simulated
 * events (about 620 bytes each): events/s, MB/s, peak memory, the bundle's size against the raw event
 * bytes, and verification time against `b3sum` over the same event bytes (events.bin) plus the
 * signature checks — the goal is within 2× of that, and memory that stays flat as the range grows.
 *
 *   npm run bench -- bundle            (ARX_BENCH_BUNDLE_SIZES=100000,1000000 by default)
 *   ARX_BENCH_BUNDLE_KEEP=DIR          keeps the bundles (bundle-N.arxbundle, baseline-1000.arxbundle)
 *                                      and the auditor's trust directory (DIR/trust) in DIR
 *   ARX_BENCH_BUNDLE_REUSE=DIR         seeds and exports nothing: verifies the bundles kept in DIR by
 *                                      an earlier KEEP run, with DIR/trust (the sizes: those of
 *                                      ARX_BENCH_BUNDLE_SIZES, else every bundle-N.arxbundle in DIR)
 *
 * What is seeded is what an auditor would get from a real console: the chain's events with a
 * checkpoint every 10,000 signed by a registered gateway key; the policy version the decisions name,
 * published with its DSSE author signature (ADAMS, EC) and approver signature (BAKER, RSA) made on
 * SoftHSM2 test cards (`publishCardSignedDefaultPolicy`, the bundle integration tests' helper); the
 * manifest signed on ADAMS's card. The auditor's trust directory holds the test PKI's anchor, CRLs and
 * policy arcs (`auditorTrustDir`) and pins the gateway key (gateway-keys.txt). Every verification of
 * the bench's own bundles must be green — exit 0, no failed check, no warning — or the bench throws:
 * a failing verification takes another path than the one to measure.
 *
 * Each export and each verification runs in a child process of its own (bundle-child.ts), so its
 * peak RSS (resourceUsage().maxRSS, printed with the RSS after loading the modules and the growth
 * between the two) and its CPU time are that run's alone. Verification runs twice: the CLI command
 * as an auditor runs it (decisions re-verified with Cedar), and the API without decision replay.
 *
 * The baseline, "b3sum over the same event bytes plus the signature checks": b3sum of events.bin
 * (extracted from the bundle; all cores, best of three) PLUS the verification, in the same kind of
 * child process and the same mode, of a 1,000-event bundle of the same shape (same manifest signer,
 * gateway key, end checkpoint and proof, policy version with its two signatures, certificates, CRLs,
 * trust directory; best of three), which is those signature checks and the verifier's fixed costs
 * (plus 1,000 events, ~0.6 MB). The ratio verify(N) / baseline is printed by wall-clock and by CPU time.
 * That small verification is mostly the verifier's fixed costs (loading modules and WebAssembly,
 * starting the hash worker and, with replay, the Cedar pool), which a 1M-event run pays once too;
 * so a strict baseline is printed as well: b3sum plus the same small verification run a second
 * time in a warm process (bundle-child.ts `warm`), i.e. the signature checks and little else. The
 * strict ratio is the one to hold against the goal.
 * Times are wall-clock on a shared 2-core machine: the load average is printed with them, and the
 * CPU-time ratios are steadier than the wall-clock ones.
 */
import 'reflect-metadata';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ed25519 } from '@noble/curves/ed25519.js';
import pg from 'pg';
import { GATEWAY_KEYS_FILE } from '../../electron/main/bundle/gateway-pins';
import { provisionTestCards, registerTestOperators, TEST_CARDS } from '../../electron/main/card/test-cards';
import type { NewEvent } from '../../electron/main/controlplane/chain-writer';
import { ChainWriter } from '../../electron/main/controlplane/chain-writer';
import { Checkpointer } from '../../electron/main/controlplane/checkpointer';
import { startEmbeddedPostgres } from '../../electron/main/controlplane/embedded';
import { registerGatewayKey } from '../../electron/main/controlplane/gateway-keys';
import { migrate } from '../../electron/main/controlplane/migrate';
import { createLoginRole } from '../../electron/main/controlplane/tenant-session';
import { loadBlake3 } from '../../electron/main/crypto/blake3';
import { compileEngine } from '../../electron/main/simulator/simulate';
import { ed25519Signer, formatVerifierKey } from '../../shared/checkpoint';
import { auditorTrustDir, publishCardSignedDefaultPolicy } from '../integration/bundle/support';
import type { ChildFigures, ExportChildConfig } from './bundle-child';
import { sampleGatewayEvents } from './sample-events';

const SIZES = (process.env.ARX_BENCH_BUNDLE_SIZES ?? '100000,1000000').split(',').map(Number);
const N = Math.max(...SIZES);
const BATCH = 1000;
/** Events in the small bundle whose verification is the baseline's "signature checks". */
const BASELINE_EVENTS = 1000;
const keep = process.env.ARX_BENCH_BUNDLE_KEEP;
const reuse = process.env.ARX_BENCH_BUNDLE_REUSE;
const ADAMS = 'ARX TEST ADAMS EC';
const BAKER = 'ARX TEST BAKER RSA';
const here = dirname(fileURLToPath(import.meta.url));
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (n: number) => (n / 1e6).toFixed(1);
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const growth = (f: ChildFigures) => ((f.maxRssKiB - f.baseRssKiB) / 1024).toFixed(0);
const rss = (f: ChildFigures) =>
  `peak RSS ${(f.maxRssKiB / 1024).toFixed(0)} MiB (${(f.baseRssKiB / 1024).toFixed(0)} MiB after loading, +${growth(f)} MiB)`;

const samples = sampleGatewayEvents;

/** Runs bundle-child.ts and returns the figures it prints on its last line. */
function child(args: string[]): ChildFigures {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'bundle-child.ts'), ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !last.startsWith('{'))
    throw new Error(`bundle-child ${args[0]} failed (exit ${r.status}): ${r.stdout.slice(-2000)}`);
  return JSON.parse(last) as ChildFigures;
}

/**
 * Throws unless a verification of the bench's own bundle is green: exit 0 (CLI) or report.ok (API),
 * no failed check, no fatal error, no warning (GATEWAY_KEYS_UNPINNED would mean the pins were not read).
 */
function assertGreen(what: string, f: ChildFigures): void {
  const bad = [
    ...(f.exit !== undefined && f.exit !== 0 ? [`exit ${f.exit}`] : []),
    ...(f.ok === false ? ['report not ok'] : []),
    ...(f.failed?.length ? [`failed checks ${f.failed.join(', ')}`] : []),
    ...(f.fatal ? [`fatal ${f.fatal}`] : []),
    ...(f.warnings?.length ? [`warnings ${f.warnings.join(', ')}`] : []),
  ];
  if (bad.length) {
    throw new Error(
      `bench: ${what} is NOT green (${bad.join('; ')}): a bench that measures a failing verification measures the wrong path.\n  ${(f.findings ?? []).join('\n  ')}`,
    );
  }
}

const verifyModes = {
  cli: { arg: 'verify', label: 'verify (arx bundle verify, with decision replay)' },
  api: { arg: 'verify-no-replay', label: 'verify without decision replay' },
} as const;

/** One verification of `file` in a child process, checked green (warm: the child's second verification of it). */
function verifyOnce(mode: keyof typeof verifyModes, file: string, trustDir: string, warm = false): ChildFigures {
  const f = child([verifyModes[mode].arg, file, trustDir, ...(warm ? ['warm'] : [])]);
  assertGreen(`${verifyModes[mode].label} of ${file}`, f);
  return f;
}

/** Best (by wall-clock) of three verifications of the small baseline bundle. */
function bestOf3(mode: keyof typeof verifyModes, file: string, trustDir: string, warm = false): ChildFigures {
  let best: ChildFigures | null = null;
  for (let i = 0; i < 3; i++) {
    const f = verifyOnce(mode, file, trustDir, warm);
    if (!best || f.seconds < best.seconds) best = f;
  }
  return best!;
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

const bundleFile = (d: string, size: number) => join(d, `bundle-${size}.arxbundle`);
const baselineFile = (d: string) => join(d, `baseline-${BASELINE_EVENTS}.arxbundle`);

interface Seeded {
  configPath: string;
  trustDir: string;
  close(): Promise<void>;
}

/**
 * Seeds a control plane in `dir`: a tenant with N + 10,000 events and a checkpoint every 10,000, the
 * test cards' operators, the policy version the decisions name with its author and approver
 * signatures, and the auditor's trust directory (in `out`) with the gateway key pinned.
 */
async function seed(dir: string, out: string): Promise<Seeded> {
  const server = await startEmbeddedPostgres(dir);
  const admin = new pg.Pool({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    database: server.database,
    max: 2,
  });
  const at = { host: server.host, port: server.port, database: server.database, max: 4 };
  let gateway: pg.Pool | null = null;
  // The pools are only for seeding: ended before the exports, so that no idle client is left to
  // fail (and crash the bench) when the server goes away.
  const endPools = async () => {
    await gateway?.end();
    gateway = null;
    if (!admin.ended) await admin.end();
  };
  const close = async () => {
    await endPools();
    await server.stop();
  };
  try {
    const c = await admin.connect();
    await migrate(c);
    await createLoginRole(c, 'bench_gateway', server.gatewayPassword, 'arx_gateway');
    await createLoginRole(c, 'bench_console', server.consolePassword, 'arx_console');
    c.release();
    gateway = new pg.Pool({ ...at, user: 'bench_gateway', password: server.gatewayPassword });
    const b3 = await loadBlake3();

    const tenant = randomUUID();
    await admin.query(`INSERT INTO arx.tenants (id, slug, name) VALUES ($1, 'bench', 'bench')`, [tenant]);

    // The test cards of the policy's author (ADAMS, who also exports) and approver (BAKER), their
    // operators and certificates; the policy version signed on the cards.
    const cards = await provisionTestCards(join(dir, 'cards'), {
      specs: TEST_CARDS.filter((s) => s.label === ADAMS || s.label === BAKER),
    });
    await registerTestOperators(admin, cards, [tenant]);
    process.env.SOFTHSM2_CONF = cards.softhsm2Conf;
    const version = await publishCardSignedDefaultPolicy({ admin }, cards, tenant);
    const engine = compileEngine();
    if (version.sha256 !== engine.version.sha256)
      throw new Error(
        `bench: the signed policy version ${version.sha256} is not the one the sample decisions name (${engine.version.sha256})`,
      );

    // The gateway's checkpoint key, registered, and pinned in the auditor's trust directory.
    const secret = ed25519.utils.randomSecretKey();
    const signer = ed25519Signer('arx-gateway.bench', secret);
    await registerGatewayKey(admin, tenant, {
      name: signer.name,
      secretKey: secret,
      publicKey: signer.publicKey,
      validFrom: new Date(Date.now() - 3_600_000),
    });
    const trustDir = join(out, 'trust');
    rmSync(trustDir, { recursive: true, force: true });
    auditorTrustDir(cards, trustDir);
    writeFileSync(
      join(trustDir, GATEWAY_KEYS_FILE),
      `# the bench's gateway\n${formatVerifierKey(signer.name, signer.publicKey)}\n`,
    );

    const cp = new Checkpointer(tenant, signer, { everyEvents: 10_000, everyMs: 3_600_000 }, () => new Date(), b3);
    const writer = new ChainWriter(gateway, tenant, {
      source: '/arx/gateway/bench',
      blake3: b3,
      afterAppend: cp.afterAppend,
    });
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

    // The exporter: ADAMS, logged in with the PIV Authentication certificate, signing on the card.
    const adams = cards.cards.find((x) => x.label === ADAMS)!;
    const op = await admin.query<{ id: string }>('SELECT id FROM arx.operators WHERE edipi = $1', [adams.edipi]);
    const session = {
      operatorId: op.rows[0]!.id,
      edipi: adams.edipi,
      displayName: adams.displayName,
      tokenLabel: adams.label,
      certificateSha256: adams.certificates.find((x) => x.usage === 'piv-auth')!.sha256,
      roles: [],
      startedAt: new Date().toISOString(),
      locked: false as const,
      lockReason: null,
    };
    const configPath = join(dir, 'export-child.json');
    const childConfig: ExportChildConfig = {
      pg: {
        host: server.host,
        port: server.port,
        database: server.database,
        user: 'bench_console',
        password: server.consolePassword,
      },
      tenantId: tenant,
      session,
      card: { module: cards.module, softhsm2Conf: cards.softhsm2Conf, label: adams.label, pin: adams.pin },
      intermediatePem: readdirSync(cards.intermediates).map((f) =>
        readFileSync(join(cards.intermediates, f), 'utf8'),
      )[0]!,
    };
    writeFileSync(configPath, JSON.stringify(childConfig));
    await endPools();
    return { configPath, trustDir, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The sizes of the bundles kept in `d` (bundle-N.arxbundle), ascending. */
function keptSizes(d: string): number[] {
  return readdirSync(d)
    .map((f) => /^bundle-(\d+)\.arxbundle$/.exec(f)?.[1])
    .filter((x): x is string => x !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'arx-bench-bundle-'));
  const sizes = reuse && !process.env.ARX_BENCH_BUNDLE_SIZES ? keptSizes(reuse) : SIZES;
  let seeded: Seeded | null = null;
  try {
    let out: string;
    let trustDir: string;
    if (reuse) {
      out = reuse;
      trustDir = join(reuse, 'trust');
      const missing = [trustDir, baselineFile(reuse), ...sizes.map((s) => bundleFile(reuse, s))].filter(
        (f) => !existsSync(f),
      );
      if (!sizes.length || missing.length)
        throw new Error(
          `bench: ARX_BENCH_BUNDLE_REUSE=${reuse} lacks ${missing.join(', ') || 'any bundle-N.arxbundle'} (keep them first with ARX_BENCH_BUNDLE_KEEP=${reuse})`,
        );
      console.log(
        `ARX bundle benchmark, REUSING the bundles kept in ${reuse} (no seeding, no export; trust ${trustDir}): sizes ${sizes.map(fmt).join(', ')} events ${process.env.ARX_BENCH_NOTE ?? ''}`,
      );
      for (const f of [baselineFile(reuse), ...sizes.map((s) => bundleFile(reuse, s))])
        console.log(`  ${f}: ${mb(statSync(f).size)} MB, written ${statSync(f).mtime.toISOString()}`);
    } else {
      console.log(
        `ARX bundle benchmark: sizes ${sizes.map(fmt).join(', ')} events ${process.env.ARX_BENCH_NOTE ?? ''}`,
      );
      out = keep ?? dir;
      if (keep) mkdirSync(keep, { recursive: true });
      seeded = await seed(dir, out);
      trustDir = seeded.trustDir;
    }
    // Every export first (the baseline's small bundle, then the sizes); the database is then stopped,
    // so that nothing of it runs while verification is measured.
    const exports = new Map<number, ChildFigures>();
    if (seeded) {
      for (const [file, size] of [
        [baselineFile(out), BASELINE_EVENTS] as const,
        ...sizes.map((s) => [bundleFile(out, s), s] as const),
      ]) {
        rmSync(file, { force: true });
        exports.set(size, child(['export', seeded.configPath, '0', String(size - 1), file]));
      }
      const stopping = seeded;
      seeded = null;
      await stopping.close();
    }

    // The baseline's signature checks: a 1,000-event bundle of the same shape, verified both ways.
    const small = baselineFile(out);
    const smallCli = bestOf3('cli', small, trustDir);
    const smallApi = bestOf3('api', small, trustDir);
    const warmCli = bestOf3('cli', small, trustDir, true);
    const warmApi = bestOf3('api', small, trustDir, true);
    const sig = (f: ChildFigures) => `${f.seconds.toFixed(3)} s (CPU ${f.cpuSeconds.toFixed(3)} s)`;
    console.log(
      `\nverify of a ${fmt(BASELINE_EVENTS)}-event bundle of the same shape (the signature checks and fixed costs; best of 3; green): with replay ${sig(smallCli)}, without replay ${sig(smallApi)}; load average ${load()}`,
    );
    console.log(
      `the same, second verification in a warm process (the signature checks; best of 3): with replay ${sig(warmCli)}, without replay ${sig(warmApi)}`,
    );

    const b3sum = spawnSync('b3sum', ['--version'], { encoding: 'utf8' }).status === 0;
    if (!b3sum) console.log('b3sum is not installed: no baseline and no ratios (apt-get install b3sum)');
    const rows: string[] = [];
    for (const size of sizes) {
      const file = bundleFile(out, size);
      console.log(`\n${fmt(size)} events — load average ${load()}`);
      const ex = exports.get(size) ?? null;
      const v = verifyOnce('cli', file, trustDir);
      const nr = verifyOnce('api', file, trustDir);
      const eventBytes = nr.eventBytes!;
      const bytes = nr.bytes!;
      if (nr.events !== size) throw new Error(`bench: ${file} holds ${nr.events} events, not ${size}`);
      if (ex)
        console.log(
          `  export:  ${fmt(size / ex.seconds)} events/s, ${mb(eventBytes / ex.seconds)} MB/s of event bytes, ${ex.seconds.toFixed(1)} s (CPU ${ex.cpuSeconds.toFixed(1)} s), ${rss(ex)}`,
        );
      else console.log('  export:  not run (reusing a kept bundle)');
      console.log(
        `  bundle:  ${mb(bytes)} MB = ${(bytes / eventBytes).toFixed(3)} × the raw event bytes (${mb(eventBytes)} MB)`,
      );
      const verdict = (x: ChildFigures) =>
        `green: no failed check, no warning; BLAKE3 of events.bin: ${x.engine ?? '?'}`;
      console.log(
        `  ${verifyModes.cli.label}: ${fmt(size / v.seconds)} events/s, ${mb(bytes / v.seconds)} MB/s, ${v.seconds.toFixed(2)} s (CPU ${v.cpuSeconds.toFixed(2)} s), ${rss(v)}, exit ${v.exit} (${verdict(v)})`,
      );
      const mainCpu =
        nr.mainCpuSeconds === null
          ? ''
          : `; the verifying thread ${nr.mainCpuSeconds.toFixed(2)} s, the rest (hash worker, GC, I/O) ${(nr.cpuSeconds - nr.mainCpuSeconds).toFixed(2)} s`;
      console.log(
        `  ${verifyModes.api.label}:                   ${fmt(size / nr.seconds)} events/s, ${mb(bytes / nr.seconds)} MB/s, ${nr.seconds.toFixed(2)} s (CPU ${nr.cpuSeconds.toFixed(2)} s${mainCpu}), ${rss(nr)} (${verdict(nr)})`,
      );
      let line = `| ${fmt(size)} | ${ex ? `${fmt(size / ex.seconds)} ev/s, ${mb(eventBytes / ex.seconds)} MB/s, +${growth(ex)} MiB` : 'reused'} | ${(bytes / eventBytes).toFixed(3)}× | ${v.seconds.toFixed(2)} s, +${growth(v)} MiB | ${nr.seconds.toFixed(2)} s (${fmt(size / nr.seconds)} ev/s, ${mb(bytes / nr.seconds)} MB/s), +${growth(nr)} MiB |`;
      if (b3sum) {
        // b3sum over the same event bytes: events.bin, extracted (b3sum reads a file by mmap).
        const x = join(dir, `x-${size}`);
        mkdirSync(x);
        execFileSync('tar', ['-xf', file, '-C', x, 'events.bin']);
        const ev = join(x, 'events.bin');
        const all = timed('b3sum', [ev]);
        const one = timed('b3sum', ['--num-threads', '1', ev]);
        const sha = timed('sha256sum', [ev]);
        console.log(
          `  b3sum events.bin (${mb(statSync(ev).size)} MB): ${all.wall.toFixed(2)} s all cores (CPU ${all.cpu.toFixed(2)} s), ${one.wall.toFixed(2)} s one thread (CPU ${one.cpu.toFixed(2)} s); sha256sum ${sha.wall.toFixed(2)} s (CPU ${sha.cpu.toFixed(2)} s)`,
        );
        console.log(
          `  ratio verify / b3sum alone (wall): with replay ${(v.seconds / all.wall).toFixed(1)}× all cores, ${(v.seconds / one.wall).toFixed(1)}× one thread; without replay ${(nr.seconds / all.wall).toFixed(1)}× all cores, ${(nr.seconds / one.wall).toFixed(1)}× one thread`,
        );
        console.log(
          `  ratio verify / b3sum alone (CPU):  with replay ${(v.cpuSeconds / all.cpu).toFixed(1)}×, without replay ${(nr.cpuSeconds / all.cpu).toFixed(1)}×; without replay / (b3sum + sha256sum) ${(nr.cpuSeconds / (all.cpu + sha.cpu)).toFixed(1)}×`,
        );
        // The issue's baseline: b3sum of events.bin (all cores) + the verification of the small bundle of the same shape, in the same mode.
        const base = (s: ChildFigures) => ({ wall: all.wall + s.seconds, cpu: all.cpu + s.cpuSeconds });
        const bc = base(smallCli);
        const ba = base(smallApi);
        console.log(
          `  baseline = b3sum events.bin all cores + verify of the ${fmt(BASELINE_EVENTS)}-event bundle (same mode): with replay ${bc.wall.toFixed(2)} s (CPU ${bc.cpu.toFixed(2)} s), without replay ${ba.wall.toFixed(2)} s (CPU ${ba.cpu.toFixed(2)} s)`,
        );
        console.log(
          `  ratio verify(${fmt(size)}) / baseline (goal ≤ 2×): with replay ${(v.seconds / bc.wall).toFixed(2)}× wall, ${(v.cpuSeconds / bc.cpu).toFixed(2)}× CPU; without replay ${(nr.seconds / ba.wall).toFixed(2)}× wall, ${(nr.cpuSeconds / ba.cpu).toFixed(2)}× CPU`,
        );
        const sc = base(warmCli);
        const sa = base(warmApi);
        console.log(
          `  strict baseline = b3sum events.bin all cores + the warm verify of the ${fmt(BASELINE_EVENTS)}-event bundle: with replay ${sc.wall.toFixed(2)} s (CPU ${sc.cpu.toFixed(2)} s), without replay ${sa.wall.toFixed(2)} s (CPU ${sa.cpu.toFixed(2)} s)`,
        );
        console.log(
          `  ratio verify(${fmt(size)}) / strict baseline (goal ≤ 2×): with replay ${(v.seconds / sc.wall).toFixed(2)}× wall, ${(v.cpuSeconds / sc.cpu).toFixed(2)}× CPU; without replay ${(nr.seconds / sa.wall).toFixed(2)}× wall, ${(nr.cpuSeconds / sa.cpu).toFixed(2)}× CPU`,
        );
        line += ` ${one.wall.toFixed(2)} s | ${(nr.seconds / one.wall).toFixed(1)}× / ${(v.seconds / one.wall).toFixed(1)}× | ${(nr.seconds / ba.wall).toFixed(2)}× / ${(nr.cpuSeconds / ba.cpu).toFixed(2)}× | ${(v.seconds / bc.wall).toFixed(2)}× / ${(v.cpuSeconds / bc.cpu).toFixed(2)}× | ${(nr.seconds / sa.wall).toFixed(2)}× / ${(v.seconds / sc.wall).toFixed(2)}× |`;
        rmSync(x, { recursive: true, force: true });
      }
      rows.push(line);
      if (!keep && !reuse) rmSync(file, { force: true });
    }
    console.log(`\nload average at the end ${load()}`);
    console.log(
      `\nbaseline = b3sum events.bin (all cores) + verify of a ${fmt(BASELINE_EVENTS)}-event bundle of the same shape, same mode; every verification green`,
    );
    console.log(
      '| events | export (rate, peak RSS growth) | bundle / raw | verify (replay), peak RSS growth | verify (no replay), peak RSS growth | b3sum one thread | ratio to b3sum one thread, no replay / replay | no replay / baseline, wall / CPU | replay / baseline, wall / CPU | wall / strict baseline, no replay / replay |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const r of rows) console.log(r);
    if (keep && !reuse)
      console.log(
        `\nkept in ${keep}: the bundles and trust/; re-measure without seeding: ARX_BENCH_BUNDLE_REUSE=${keep} npm run bench -- bundle`,
      );
  } finally {
    await seeded?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
