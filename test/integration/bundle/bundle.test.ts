import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utf8 } from '../../../shared/bytes';
import type { BundleReport } from '../../../shared/bundle';
import {
  provisionTestCards,
  TEST_CARDS,
  registerTestOperators,
  type ProvisionedTestCards,
} from '../../../electron/main/card/test-cards';
import { runCli } from '../../../electron/main/cli/arx';
import type { ConsoleServices } from '../../../electron/main/composition/console-services';
import { ConsoleSession } from '../../../electron/main/core/registry';
import { VERIFY_SH } from '../../../electron/main/bundle/verify-script';
import { loadBundleTrust } from '../../../electron/main/bundle/trust';
import { verifyBundle } from '../../../electron/main/bundle/verify';
import { loadBlake3 } from '../../../electron/main/crypto/blake3';
import { startCardConsole } from '../../support/card-console';
import { migratedDatabase } from '../../support/pg';
import {
  auditorTrustDir,
  publishCardSignedDefaultPolicy,
  seedCheckpointedTraffic,
  openCards,
  flipByte,
  readMembers,
  resign,
  writeTar,
  type DigestSigner,
} from './support';

/**
 * Evidence bundles end to end with real parts: a simulated range in PostgreSQL with signed
 * checkpoints, a policy version approved on a SoftHSM2 card, the export signed on another card
 * through the console's contract, then offline verification with `arx bundle verify` against a
 * trust directory of our own — and every check made to fail by its own corruption.
 */
let db: Awaited<ReturnType<typeof migratedDatabase>>;
let cards: ProvisionedTestCards;
let services: ConsoleServices;
let work: string;
let trustDir: string;
let bundle: string;
let bundleBytes: Buffer;
let adams: { sign: DigestSigner; close: () => Promise<void> };
let hsm: Awaited<ReturnType<typeof openCards>>;
const results: Record<string, Awaited<ReturnType<ConsoleServices['registry']['invoke']>>> = {};
const session = new ConsoleSession();
session.consentAcknowledgedAt = new Date();
const call = (name: string, req: unknown) => services.registry.invoke(name, req, { adapter: 'cli', session });
const EVENTS = 600;
let versionSha = '';
let consoleEnv: Record<string, string> = {};
const FROM = 120;
const TO = 449;

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, {
    out: (t) => (out += `${t}\n`),
    err: (t) => (err += `${t}\n`),
    env: {},
    readStdin: async () => '',
  });
  return { code, out, err };
}

async function verifyFile(
  file: string,
  trust = trustDir,
): Promise<{ code: number; report: BundleReport; err: string }> {
  const r = await cli(['bundle', 'verify', file, '--trust', trust, '--json']);
  return { code: r.code, report: JSON.parse(r.out) as BundleReport, err: r.err };
}

const failed = (r: BundleReport) => r.checks.filter((c) => !c.ok).map((c) => c.id);
const codes = (r: BundleReport, id: string) => r.checks.find((c) => c.id === id)!.findings.map((f) => f.code);

