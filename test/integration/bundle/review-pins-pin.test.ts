import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64, utf8 } from '../../../shared/bytes';
import type { BundleReport } from '../../../shared/bundle';
import { ed25519Signer, formatVerifierKey } from '../../../shared/checkpoint';
import { envelopeOf, pae } from '../../../shared/dsse';
import { FIDELITY_PAYLOAD_TYPE } from '../../../shared/review';
import {
  provisionTestCards,
  registerTestOperators,
  type ProvisionedTestCards,
} from '../../../electron/main/card/test-cards';
import { runCli } from '../../../electron/main/cli/arx';
import type { ConsoleServices } from '../../../electron/main/composition/console-services';
import { ConsoleSession } from '../../../electron/main/core/registry';
import { startCardConsole } from '../../support/card-console';
import { migratedDatabase } from '../../support/pg';
import {
  auditorTrustDir,
  publishCardSignedDefaultPolicy,
  seedCheckpointedTraffic,
  openCards,
  readMembers,
  resign,
  type DigestSigner,
} from './support';

/**
 * Bundle reviews, pins and the PIN prompt, with real parts (PostgreSQL, SoftHSM2 cards, the console's contract and the
 * `arx` CLI): a fidelity certificate's signed subject against the bundle's chain (an edited
 * subject re-signed by a trusted card fails only that check), gateway keys pinned by the auditor,
 * and `arx bundle export` asking the PIN on a terminal (a real pseudo-terminal) without echo.
 */
let db: Awaited<ReturnType<typeof migratedDatabase>>;
let cards: ProvisionedTestCards;
let services: ConsoleServices;
let work: string;
let trustDir: string;
let consoleEnv: Record<string, string> = {};
let adams: { sign: DigestSigner; close: () => Promise<void> };
let hsm: Awaited<ReturnType<typeof openCards>>;
let gatewayKeyText = '';
let reviewFull = '';
let reviewInner = '';
let reviewBundle = '';
let rangeBundle = '';
const opened: Record<string, { ok: boolean; value?: unknown; error?: unknown }> = {};
const session = new ConsoleSession();
session.consentAcknowledgedAt = new Date();
const EVENTS = 400;

async function call<T>(name: string, req: unknown): Promise<T> {
  const r = await services.registry.invoke(name, req, { adapter: 'cli', session });
  if (!r.ok) throw new Error(`${name}: ${r.error.code} ${r.error.message}`);
  return r.value as T;
}

async function verify(
  file: string,
  trust = trustDir,
): Promise<{ code: number; report: BundleReport | null; err: string; out: string }> {
  let out = '';
  let err = '';
  const code = await runCli(['bundle', 'verify', file, '--trust', trust, '--json'], {
    out: (t) => (out += `${t}\n`),
    err: (t) => (err += `${t}\n`),
    env: {},
    readStdin: async () => '',
  });
  let report: BundleReport | null = null;
  try {
    report = JSON.parse(out) as BundleReport;
  } catch {
    report = null;
  }
  return { code, report, err, out };
}

