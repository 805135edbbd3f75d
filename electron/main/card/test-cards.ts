// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { X509Certificate } from '@peculiar/x509';
import { ArxFailure } from '../../../shared/contract';
import { createTestPki, commonName, issueCardCertificate, issueCrl, type TestPki } from '../pki/test-pki';
import { certificateSha256 } from '../pki/validate';
import {
  PIV_SLOTS,
  SOFTHSM2_MODULE,
  TEST_CARDS,
  TEST_CARD_PIN,
  TEST_CARD_SO_PIN,
  type ProvisionedCard,
  type ProvisionedCertificate,
  type ProvisionedTestCards,
  type TestCardSpec,
} from './test-card-specs';

export * from './test-card-specs';
export { enrolMissingTestLogins, registerTestOperators, type RegisteredOperators } from './test-card-operators';

/**
 * Test cards: SoftHSM2 tokens laid out like PIV cards (OpenSC's PIV labels and ids), with keys
 * generated ON the token and certificates from the test PKI issued for the token's public keys.
 * Everything lives under one directory with its own SOFTHSM2_CONF; nothing system-wide is touched.
 * The tools (softhsm2-util, pkcs11-tool) run as child processes with that SOFTHSM2_CONF, so this
 * process never loads a PKCS#11 module itself. Test data only: the PINs are printed on purpose.
 */

const run = promisify(execFile);

async function tool(bin: string, args: string[], env: NodeJS.ProcessEnv, what: string): Promise<Buffer> {
  try {
    const { stdout } = await run(bin, args, { env, encoding: 'buffer', maxBuffer: 16 << 20 });
    return stdout;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') {
      throw new ArxFailure(
        'TEST_CARD_PROVISION_FAILED',
        `${bin} is not installed; test cards need SoftHSM2 (softhsm2-util) and OpenSC (pkcs11-tool).`,
        { tool: bin },
      );
    }
    const stderr = e.stderr?.toString('utf8').trim().split('\n').slice(-3).join(' ') ?? '';
    throw new ArxFailure('TEST_CARD_PROVISION_FAILED', `${what} failed: ${bin} ${stderr || e.message}`.slice(0, 600), {
      tool: bin,
    });
  }
}

interface TestCardPaths {
  trustAnchors: string;
  intermediates: string;
  crls: string;
  untrusted: string;
}

/** Replaces tokens/, pki/ and cards/ under `dir` and writes a SOFTHSM2_CONF of its own. */
function prepareDirectories(dir: string): { tokenDir: string; paths: TestCardPaths; softhsm2Conf: string } {
  const tokenDir = join(dir, 'tokens');
  const pkiDir = join(dir, 'pki');
  const paths = {
    trustAnchors: join(pkiDir, 'anchors'),
    intermediates: join(pkiDir, 'intermediates'),
    crls: join(pkiDir, 'crls'),
    untrusted: join(pkiDir, 'untrusted'),
  };
  for (const p of [tokenDir, pkiDir, join(dir, 'cards')]) rmSync(p, { recursive: true, force: true });
  for (const p of [tokenDir, ...Object.values(paths)]) mkdirSync(p, { recursive: true });
  const softhsm2Conf = join(dir, 'softhsm2.conf');
  writeFileSync(
    softhsm2Conf,
    `# ARX test cards (test data only)\ndirectories.tokendir = ${tokenDir}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = true\n`,
  );
  return { tokenDir, paths, softhsm2Conf };
}

/** The test PKI's CA certificates: the root as trust anchor, the intermediate, the rogue root apart. */
function writeCaCertificates(pki: TestPki, paths: TestCardPaths): void {
  writeFileSync(join(paths.trustAnchors, 'arx-test-root-ca-1.pem'), pki.root.cert.toString('pem') + '\n');
  writeFileSync(join(paths.intermediates, 'arx-test-id-ca-1.pem'), pki.intermediate.cert.toString('pem') + '\n');
  writeFileSync(join(paths.untrusted, 'rogue-test-root-ca.pem'), pki.untrustedRoot.cert.toString('pem') + '\n');
}

/** The CRLs of both CAs; the intermediate's lists the revoked cards' certificates. */
async function writeCrls(pki: TestPki, paths: TestCardPaths, revoked: X509Certificate[], now: Date): Promise<void> {
  writeFileSync(
    join(paths.crls, 'arx-test-root-ca-1.crl'),
    new Uint8Array((await issueCrl(pki.root, [], { thisUpdate: now })).rawData),
  );
  writeFileSync(
    join(paths.crls, 'arx-test-id-ca-1.crl'),
    new Uint8Array((await issueCrl(pki.intermediate, revoked, { thisUpdate: now })).rawData),
  );
}

interface CardContext {
  spec: TestCardSpec;
  pki: TestPki;
  now: Date;
  cardDir: string;
  /** pkcs11-tool on this card's token. */
  p11: (args: string[], what: string) => Promise<Buffer>;
}

