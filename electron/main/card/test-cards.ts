// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { X509Certificate } from '@peculiar/x509';
import type pg from 'pg';
import { ArxFailure } from '../../../shared/contract';
import {
  createTestPki,
  commonName,
  issueCardCertificate,
  issueCrl,
  type TestCardCase,
  type TestCertUsage,
  type TestPerson,
} from '../pki/test-pki';
import { certificateSha256 } from '../pki/validate';
import { allTenantIds } from '../controlplane/repos/tenants';
import { grantRoles, operatorIdByEdipi, replaceCertificates, upsertOperator } from '../controlplane/repos/operators';
import type { Queryable } from '../controlplane/repos/queryable';
import { enrolOrRotateOperatorLogin, operatorRoleName } from '../controlplane/repos/operator-logins';
import { prepareOperatorLogin } from '../crypto/operator-login-wrap';
import { inTransaction, withTenant } from '../controlplane/tenant-session';

/**
 * Test cards: SoftHSM2 tokens laid out like PIV cards (OpenSC's PIV labels and ids), with keys
 * generated ON the token and certificates from the test PKI issued for the token's public keys.
 * Everything lives under one directory with its own SOFTHSM2_CONF; nothing system-wide is touched.
 * The tools (softhsm2-util, pkcs11-tool) run as child processes with that SOFTHSM2_CONF, so this
 * process never loads a PKCS#11 module itself. Test data only: the PINs are printed on purpose.
 */

export const SOFTHSM2_MODULE = '/usr/lib/softhsm/libsofthsm2.so';
export const TEST_CARD_PIN = '123456';
export const TEST_CARD_SO_PIN = '12345678';

/** The PIV key slots as OpenSC exposes them (id, key label, certificate label). */
export const PIV_SLOTS: readonly {
  id: string;
  usage: TestCertUsage;
  keyLabel: string;
  certLabel: string;
  pivKey: string;
}[] = [
  {
    id: '01',
    usage: 'piv-auth',
    keyLabel: 'PIV AUTH key',
    certLabel: 'Certificate for PIV Authentication',
    pivKey: '9A',
  },
  { id: '02', usage: 'signature', keyLabel: 'SIGN key', certLabel: 'Certificate for Digital Signature', pivKey: '9C' },
  {
    id: '03',
    usage: 'key-management',
    keyLabel: 'KEY MAN key',
    certLabel: 'Certificate for Key Management',
    pivKey: '9D',
  },
  {
    id: '04',
    usage: 'card-auth',
    keyLabel: 'CARD AUTH key',
    certLabel: 'Certificate for Card Authentication',
    pivKey: '9E',
  },
];

const USAGE_COLUMN: Record<TestCertUsage, string> = {
  'piv-auth': 'piv-auth',
  signature: 'signature',
  'key-management': 'key-management',
  'card-auth': 'card-auth',
};

export interface TestCardSpec {
  label: string;
  keyType: 'ec' | 'rsa';
  case: TestCardCase;
  person: TestPerson;
  /** Role grants in every tenant the operator is registered in. */
  roles: string[];
  /** The error code validation must give for the PIV Authentication certificate (null: accepted). */
  expect: string | null;
}