const failed = (r: BundleReport) => r.checks.filter((c) => !c.ok).map((c) => c.id);
const findings = (r: BundleReport, id: string) => r.checks.find((c) => c.id === id)!.findings;
const warningCodes = (r: BundleReport) => r.warnings.map((w) => w.code);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'arx-bundle-h4-'));
  db = await migratedDatabase('bundlerev');
  cards = await provisionTestCards(join(work, 'cards'));
  await registerTestOperators(db.admin, cards, [db.tenants.a]);
  process.env.SOFTHSM2_CONF = cards.softhsm2Conf;

  // Gateway traffic with a signed checkpoint every 100 events; the policy version the decisions used,
  // authored (ADAMS) and approved (BAKER) on their cards; the auditor's trust directory, the gateway key pinned.
  const tenant = db.tenants.a;
  const gateway = await seedCheckpointedTraffic(db, tenant, {
    keyName: 'arx-gateway.h4-test.1',
    events: EVENTS,
    seed: 11,
    start: new Date('2026-11-03T00:00:00Z'),
  });
  gatewayKeyText = formatVerifierKey(gateway.name, gateway.publicKey);
  await publishCardSignedDefaultPolicy(db, cards, tenant);
  trustDir = auditorTrustDir(cards, join(work, 'trust'), [gateway]);

  ({ services, env: consoleEnv } = await startCardConsole(db, cards, 'bundlerev', {
    ARX_DATA_DIR: join(work, 'data'),
  }));
  const readers = await call<{ readers: { slot: string; tokenLabel: string | null }[] }>('card.readers', {});
  const slot = readers.readers.find((r) => r.tokenLabel === 'ARX TEST ADAMS EC')!.slot;
  await call('card.login', { slot, certificateId: null, pin: '123456', confirmFinalTry: false });

  // Two reviews signed by ADAMS (ISSO): one of 0…299 (tree size 300 = a checkpoint), one of 150…249 inside it.
  for (const [from, to] of [
    [0, 299],
    [150, 249],
  ] as const) {
    const draft = await call<{ draftId: string }>('review.prepare', {
      tenantId: tenant,
      fromSeq: from,
      toSeq: to,
      reverifyJobId: null,
    });
    const signed = await call<{ id: string }>('review.sign', { draftId: draft.draftId, pin: '123456' });
    if (from === 0) reviewFull = signed.id;
    else reviewInner = signed.id;
  }
  // Exported for the first review (the --review form), and a range that ends before the second review does not.
  reviewBundle = join(work, 'review.arxbundle');
  await call('bundle.export', { tenant, from: null, to: null, review: reviewFull, pin: '123456', out: reviewBundle });
  rangeBundle = join(work, 'range.arxbundle');
  await call('bundle.export', { tenant, from: 200, to: 299, review: null, pin: '123456', out: rangeBundle });

  // The console's Open bundle with a pinned key in its configured trust-anchor directory: an unknown key, then none.
  const pinFile = join(cards.trustAnchors, 'gateway-keys.txt');
  writeFileSync(
    pinFile,
    `# not our gateway\n${formatVerifierKey('arx-gateway.other', ed25519Signer('arx-gateway.other', randomBytes(32)).publicKey)}\n`,
  );
  opened.otherPinned = await services.registry.invoke(
    'bundle.open',
    { path: reviewBundle, maxEvents: 0 },
    { adapter: 'cli', session },
  );
  writeFileSync(pinFile, `${gatewayKeyText}\n`);
  opened.pinned = await services.registry.invoke(
    'bundle.open',
    { path: reviewBundle, maxEvents: 0 },
    { adapter: 'cli', session },
  );
  rmSync(pinFile);
  opened.unpinned = await services.registry.invoke(
    'bundle.open',
    { path: reviewBundle, maxEvents: 0 },
    { adapter: 'cli', session },
  );
  opened.allowed = await services.registry.invoke(
    'bundle.open',
    { path: reviewBundle, maxEvents: 0, allowUnpinnedGatewayKeys: true },
    { adapter: 'cli', session },
  );
  // The screen's trust directory, laid out as for `arx bundle verify --trust`.
  opened.trustDir = await services.registry.invoke(
    'bundle.open',
    { path: reviewBundle, maxEvents: 0, trust: trustDir, allowUnpinnedGatewayKeys: false },
    { adapter: 'cli', session },
  );
  await services.stop();

  hsm = await openCards(cards.module);
  adams = await hsm.signer('ARX TEST ADAMS EC', '123456');
}, 400_000);

afterAll(async () => {
  await adams?.close();
  await hsm?.close();
  await services?.stop().catch(() => {});
  await db?.drop();
  if (work) rmSync(work, { recursive: true, force: true });
});

interface EditableStatement {
  subject: { digest: { sha256: string; blake3: string }; annotations: { previousHead: string } }[];
}
interface EditableMember {
  toSeq: number;
  envelope: { payload: string; signatures: { keyid: string }[] };
}