function save(name: string, bytes: Uint8Array): string {
  const p = join(work, name);
  writeFileSync(p, bytes);
  return p;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'arx-bundle-'));
  db = await migratedDatabase('bundle');
  cards = await provisionTestCards(join(work, 'cards'));
  const reg = await registerTestOperators(db.admin, cards, [db.tenants.a]);
  expect(reg.operators).toBeGreaterThan(0);
  process.env.SOFTHSM2_CONF = cards.softhsm2Conf;

  // Gateway traffic with a checkpoint every 100 events; the policy version the decisions used, signed
  // by its author (ADAMS) and approved (BAKER) on their cards; the auditor's own trust directory.
  const tenant = db.tenants.a;
  const gateway = await seedCheckpointedTraffic(db, tenant, {
    keyName: 'arx-gateway.bundle-test.1',
    events: EVENTS,
    seed: 5,
    start: new Date('2026-11-02T00:00:00Z'),
  });
  versionSha = (await publishCardSignedDefaultPolicy(db, cards, tenant)).sha256;
  trustDir = auditorTrustDir(cards, join(work, 'trust'), [gateway]);

  // The console, as the exporter uses it.
  ({ services, env: consoleEnv } = await startCardConsole(db, cards, 'bundle', { ARX_DATA_DIR: join(work, 'data') }));
  const readers = await call('card.readers', {});
  if (!readers.ok) throw new Error(JSON.stringify(readers.error));
  const slot = (readers.value as { readers: { slot: string; tokenLabel: string | null }[] }).readers.find(
    (r) => r.tokenLabel === 'ARX TEST ADAMS EC',
  )!.slot;
  const login = await call('card.login', { slot, certificateId: null, pin: '123456', confirmFinalTry: false });
  if (!login.ok) throw new Error(JSON.stringify(login.error));
  bundle = join(work, 'range.arxbundle');
  const exported = await call('bundle.export', {
    tenant: db.tenants.a,
    from: FROM,
    to: TO,
    review: null,
    pin: '123456',
    out: bundle,
  });
  if (!exported.ok) throw new Error(JSON.stringify(exported.error));
  bundleBytes = readFileSync(bundle);
  // The other exports of the tests below, made while the console holds the card module.
  results.small = await call('bundle.export', {
    tenant: db.tenants.a,
    from: 3,
    to: 12,
    review: null,
    pin: '123456',
    out: join(work, 'small.arxbundle'),
  });
  results.zero = await call('bundle.export', {
    tenant: db.tenants.a,
    from: 0,
    to: 99,
    review: null,
    pin: '123456',
    out: join(work, 'zero.arxbundle'),
  });
  results.unavailable = await call('bundle.export', {
    tenant: db.tenants.a,
    from: 0,
    to: EVENTS + 500,
    review: null,
    pin: '123456',
    out: join(work, 'x.arxbundle'),
  });
  results.exists = await call('bundle.export', {
    tenant: db.tenants.a,
    from: 0,
    to: 10,
    review: null,
    pin: '123456',
    out: bundle,
  });
  await services.stop();
  hsm = await openCards(cards.module);
  adams = await hsm.signer('ARX TEST ADAMS EC', '123456');
}, 300_000);