export const TEST_CARDS: readonly TestCardSpec[] = [
  {
    label: 'ARX TEST ADAMS EC',
    keyType: 'ec',
    case: 'good',
    person: { last: 'ADAMS', first: 'ALICE', middle: 'ANN', edipi: '1000000001' },
    roles: ['policy-author', 'isso', 'administrator'],
    expect: null,
  },
  {
    label: 'ARX TEST BAKER RSA',
    keyType: 'rsa',
    case: 'good',
    person: { last: 'BAKER', first: 'BRUCE', middle: 'BO', edipi: '1000000002' },
    roles: ['approver', 'auditor'],
    expect: null,
  },
  {
    label: 'ARX TEST REVOKED',
    keyType: 'ec',
    case: 'revoked',
    person: { last: 'CARTER', first: 'CORA', middle: 'C', edipi: '1000000003' },
    roles: ['policy-author'],
    expect: 'CERT_REVOKED',
  },
  {
    label: 'ARX TEST EXPIRED',
    keyType: 'ec',
    case: 'expired',
    person: { last: 'DAVIS', first: 'DREW', middle: 'D', edipi: '1000000004' },
    roles: ['policy-author'],
    expect: 'CERT_EXPIRED',
  },
  {
    label: 'ARX TEST UNTRUSTED',
    keyType: 'ec',
    case: 'untrusted',
    person: { last: 'EVANS', first: 'ELI', middle: 'E', edipi: '1000000005' },
    roles: ['policy-author'],
    expect: 'CERT_UNTRUSTED',
  },
  {
    label: 'ARX TEST WRONG EKU',
    keyType: 'ec',
    case: 'wrong-eku',
    person: { last: 'FOSTER', first: 'FAY', middle: 'F', edipi: '1000000006' },
    roles: ['policy-author'],
    expect: 'CERT_WRONG_EKU',
  },
  {
    label: 'ARX TEST NO UPN',
    keyType: 'ec',
    case: 'no-upn',
    person: { last: 'GRANT', first: 'GUS', middle: 'G', edipi: '1000000007' },
    roles: ['policy-author'],
    expect: 'CERT_UPN_MISSING',
  },
];

export interface ProvisionedCertificate {
  id: string;
  pivKey: string;
  usage: TestCertUsage;
  keyLabel: string;
  certLabel: string;
  subject: string;
  serialNumber: string;
  notAfter: string;
  sha256: string;
  /** DER file of the certificate under the test-card directory. */
  file: string;
}

export interface ProvisionedCard {
  label: string;
  pin: string;
  soPin: string;
  edipi: string;
  displayName: string;
  keyType: 'ec' | 'rsa';
  case: TestCardCase;
  expect: string | null;
  roles: string[];
  certificates: ProvisionedCertificate[];
}

export interface ProvisionedTestCards {
  dir: string;
  module: string;
  softhsm2Conf: string;
  tokenDir: string;
  trustAnchors: string;
  intermediates: string;
  crls: string;
  /** Certificates of the CA that is NOT a trust anchor (for reference). */
  untrusted: string;
  policyArc: string;
  cards: ProvisionedCard[];
}

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
  const env = { ...process.env, SOFTHSM2_CONF: softhsm2Conf };

  const pki = await createTestPki(now);
  writeFileSync(join(paths.trustAnchors, 'arx-test-root-ca-1.pem'), pki.root.cert.toString('pem') + '\n');
  writeFileSync(join(paths.intermediates, 'arx-test-id-ca-1.pem'), pki.intermediate.cert.toString('pem') + '\n');
  writeFileSync(join(paths.untrusted, 'rogue-test-root-ca.pem'), pki.untrustedRoot.cert.toString('pem') + '\n');

  const cards: ProvisionedCard[] = [];
  const revoked: X509Certificate[] = [];
  for (const spec of specs) {
    opts.onProgress?.(`provisioning ${spec.label} (${spec.keyType.toUpperCase()}, ${spec.case})`);
    await tool(
      'softhsm2-util',
      ['--init-token', '--free', '--label', spec.label, '--pin', TEST_CARD_PIN, '--so-pin', TEST_CARD_SO_PIN],
      env,
      `Initialising token "${spec.label}"`,
    );
    const p11 = (args: string[], what: string) =>
      tool(
        'pkcs11-tool',
        ['--module', module, '--token-label', spec.label, ...args],
        env,
        `${what} on "${spec.label}"`,
      );
    const cardDir = join(dir, 'cards', spec.label.toLowerCase().replace(/[^a-z0-9]+/g, '-'));
    mkdirSync(cardDir, { recursive: true });
    const certificates: ProvisionedCertificate[] = [];
    for (const slot of PIV_SLOTS) {
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
      await p11(
        ['--read-object', '--type', 'pubkey', '--id', slot.id, '-o', pubFile],
        `Reading the public key ${slot.id}`,
      );
      const spki = readFileSync(pubFile);
      const cert = await issueCardCertificate(pki, {
        person: spec.person,
        usage: slot.usage,
        case: spec.case,
        publicKey: new Uint8Array(spki),
        keyType: spec.keyType,
        now,
      });
      if (spec.case === 'revoked') revoked.push(cert);
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
      certificates.push({
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
      });
    }
    cards.push({
      label: spec.label,
      pin: TEST_CARD_PIN,
      soPin: TEST_CARD_SO_PIN,
      edipi: spec.person.edipi,
      displayName: commonName(spec.person),
      keyType: spec.keyType,
      case: spec.case,
      expect: spec.expect,
      roles: spec.roles,
      certificates,
    });
  }
  writeFileSync(
    join(paths.crls, 'arx-test-root-ca-1.crl'),
    new Uint8Array((await issueCrl(pki.root, [], { thisUpdate: now })).rawData),
  );
  writeFileSync(
    join(paths.crls, 'arx-test-id-ca-1.crl'),
    new Uint8Array((await issueCrl(pki.intermediate, revoked, { thisUpdate: now })).rawData),
  );

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