/** Edits the statement of review `id` in the bundle and signs it again on ADAMS's card (a trusted signer), then re-signs the manifest. */
async function editReview(
  file: string,
  id: string,
  edit: (statement: EditableStatement, member: EditableMember) => void,
): Promise<string> {
  const bytes = readFileSync(file);
  const name = `review-${id}.json`;
  const member = JSON.parse(
    Buffer.from(readMembers(bytes).find((m) => m.name === name)!.data).toString('utf8'),
  ) as EditableMember;
  const statement = JSON.parse(Buffer.from(fromBase64(member.envelope.payload)!).toString('utf8')) as EditableStatement;
  edit(statement, member);
  const payload = utf8(JSON.stringify(statement));
  const signed = await adams.sign(
    new Uint8Array(createHash('sha256').update(pae(FIDELITY_PAYLOAD_TYPE, payload)).digest()),
  );
  const keyid = createHash('sha256').update(signed.certificateDer).digest('hex');
  expect(keyid).toBe(member.envelope.signatures[0]!.keyid);
  member.envelope = envelopeOf(FIDELITY_PAYLOAD_TYPE, payload, [
    { keyid, sig: signed.signature },
  ]) as EditableMember['envelope'];
  const out = await resign(
    bytes,
    (ms) => ms.map((m) => (m.name === name ? { name, data: utf8(JSON.stringify(member)) } : m)),
    adams.sign,
  );
  const path = join(work, `edited-${randomBytes(4).toString('hex')}.arxbundle`);
  writeFileSync(path, out);
  return path;
}

describe("a fidelity certificate's subject against the bundle's chain", () => {
  it("the --review bundle verifies: its review compared field by field (root via the checkpoint of size 300); only the inner review's root is unchecked", async () => {
    const v = await verify(reviewBundle);
    expect(v.code, v.out).toBe(0);
    const r = v.report!;
    expect(r.summary).toMatchObject({ from: 0, to: 299, reviews: 2 });
    // MTH(h_0…h_249) is neither a checkpoint of this bundle nor its last seq: said, not assumed.
    expect(r.warnings.filter((w) => w.code === 'REVIEW_SUBJECT_UNCHECKED')).toEqual([
      expect.objectContaining({
        location: { member: `review-${reviewInner}.json` },
        message: expect.stringMatching(/its digest\.sha256 could not/),
      }),
    ]);
    expect(r.checks.find((c) => c.id === 'certificates')!.checked).toBeGreaterThanOrEqual(2);
  });

  for (const [field, edit] of [
    ['digest.sha256', (s: EditableStatement) => (s.subject[0]!.digest.sha256 = flipHex(s.subject[0]!.digest.sha256))],
    ['digest.blake3', (s: EditableStatement) => (s.subject[0]!.digest.blake3 = flipHex(s.subject[0]!.digest.blake3))],
    [
      'previousHead',
      (s: EditableStatement) =>
        (s.subject[0]!.annotations.previousHead = flipHex(s.subject[0]!.annotations.previousHead)),
    ],
  ] as const) {
    it(`a subject whose ${field} was edited and re-signed by a trusted card fails only the subject check, at that review and field`, async () => {
      const edited = await editReview(reviewBundle, reviewFull, edit);
      const v = await verify(edited);
      expect(v.code, v.out).toBe(1);
      expect(failed(v.report!)).toEqual(['certificates']);
      const f = findings(v.report!, 'certificates');
      expect(f).toHaveLength(1);
      expect(f[0]).toMatchObject({
        code: 'REVIEW_SUBJECT_MISMATCH',
        location: { member: `review-${reviewFull}.json`, field },
      });
    });
  }

  it('the inner review (150…249) is checked against the hashes of events.bin: an edited head fails', async () => {
    const edited = await editReview(
      reviewBundle,
      reviewInner,
      (s) => (s.subject[0]!.digest.blake3 = flipHex(s.subject[0]!.digest.blake3)),
    );
    const v = await verify(edited);
    expect(v.code).toBe(1);
    expect(findings(v.report!, 'certificates')).toEqual([
      expect.objectContaining({
        code: 'REVIEW_SUBJECT_MISMATCH',
        location: expect.objectContaining({ member: `review-${reviewInner}.json`, field: 'digest.blake3' }),
      }),
    ]);
  });

  it('the member fields that say which range a review covers must be its signed ones', async () => {
    const edited = await editReview(reviewBundle, reviewFull, (_s, member) => (member.toSeq = 298));
    const v = await verify(edited);
    expect(v.code).toBe(1);
    expect(findings(v.report!, 'certificates').map((f) => [f.code, f.location.field])).toEqual([
      ['REVIEW_SUBJECT_MISMATCH', 'range'],
    ]);
  });

  it('a bundle of 200…299 holds both reviews; what lies outside it is a warning naming the fields, never a pass or a failure', async () => {
    const v = await verify(rangeBundle);
    expect(v.code, v.out).toBe(0);
    const unchecked = v.report!.warnings.filter((w) => w.code === 'REVIEW_SUBJECT_UNCHECKED');
    // Review 0…299: previousHead is G (known), head and root (checkpoint of 300) known: nothing unchecked.
    // Review 150…249: h_149 lies before the bundle, and no checkpoint has size 250.
    expect(unchecked).toEqual([
      expect.objectContaining({
        location: { member: `review-${reviewInner}.json` },
        message: expect.stringMatching(/previousHead, digest\.sha256/),
      }),
    ]);
  });
});