afterAll(async () => {
  await adams?.close();
  await hsm?.close();
  await db?.drop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('export and offline verification', () => {
  it('exports through the contract and records the export in the chain', async () => {
    const r = await db.admin.query<{ doc: { data: { bundleSha256: string; fromSeq: number; toSeq: number } } }>(
      `SELECT doc FROM arx.audit_events WHERE tenant_id = $1 AND type = 'com.arx.bundle.exported' AND doc->'data'->>'fromSeq' = $2`,
      [db.tenants.a, String(FROM)],
    );
    expect(r.rows).toHaveLength(1);
    expect(statSync(bundle).mode & 0o777, 'the console writes bundles for their owner only').toBe(0o600);
    expect(r.rows[0]!.doc.data).toMatchObject({
      bundleSha256: createHash('sha256').update(bundleBytes).digest('hex'),
      fromSeq: FROM,
      toSeq: TO,
    });
    const names = readMembers(bundleBytes).map((m) => m.name);
    expect(names[0]).toBe('ARX-BUNDLE');
    expect(names.slice(-3)).toEqual(['manifest.json', 'manifest.dsse.json', 'manifest-signer.der']);
    expect(names).toEqual(
      expect.arrayContaining([
        'proof-start.tlog-proof',
        'proof-end.tlog-proof',
        'events.bin',
        `policy-${versionSha}.cedar`,
      ]),
    );
  });

  it('verifies with arx bundle verify: exit 0, every check holds and covered something', async () => {
    const text = await cli(['bundle', 'verify', bundle, '--trust', trustDir]);
    expect(text.code, text.out).toBe(0);
    expect(text.out).toContain('VERIFIED');
    const { code, report } = await verifyFile(bundle);
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.summary).toMatchObject({
      tenantId: db.tenants.a,
      from: FROM,
      to: TO,
      events: TO - FROM + 1,
      policyVersions: 1,
    });
    for (const c of report.checks) {
      expect(c.ok, `${c.id}: ${JSON.stringify(c.findings)}`).toBe(true);
      if (c.id !== 'certificates' || report.summary.certificates > 0) expect(c.checked, c.id).toBeGreaterThan(0);
    }
  });

  it('a range from seq 0 verifies too (genesis instead of a start proof)', async () => {
    const out = join(work, 'zero.arxbundle');
    const r = results.zero!;
    expect(r.ok, JSON.stringify(!r.ok && r.error)).toBe(true);
    const v = await verifyFile(out);
    expect(v.code, JSON.stringify(v.report.checks.filter((c) => !c.ok))).toBe(0);
  });

  it('refuses a range that no checkpoint covers yet, and an existing output file', async () => {
    const r = results.unavailable!;
    expect(!r.ok && r.error.code).toBe('BUNDLE_RANGE_UNAVAILABLE');
    const again = results.exists!;
    expect(!again.ok && again.error.code).toBe('BUNDLE_OUT_EXISTS');
  });

  it("VERIFY.md carries the published verify.sh, which passes the bundle with the auditor's trust directory", () => {
    const dir = join(work, 'manual');
    mkdirSync(dir);
    execFileSync('tar', ['-xf', bundle, '-C', dir]);
    const md = readFileSync(join(dir, 'VERIFY.md'), 'utf8');
    const script = md.slice(md.indexOf('```sh\n') + 6, md.lastIndexOf('```'));
    expect(script).toBe(VERIFY_SH);
    expect(md).toContain(createHash('sha256').update(VERIFY_SH).digest('hex'));
    writeFileSync(join(dir, 'verify.sh'), script);
    const r = spawnSync('sh', [join(dir, 'verify.sh'), bundle, trustDir], {
      env: { PATH: process.env.PATH },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain(`OK   range: tenant ${db.tenants.a}, seq ${FROM}..${TO} (${TO - FROM + 1} events)`);
    expect(r.stdout).not.toContain('FAIL');
  });
});

describe('the arx command line', () => {
  it('arx bundle export takes the PIN on stdin (never as an argument), logs in with the chosen card and writes a bundle that verifies', () => {
    const out = join(work, 'cli.arxbundle');
    const env = { ...consoleEnv, PATH: process.env.PATH ?? '', SOFTHSM2_CONF: cards.softhsm2Conf };
    const main = join(process.cwd(), 'electron/main/cli/main.ts');
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        main,
        'bundle',
        'export',
        '--tenant',
        db.tenants.a,
        '--from',
        '200',
        '--to',
        '299',
        '--out',
        out,
        '--token',
        'ARX TEST ADAMS EC',
        '--pin-stdin',
      ],
      {
        env,
        input: '123456\n',
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Wrote ${out}`);
    expect(statSync(out).mode & 0o777, 'owner only').toBe(0o600);
    const v = spawnSync(process.execPath, ['--import', 'tsx', main, 'bundle', 'verify', out, '--trust', trustDir], {
      env: { PATH: process.env.PATH ?? '' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(v.status, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toContain('VERIFIED');
    // Without a PIN it refuses in one line, before touching the card.
    const noPin = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        main,
        'bundle',
        'export',
        '--tenant',
        db.tenants.a,
        '--from',
        '0',
        '--to',
        '9',
        '--out',
        join(work, 'nopin.arxbundle'),
      ],
      { env, encoding: 'utf8', timeout: 60_000 },
    );
    expect(noPin.status).toBe(2);
    expect(noPin.stderr.trim().split('\n')).toHaveLength(1);
    expect(noPin.stderr).toContain('BUNDLE_PIN_REQUIRED');
    // Not a bundle: exit 2, one message, no stack trace.
    writeFileSync(join(work, 'junk.arxbundle'), 'junk');
    const junk = spawnSync(
      process.execPath,
      ['--import', 'tsx', main, 'bundle', 'verify', join(work, 'junk.arxbundle'), '--trust', trustDir],
      { env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8', timeout: 60_000 },
    );
    expect(junk.status).toBe(2);
    expect(junk.stdout).toContain('BUNDLE_NOT_A_BUNDLE');
    expect(junk.stdout + junk.stderr).not.toMatch(/\n\s+at /);
  }, 240_000);
});

describe('every check fails on its own corruption', () => {
  const members = () => readMembers(bundleBytes);
  const member = (name: string) => members().find((m) => m.name === name)!;
  const replace = (name: string, f: (d: Uint8Array) => Uint8Array) => (ms: { name: string; data: Uint8Array }[]) =>
    ms.map((m) => (m.name === name ? { name, data: f(m.data) } : m));
  const flipAt = (at: number) => (d: Uint8Array) => flipByte(d, at);

  it('a flipped byte in an event: members and chain fail; re-signed, only the chain, its writer (and that decision) fail', async () => {
    const ev = member('events.bin');
    const plain = await verifyFile(save('ev.arxbundle', flipByte(bundleBytes, ev.offset + 200)));
    expect(plain.code).toBe(1);
    expect(failed(plain.report)).toEqual(expect.arrayContaining(['members', 'chain']));
    expect(codes(plain.report, 'members')).toContain('BUNDLE_MEMBER_DIGEST_MISMATCH');
    const signed = await verifyFile(
      save('ev2.arxbundle', await resign(bundleBytes, replace('events.bin', flipAt(200)), adams.sign)),
    );
    expect(signed.code).toBe(1);
    // The changed event no longer reads as a gateway event, so its writer is not authenticated either.
    expect(failed(signed.report).filter((id) => id !== 'decisions')).toEqual(['chain', 'writers']);
    expect(signed.report.checks.find((c) => c.id === 'writers')!.findings.map((f) => f.location.seq)).toEqual([FROM]);
    expect(codes(signed.report, 'chain')).toContain('EVENT_DIGEST_MISMATCH');
    expect(signed.report.checks.find((c) => c.id === 'chain')!.findings[0]!.location).toMatchObject({
      member: 'events.bin',
      seq: FROM,
    });
  });

  it('a flipped byte in a proof fails the proofs check', async () => {
    const proof = new TextDecoder().decode(member('proof-end.tlog-proof').data);
    const at = proof.indexOf('\n', proof.indexOf('index ')) + 3; // inside the first proof hash
    const r = await verifyFile(
      save(
        'proof.arxbundle',
        await resign(
          bundleBytes,
          replace('proof-end.tlog-proof', (d) => flipByte(d, at)),
          adams.sign,
        ),
      ),
    );
    expect(r.code).toBe(1);
    expect(failed(r.report)).toContain('proofs');
    expect(codes(r.report, 'proofs')).toContain('PROOF_INVALID');
    expect(failed(r.report)).not.toContain('members');
  });

  it('a flipped byte in a checkpoint fails the checkpoints check', async () => {
    const r = await verifyFile(
      save('cp.arxbundle', await resign(bundleBytes, replace('checkpoint-000002.note', flipAt(60)), adams.sign)),
    );
    expect(r.code).toBe(1);
    expect(failed(r.report)).toContain('checkpoints');
    expect(r.report.checks.find((c) => c.id === 'checkpoints')!.findings[0]!.location).toMatchObject({
      member: 'checkpoint-000002.note',
    });
    expect(failed(r.report)).not.toContain('members');
  });

  it('a flipped byte in a policy version fails the policy check and decision re-verification', async () => {
    const sha = versionSha;
    const r = await verifyFile(
      save('pol.arxbundle', await resign(bundleBytes, replace(`policy-${sha}.cedar`, flipAt(40)), adams.sign)),
    );
    expect(r.code).toBe(1);
    expect(codes(r.report, 'policy-signatures')).toContain('POLICY_DIGEST_MISMATCH');
    expect(codes(r.report, 'decisions')).toContain('POLICY_VERSION_MISSING');
    expect(failed(r.report)).not.toContain('members');
  });

  it('a changed approval signature fails the policy-signature check', async () => {
    const sha = versionSha;
    const r = await verifyFile(
      save(
        'polsig.arxbundle',
        await resign(
          bundleBytes,
          replace(`policy-${sha}.json`, (d) => {
            const meta = JSON.parse(Buffer.from(d).toString('utf8')) as {
              signatures: { envelope: { signatures: { sig: string }[] } }[];
            };
            const sig = Buffer.from(meta.signatures[0]!.envelope.signatures[0]!.sig, 'base64');
            sig[10] = sig[10]! ^ 1;
            meta.signatures[0]!.envelope.signatures[0]!.sig = sig.toString('base64');
            return utf8(JSON.stringify(meta));
          }),
          adams.sign,
        ),
      ),
    );
    expect(codes(r.report, 'policy-signatures')).toContain('POLICY_SIGNATURE_INVALID');
    expect(failed(r.report)).toEqual(['policy-signatures']);
  });

  it('a flipped byte in a certificate fails the certificate check', async () => {
    const cert = members().find((m) => m.name.startsWith('cert-'))!;
    const r = await verifyFile(
      save('cert.arxbundle', await resign(bundleBytes, replace(cert.name, flipAt(cert.data.length - 20)), adams.sign)),
    );
    expect(r.code).toBe(1);
    expect(failed(r.report)).toContain('certificates');
    expect(failed(r.report)).not.toContain('members');
  });

  it('a removed member and an added member fail the members check', async () => {
    const all = members();
    const without = writeTar(all.filter((m) => m.name !== 'consistency.json'));
    const a = await verifyFile(save('removed.arxbundle', without));
    expect(a.code).toBe(1);
    expect(codes(a.report, 'members')).toContain('BUNDLE_MEMBER_MISSING');
    const i = all.findIndex((m) => m.name === 'events.bin');
    const withExtra = writeTar([
      ...all.slice(0, i),
      { name: 'extra.txt', data: utf8('not listed'), offset: 0 },
      ...all.slice(i),
    ]);
    const b = await verifyFile(save('added.arxbundle', withExtra));
    expect(b.code).toBe(1);
    expect(codes(b.report, 'members')).toEqual(['BUNDLE_MEMBER_UNLISTED']);
    expect(failed(b.report)).toEqual(['members']);
  });

  it('a manifest signed by an untrusted signer, or by a revoked one, fails the signer path', async () => {
    for (const [label, code] of [
      ['ARX TEST UNTRUSTED', 'CERT_UNTRUSTED'],
      ['ARX TEST REVOKED', 'CERT_REVOKED'],
    ] as const) {
      const s = await hsm.signer(label, '123456');
      // The manifest names the card's holder as the exporter: only the path is wrong.
      const edipi = TEST_CARDS.find((c) => c.label === label)!.person.edipi;
      try {
        const r = await verifyFile(save(`${code}.arxbundle`, await resign(bundleBytes, (m) => m, s.sign, { edipi })));
        expect(r.code, label).toBe(1);
        expect(failed(r.report)).toEqual(['signer-paths']);
        expect(codes(r.report, 'signer-paths')).toContain(code);
      } finally {
        await s.close();
      }
    }
  });

  it("a manifest naming one operator but signed with another's card fails, in the console and in arx bundle verify", async () => {
    const baker = await hsm.signer('ARX TEST BAKER RSA', '123456');
    let forged: string;
    try {
      forged = save('exporter.arxbundle', await resign(bundleBytes, (m) => m, baker.sign));
    } finally {
      await baker.close();
    }
    const adamsEdipi = TEST_CARDS.find((c) => c.label === 'ARX TEST ADAMS EC')!.person.edipi;
    const bakerEdipi = TEST_CARDS.find((c) => c.label === 'ARX TEST BAKER RSA')!.person.edipi;
    const expected = {
      code: 'BUNDLE_EXPORTER_MISMATCH',
      location: { member: 'manifest.json', path: 'exporter.edipi', expected: adamsEdipi, found: bakerEdipi },
    };
    // The console's verifier (what bundle.verify runs).
    const b3 = await loadBlake3();
    const report = await verifyBundle(forged, { trust: loadBundleTrust(trustDir), blake3: b3 });
    expect(report.ok).toBe(false);
    expect(report.fatal).toBeNull();
    expect(failed(report)).toEqual(['manifest-signature']);
    expect(report.checks.find((c) => c.id === 'manifest-signature')!.findings).toEqual([
      expect.objectContaining(expected),
    ]);
    // arx bundle verify: exit 1, the same finding.
    const r = await verifyFile(forged);
    expect(r.code).toBe(1);
    expect(failed(r.report)).toEqual(['manifest-signature']);
    expect(r.report.checks.find((c) => c.id === 'manifest-signature')!.findings).toEqual([
      expect.objectContaining(expected),
    ]);
    // The same card as the exporter named in the manifest: it verifies.
    const named = await hsm.signer('ARX TEST BAKER RSA', '123456');
    try {
      const ok = await verifyFile(
        save('exporter-consistent.arxbundle', await resign(bundleBytes, (m) => m, named.sign, { edipi: bakerEdipi })),
      );
      expect(failed(ok.report)).toEqual([]);
      expect(ok.code).toBe(0);
    } finally {
      await named.close();
    }
  });

  it('a manifest signature that does not verify fails the manifest-signature check', async () => {
    const all = members();
    const env = JSON.parse(Buffer.from(all.find((m) => m.name === 'manifest.dsse.json')!.data).toString('utf8')) as {
      signatures: { sig: string }[];
    };
    const sig = Buffer.from(env.signatures[0]!.sig, 'base64');
    sig[sig.length - 3] = sig[sig.length - 3]! ^ 1;
    env.signatures[0]!.sig = sig.toString('base64');
    const r = await verifyFile(
      save(
        'sig.arxbundle',
        writeTar(all.map((m) => (m.name === 'manifest.dsse.json' ? { ...m, data: utf8(JSON.stringify(env)) } : m))),
      ),
    );
    expect(r.code).toBe(1);
    expect(failed(r.report)).toEqual(['manifest-signature']);
  });

  it('the auditor trusts only their own anchors: the same bundle under another trust directory fails', async () => {
    const other = join(work, 'other-trust');
    mkdirSync(other);
    copyFileSync(readdirSync(cards.untrusted).map((f) => join(cards.untrusted, f))[0]!, join(other, 'rogue.pem'));
    writeFileSync(join(other, 'policy-arcs.txt'), `${cards.policyArc}\n`);
    const r = await verifyFile(bundle, other);
    expect(r.code).toBe(1);
    expect(codes(r.report, 'signer-paths')).toContain('CERT_UNTRUSTED');
  });
});

describe('mutation fuzz', () => {
  it('thousands of byte flips, truncations and member swaps: always exit 1 or 2 with a clean message, never 0', async () => {
    expect(results.small!.ok).toBe(true);
    const base = readFileSync(join(work, 'small.arxbundle'));
    expect((await verifyFile(join(work, 'small.arxbundle'))).code).toBe(0);
    const layout = readMembers(base);
    let seed = 0x2545f491;
    const rnd = (n: number) => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const file = join(work, 'fuzz.arxbundle');
    const trust = loadBundleTrust(trustDir);
    const b3 = await loadBlake3();
    const started = Date.now();
    const seen = { 1: 0, 2: 0 } as Record<number, number>;
    const codesSeen = new Set<string>();
    let runs = 0;
    while (runs < 1000) {
      const kind = runs % 10;
      let m: Buffer;
      if (kind < 7) {
        // Byte flips: anywhere, or inside a member's data (weighted to where the content is).
        m = Buffer.from(base);
        const flips = 1 + rnd(3);
        for (let i = 0; i < flips; i++) {
          const target = rnd(2)
            ? rnd(m.length)
            : (() => {
                const mem = layout[rnd(layout.length)]!;
                return mem.offset + rnd(Math.max(1, mem.data.length));
              })();
          m[target] = m[target]! ^ (1 + rnd(255));
        }
      } else if (kind < 9) {
        m = base.subarray(0, rnd(base.length));
      } else {
        const ms = layout.map((x) => ({ name: x.name, data: x.data }));
        const i = rnd(ms.length);
        const j = rnd(ms.length);
        if (i === j) continue;
        [ms[i], ms[j]] = [ms[j]!, ms[i]!];
        m = writeTar(ms);
      }
      if (m.equals(base)) continue;
      writeFileSync(file, m);
      runs++;
      if (runs % 20 !== 0) {
        // In process (the CLI's verifier, without its start-up): exit 2 = fatal, 1 = a failed check.
        const v = await verifyBundle(file, { trust, blake3: b3 });
        const code = v.fatal ? 2 : v.ok ? 0 : 1;
        expect([1, 2], `run ${runs}: ${JSON.stringify(v.fatal ?? v.checks.filter((c) => !c.ok))}`).toContain(code);
        seen[code]!++;
        const first = v.fatal ?? v.checks.find((c) => !c.ok)!.findings[0] ?? { code: 'OMITTED', message: 'x' };
        expect(first.message.length).toBeGreaterThan(0);
        codesSeen.add(first.code);
        continue;
      }
      const r = await cli(['bundle', 'verify', file, '--trust', trustDir]);
      expect([1, 2], `run ${runs}: ${r.out}${r.err}`).toContain(r.code);
      seen[r.code]!++;
      const text = r.out + r.err;
      expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack trace
      expect(text).not.toContain('INTERNAL');
      const code = /([A-Z][A-Z0-9_]{3,}):/.exec(text)?.[1] ?? /\n\s+([A-Z][A-Z0-9_]{3,}) at /.exec(text)?.[1];
      expect(code, text).toBeTruthy();
      codesSeen.add(code!);
    }
    console.log(
      `bundle fuzz: ${runs} mutations in ${((Date.now() - started) / 1000).toFixed(1)} s; exit 1: ${seen[1]}, exit 2: ${seen[2]}; ${codesSeen.size} distinct first codes`,
    );
    expect(runs).toBeGreaterThanOrEqual(1000);
    expect(seen[1]).toBeGreaterThan(0);
    expect(seen[2]).toBeGreaterThan(0);
  }, 240_000);
});