export interface RegisteredOperators {
  operators: number;
  /** Operators given a login role with its password wrapped to their card's 9D key. */
  logins: number;
  certificates: number;
  grants: number;
  tenants: string[];
}

/**
 * Registers the test cards' operators, their certificates and role grants. Re-provisioning
 * replaces an operator's certificates (the keys are new) and re-wraps a fresh database password
 * to the new key-management key. Runs as the control-plane owner (CREATEROLE).
 */
export async function registerTestOperators(
  admin: pg.Pool,
  provisioned: ProvisionedTestCards,
  tenantIds?: readonly string[],
): Promise<RegisteredOperators> {
  const tenants = tenantIds ?? (await allTenantIds(admin));
  let logins = 0;
  const operatorIds = await inTransaction(admin, async (client) => {
    const ids: string[] = [];
    for (const card of provisioned.cards) {
      const operatorId = await upsertOperator(client, randomUUID(), card.edipi, card.displayName);
      await replaceCertificates(
        client,
        operatorId,
        card.certificates.map((c) => ({
          sha256: c.sha256,
          usage: USAGE_COLUMN[c.usage],
          subject: c.subject,
          notAfter: c.notAfter,
          der: readFileSync(c.file),
        })),
      );
      ids.push(operatorId);
      if (await enrolTestLogin(client, operatorId, card)) logins++;
    }
    return ids;
  });
  let grants = 0;
  // role_grants is under forced row-level security: one transaction per tenant (re-running adds what is missing).
  for (const tenantId of tenants) {
    grants += await withTenant(admin, tenantId, async (client) => {
      let added = 0;
      for (const [i, card] of provisioned.cards.entries())
        added += await grantRoles(client, tenantId, operatorIds[i]!, card.roles);
      return added;
    });
  }
  const certificates = provisioned.cards.reduce((n, card) => n + card.certificates.length, 0);
  return { operators: provisioned.cards.length, logins, certificates, grants, tenants: [...tenants] };
}

/** A fresh database login for the card's operator, wrapped to its key-management certificate. */
async function enrolTestLogin(admin: Queryable, operatorId: string, card: ProvisionedCard): Promise<boolean> {
  const km = card.certificates.find((c) => c.usage === 'key-management');
  if (!km) return false;
  const prepared = prepareOperatorLogin(operatorRoleName(operatorId), readFileSync(km.file));
  await enrolOrRotateOperatorLogin(admin, { operatorId, ...prepared });
  return true;
}

/**
 * Enrols the database login of every test-card operator that has none yet (a demo data directory
 * provisioned before operators had their own logins); returns how many were enrolled.
 */
export async function enrolMissingTestLogins(admin: pg.Pool, provisioned: ProvisionedTestCards): Promise<number> {
  return inTransaction(admin, async (client) => {
    let n = 0;
    for (const card of provisioned.cards) {
      const id = await operatorIdByEdipi(client, card.edipi);
      if (!id) continue;
      const has = await client.query('SELECT 1 FROM arx.operator_logins WHERE operator_id = $1', [id]);
      if ((has.rowCount ?? 0) === 0 && (await enrolTestLogin(client, id, card))) n++;
    }
    return n;
  });
}