describe('gateway keys pinned by the auditor', () => {
  const trustWith = (pins: string | null): string => {
    const dir = join(work, `trust-${randomBytes(4).toString('hex')}`);
    cpSync(trustDir, dir, { recursive: true });
    if (pins !== null) writeFileSync(join(dir, 'gateway-keys.txt'), pins);
    else rmSync(join(dir, 'gateway-keys.txt'));
    return dir;
  };

  it('without a pin file verification fails with GATEWAY_KEYS_UNPINNED; the explicit flag accepts with a warning in capitals', async () => {
    const unpinned = trustWith(null);
    const v = await verify(reviewBundle, unpinned);
    expect(v.code, v.out).toBe(1);
    expect(failed(v.report!)).toEqual(['checkpoints']);
    const f = findings(v.report!, 'checkpoints').find((x) => x.code === 'GATEWAY_KEYS_UNPINNED')!;
    expect(f.message).toContain("gateway keys taken from the bundle, vouched for by the exporter's signature only");
    expect(f.location).toEqual({ member: 'gateway-keys.json' });

    const allowed = await runText([
      'bundle',
      'verify',
      reviewBundle,
      '--trust',
      unpinned,
      '--allow-unpinned-gateway-keys',
    ]);
    const lines = allowed.trim().split('\n');
    expect(lines.at(-2)).toBe('VERIFIED: every check holds.');
    expect(lines.at(-1)).toMatch(/^WARNING: GATEWAY KEYS NOT PINNED/);
    expect(lines.at(-1)).toBe(lines.at(-1)!.toUpperCase());
    let code = -1;
    await runCli(['bundle', 'verify', reviewBundle, '--trust', unpinned, '--allow-unpinned-gateway-keys', '--json'], {
      out: () => {},
      err: () => {},
      env: {},
      readStdin: async () => '',
    }).then((c) => (code = c));
    expect(code).toBe(0);
  });

  it('--help documents the trust directory: anchors, intermediates, CRLs, policy arcs, gateway-keys.txt, an example', async () => {
    const help = await runText(['bundle', 'verify', '--help']);
    for (const part of ['anchors/', 'intermediates/', 'crls/', 'policy-arcs.txt', 'gateway-keys.txt', 'Example:'])
      expect(help).toContain(part);
    expect(help).toContain('--allow-unpinned-gateway-keys');
    expect(help).toMatch(/arx-gateway\.[a-z-]+\.1\+[0-9a-f]{8}\+/);
  });

  it('the gateway key pinned (with comments and blank lines): verified, no warning', async () => {
    const v = await verify(reviewBundle, trustWith(`# the gateway of tenant a\n\n${gatewayKeyText}\n`));
    expect(v.code, v.out).toBe(0);
    expect(warningCodes(v.report!)).not.toContain('GATEWAY_KEYS_UNPINNED');
  });

  it('another key pinned: every checkpoint fails with GATEWAY_KEY_NOT_PINNED, and what rests on them fails too', async () => {
    const other = formatVerifierKey(
      'arx-gateway.h4-test.1',
      ed25519Signer('arx-gateway.h4-test.1', randomBytes(32)).publicKey,
    );
    const v = await verify(reviewBundle, trustWith(`${other}\n`));
    expect(v.code).toBe(1);
    const cps = findings(v.report!, 'checkpoints');
    expect(cps.length).toBe(v.report!.checks.find((c) => c.id === 'checkpoints')!.checked);
    expect(new Set(cps.map((f) => f.code))).toEqual(new Set(['GATEWAY_KEY_NOT_PINNED']));
    expect(cps[0]!.location.member).toMatch(/^checkpoint-\d{6}\.note$/);
    expect(failed(v.report!)).toEqual(expect.arrayContaining(['checkpoints', 'proofs']));
    expect(failed(v.report!)).not.toContain('manifest-signature');
  });

  it('a pin file that is not verifier keys, or holds none: exit 2, BUNDLE_TRUST_INVALID with the line', async () => {
    const bad = await verify(reviewBundle, trustWith(`${gatewayKeyText}\nnot a key\n`));
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/BUNDLE_TRUST_INVALID: .*gateway-keys\.txt line 2/);
    const empty = await verify(reviewBundle, trustWith('# nothing\n'));
    expect(empty.code).toBe(2);
    expect(empty.err).toContain('BUNDLE_TRUST_INVALID');
  });

  it("the console's Open bundle reads gateway-keys.txt from the trust directory asked for, else its configured anchors", () => {
    const report = (r: (typeof opened)[string]) => (r.value as { report: BundleReport }).report;
    expect(opened.otherPinned!.ok).toBe(true);
    expect(report(opened.otherPinned!).ok).toBe(false);
    expect(findings(report(opened.otherPinned!), 'checkpoints')[0]!.code).toBe('GATEWAY_KEY_NOT_PINNED');
    expect(report(opened.pinned!).ok).toBe(true);
    expect(warningCodes(report(opened.pinned!))).not.toContain('GATEWAY_KEYS_UNPINNED');
    expect(report(opened.unpinned!).ok).toBe(false);
    expect(findings(report(opened.unpinned!), 'checkpoints').map((f) => f.code)).toEqual(['GATEWAY_KEYS_UNPINNED']);
    expect(report(opened.allowed!).ok).toBe(true);
    expect(warningCodes(report(opened.allowed!))).toContain('GATEWAY_KEYS_UNPINNED');
    expect(report(opened.trustDir!).ok).toBe(true);
    expect(warningCodes(report(opened.trustDir!))).not.toContain('GATEWAY_KEYS_UNPINNED');
  });
});