/** One PIV slot: a key pair generated on the token, a certificate issued for it and written next to it. */
async function provisionSlot(
  card: CardContext,
  slot: (typeof PIV_SLOTS)[number],
): Promise<{ cert: X509Certificate; entry: ProvisionedCertificate }> {
  const { spec, p11, cardDir } = card;
  const keyType = spec.keyType === 'ec' ? 'EC:prime256v1' : 'rsa:2048';
  const usage =
    slot.usage === 'key-management'
      ? spec.keyType === 'ec'
        ? ['--usage-derive']
        : ['--usage-decrypt']
      : ['--usage-sign'];
  // The Digital Signature key needs a context-specific login for each use, as on a real card.
  const always = slot.usage === 'signature' ? ['--always-auth'] : [];
  await p11(
    [
      '--login',
      '--pin',
      TEST_CARD_PIN,
      '--keypairgen',
      '--key-type',
      keyType,
      '--id',
      slot.id,
      '--label',
      slot.keyLabel,
      ...usage,
      ...always,
    ],
    `Generating ${slot.keyLabel}`,
  );
  const pubFile = join(cardDir, `${slot.id}.pub.der`);
  await p11(['--read-object', '--type', 'pubkey', '--id', slot.id, '-o', pubFile], `Reading the public key ${slot.id}`);
  const spki = readFileSync(pubFile);
  const cert = await issueCardCertificate(card.pki, {
    person: spec.person,
    usage: slot.usage,
    case: spec.case,
    publicKey: new Uint8Array(spki),
    keyType: spec.keyType,
    now: card.now,
  });
  const file = join(cardDir, `${slot.id}.der`);
  writeFileSync(file, new Uint8Array(cert.rawData));
  await p11(
    [
      '--login',
      '--pin',
      TEST_CARD_PIN,
      '--write-object',
      file,
      '--type',
      'cert',
      '--id',
      slot.id,
      '--label',
      slot.certLabel,
    ],
    `Writing ${slot.certLabel}`,
  );
  return { cert, entry: certificateEntry(slot, cert, file) };
}

/** One card: a SoftHSM2 token initialised with the test PINs and every PIV slot filled. */
async function provisionCard(
  spec: TestCardSpec,
  ctx: { dir: string; module: string; env: NodeJS.ProcessEnv; pki: TestPki; now: Date },
  revoked: X509Certificate[],
): Promise<ProvisionedCard> {
  const { dir, module, env } = ctx;
  await tool(
    'softhsm2-util',
    ['--init-token', '--free', '--label', spec.label, '--pin', TEST_CARD_PIN, '--so-pin', TEST_CARD_SO_PIN],
    env,
    `Initialising token "${spec.label}"`,
  );
  const p11 = (args: string[], what: string) =>
    tool('pkcs11-tool', ['--module', module, '--token-label', spec.label, ...args], env, `${what} on "${spec.label}"`);
  const cardDir = join(dir, 'cards', spec.label.toLowerCase().replace(/[^a-z0-9]+/g, '-'));
  mkdirSync(cardDir, { recursive: true });
  const card: CardContext = { spec, pki: ctx.pki, now: ctx.now, cardDir, p11 };
  const certificates: ProvisionedCertificate[] = [];
  for (const slot of PIV_SLOTS) {
    const { cert, entry } = await provisionSlot(card, slot);
    if (spec.case === 'revoked') revoked.push(cert);
    certificates.push(entry);
  }
  return {
    label: spec.label,
    pin: TEST_CARD_PIN,
    soPin: TEST_CARD_SO_PIN,
    edipi: spec.person.edipi,
    displayName: commonName(spec.person),
    keyType: spec.keyType,
    case: spec.case,
    expect: spec.expect,
    roles: spec.roles,
    ...(spec.enrol === false ? { enrol: false } : {}),
    certificates,
  };
}

/**
 * Creates the test PKI and one SoftHSM2 token per TEST_CARDS entry under `dir` (its tokens/,
 * pki/ and cards/ subdirectories and softhsm2.conf are replaced if present), and writes
 * `test-cards.json` with the result.
 */
export async function provisionTestCards(
  dirArg: string,
  opts: { module?: string; specs?: readonly TestCardSpec[]; onProgress?: (line: string) => void; now?: Date } = {},
): Promise<ProvisionedTestCards> {
  const dir = resolve(dirArg);
  const module = opts.module ?? SOFTHSM2_MODULE;
  if (!existsSync(module))
    throw new ArxFailure(
      'TEST_CARD_PROVISION_FAILED',
      `The SoftHSM2 module ${module} does not exist (install softhsm2).`,
      { module },
    );
  const specs = opts.specs ?? TEST_CARDS;
  const now = opts.now ?? new Date();
  const { tokenDir, paths, softhsm2Conf } = prepareDirectories(dir);
  const env = { ...process.env, SOFTHSM2_CONF: softhsm2Conf };
  const pki = await createTestPki(now);
  writeCaCertificates(pki, paths);

  const cards: ProvisionedCard[] = [];
  const revoked: X509Certificate[] = [];
  for (const spec of specs) {
    opts.onProgress?.(`provisioning ${spec.label} (${spec.keyType.toUpperCase()}, ${spec.case})`);
    cards.push(await provisionCard(spec, { dir, module, env, pki, now }, revoked));
  }
  await writeCrls(pki, paths, revoked, now);

  const result: ProvisionedTestCards = {
    dir,
    module,
    softhsm2Conf,
    tokenDir,
    ...paths,
    policyArc: pki.policyArc,
    cards,
  };
  writeFileSync(join(dir, 'test-cards.json'), JSON.stringify(result, null, 2) + '\n');
  return result;
}

/** One certificate's line in a provisioned card's manifest (SoftHSM2 here, the virtual PIV card in tests). */
export function certificateEntry(slot: (typeof PIV_SLOTS)[number], cert: X509Certificate, file: string) {
  return {
    id: slot.id,
    pivKey: slot.pivKey,
    usage: slot.usage,
    keyLabel: slot.keyLabel,
    certLabel: slot.certLabel,
    subject: cert.subject,
    serialNumber: cert.serialNumber,
    notAfter: cert.notAfter.toISOString(),
    sha256: certificateSha256(cert),
    file,
  };
}
