/**
 * A child process of test/bench/bundle.bench.ts, so that each export and each verification is
 * measured in a process of its own: its peak RSS (process.resourceUsage().maxRSS) is that run's
 * and nothing else's, and its CPU time is its own.
 *
 *   node --import tsx test/bench/bundle-child.ts export CONFIG.json FROM TO OUT
 *   node --import tsx test/bench/bundle-child.ts verify FILE TRUST_DIR          (the CLI command, `arx bundle verify FILE --trust DIR --json`)
 *   node --import tsx test/bench/bundle-child.ts verify-no-replay FILE TRUST_DIR (verifyBundle without decision replay: the API option, not a CLI flag)
 *   ... verify|verify-no-replay FILE TRUST_DIR warm   (verifies FILE once unmeasured, then measures a second
 *       verification in the same process: modules, workers, WebAssembly and Cedar already loaded)
 *
 * The last line on stdout is one JSON object with the figures. Not a benchmark by itself (no
 * `.bench.ts` suffix, so `npm run bench` does not run it alone).
 */
import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { X509Certificate } from '@peculiar/x509';
import pg from 'pg';
import { exportBundle } from '../../electron/main/bundle/export';
import { loadBundleTrust } from '../../electron/main/bundle/trust';
import { hashWorkerEngine } from '../../electron/main/bundle/member-hasher';
import { verifyBundle } from '../../electron/main/bundle/verify';
import { loadBlake3 } from '../../electron/main/crypto/blake3';
import { bundleVerify } from '../../electron/main/cli/bundle-commands';
import type { BundleReport } from '../../shared/bundle';
import { openCards } from '../integration/bundle/support';

export interface ExportChildConfig {
  pg: { host: string; port: number; database: string; user: string; password: string };
  tenantId: string;
  session: {
    operatorId: string;
    edipi: string;
    displayName: string;
    tokenLabel: string;
    certificateSha256: string;
    roles: never[];
    startedAt: string;
    locked: false;
    lockReason: null;
  };
  /** The exporter's SoftHSM2 test card (its Digital Signature key signs the manifest, as `bundle.export` does on a card). */
  card: { module: string; softhsm2Conf: string; label: string; pin: string };
  intermediatePem: string;
}

export interface ChildFigures {
  seconds: number;
  cpuSeconds: number;
  /** CPU seconds of the process's main (verifying) thread alone, where /proc tells (Linux); null elsewhere. */
  mainCpuSeconds: number | null;
  /** RSS once the modules are loaded, before the measured run (KiB). */
  baseRssKiB: number;
  /** Peak RSS of the whole process (KiB). */
  maxRssKiB: number;
  exit?: number;
  /** verify modes: the report's verdict, the ids of failed checks, the first few findings and warnings (code and message), the warnings' codes. */
  ok?: boolean;
  failed?: string[];
  findings?: string[];
  warnings?: string[];
  fatal?: string | null;
  events?: number;
  eventBytes?: number;
  bytes?: number;
  /** The BLAKE3 engine the bundle hash worker ran for events.bin ('native' or 'wasm'). */
  engine?: string | null;
}

/** utime + stime of the main thread in seconds (/proc/self/task/<pid>/stat, fields 14 and 15), or null. */
function mainThreadCpu(): number | null {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return null;
  }
}

async function measure(fn: () => Promise<Partial<ChildFigures>>): Promise<ChildFigures> {
  const baseRssKiB = Math.round(process.memoryUsage().rss / 1024);
  const main0 = mainThreadCpu();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const extra = await fn();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const main1 = mainThreadCpu();
  return {
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    mainCpuSeconds: main0 === null || main1 === null ? null : main1 - main0,
    baseRssKiB,
    maxRssKiB: process.resourceUsage().maxRSS,
    ...extra,
  };
}

const summary = (r: BundleReport) => ({
  ok: r.ok,
  failed: r.checks.filter((c) => !c.ok).map((c) => c.id),
  findings: [...r.checks.flatMap((c) => c.findings), ...r.warnings].map((f) => `${f.code}: ${f.message}`).slice(0, 5),
  warnings: r.warnings.map((w) => w.code),
  fatal: r.fatal?.code ?? null,
  events: r.summary.events,
  eventBytes: r.summary.eventBytes,
  bytes: r.summary.bytes,
  engine: hashWorkerEngine(),
});

async function main(): Promise<void> {
  const [mode, ...args] = process.argv.slice(2);
  let figures: ChildFigures;
  if (mode === 'export') {
    const [configPath, from, to, out] = args as [string, string, string, string];
    const cfg = JSON.parse(readFileSync(configPath, 'utf8')) as ExportChildConfig;
    const pool = new pg.Pool({ ...cfg.pg, max: 2 });
    const b3 = await loadBlake3();
    const intermediate = new X509Certificate(cfg.intermediatePem);
    // The card is opened and logged in before the measured run; the one signature is made in it.
    process.env.SOFTHSM2_CONF = cfg.card.softhsm2Conf;
    const hsm = await openCards(cfg.card.module);
    const card = await hsm.signer(cfg.card.label, cfg.card.pin);
    await pool.query('SELECT 1');
    figures = await measure(async () => {
      const r = await exportBundle(pool, {
        tenantId: cfg.tenantId,
        from: Number(from),
        to: Number(to),
        outPath: out,
        classification: 'UNCLASSIFIED',
        session: cfg.session,
        // The card signs the SHA-256 digest (ECDSA, no second hash), as OperatorAuth.sign does.
        sign: async (purpose, digest) => {
          const s = await card.sign(digest);
          return {
            operator: cfg.session,
            purpose,
            algorithm: 'ECDSA',
            signature: s.signature,
            raw: new Uint8Array(),
            certificateDer: s.certificateDer,
            certificateSha256: createHash('sha256').update(s.certificateDer).digest('hex'),
          };
        },
        trustStore: { anchors: [], intermediates: [intermediate], crls: [] },
        blake3: b3,
      });
      return { events: r.events, eventBytes: r.eventBytes, bytes: r.bytes };
    });
    await card.close();
    await hsm.close();
    await pool.end();
  } else if (mode === 'verify') {
    const [file, trustDir, warm] = args as [string, string, string?];
    let json = '';
    const io = { out: (t: string) => (json += t), err: () => {}, readStdin: async () => '', env: process.env };
    const run = async () => {
      json = '';
      const exit = await bundleVerify.run([file, '--trust', trustDir, '--json'], io);
      return { exit, ...summary(JSON.parse(json) as BundleReport) };
    };
    if (warm === 'warm') await run();
    figures = await measure(run);
  } else if (mode === 'verify-no-replay') {
    const [file, trustDir, warm] = args as [string, string, string?];
    const trust = loadBundleTrust(trustDir);
    const b3 = await loadBlake3();
    const run = async () => summary(await verifyBundle(file, { trust, blake3: b3, replayDecisions: false }));
    if (warm === 'warm') await run();
    figures = await measure(run);
  } else throw new Error(`bundle-child: unknown mode ${mode}`);
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