describe('arx bundle export asks the PIN on a terminal', () => {
  const main = join(process.cwd(), 'electron/main/cli/main.ts');
  const pty = join(process.cwd(), 'test/integration/bundle/pty-run.py');
  const args = (out: string) => [
    process.execPath,
    '--import',
    'tsx',
    main,
    'bundle',
    'export',
    '--tenant',
    db.tenants.a,
    '--from',
    '100',
    '--to',
    '199',
    '--out',
    out,
    '--token',
    'ARX TEST ADAMS EC',
  ];

  it('in a pseudo-terminal: prompts on stderr, echoes nothing, signs, and the bundle verifies', async () => {
    const out = join(work, 'tty.arxbundle');
    const r = spawnSync('python3', [pty, ...args(out)], {
      env: { ...consoleEnv, PATH: process.env.PATH ?? '', SOFTHSM2_CONF: cards.softhsm2Conf, H4_TYPE: '123456' },
      encoding: 'utf8',
      timeout: 180_000,
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('Card PIN (to sign the bundle manifest): ');
    expect(r.stdout).not.toContain('123456');
    expect(r.stdout).toContain(`Wrote ${out}`);
    expect((await verify(out)).code).toBe(0);
  }, 200_000);

  it('a wrong PIN typed at the prompt: PIN_INCORRECT, nothing written', () => {
    const out = join(work, 'tty-wrong.arxbundle');
    const r = spawnSync('python3', [pty, ...args(out)], {
      env: { ...consoleEnv, PATH: process.env.PATH ?? '', SOFTHSM2_CONF: cards.softhsm2Conf, H4_TYPE: '999999' },
      encoding: 'utf8',
      timeout: 180_000,
    });
    expect(r.status).toBe(2);
    expect(r.stdout).toContain('PIN_INCORRECT');
    expect(r.stdout).not.toContain('999999');
    expect(existsSync(out)).toBe(false);
  }, 200_000);

  it('no terminal, no --pin-stdin, no ARX_PIN: one line, BUNDLE_PIN_REQUIRED, exit 2', () => {
    const r = spawnSync(args('x')[0]!, args(join(work, 'none.arxbundle')).slice(1), {
      env: { ...consoleEnv, PATH: process.env.PATH ?? '' },
      encoding: 'utf8',
      timeout: 60_000,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^BUNDLE_PIN_REQUIRED: /);
  }, 100_000);
});

async function runText(argv: string[]): Promise<string> {
  let out = '';
  await runCli(argv, {
    out: (t) => (out += `${t}\n`),
    err: (t) => (out += `${t}\n`),
    env: {},
    readStdin: async () => '',
  });
  return out;
}

function flipHex(h: string): string {
  return (h[0] === '0' ? '1' : '0') + h.slice(1);
}
