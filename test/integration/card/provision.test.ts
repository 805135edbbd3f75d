import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  registerTestOperators,
  enrolMissingTestLogins,
  SOFTHSM2_MODULE,
  TEST_CARDS,
  type ProvisionedTestCards,
} from '../../../electron/main/card/test-cards';
import { runCli } from '../../../electron/main/cli/arx';
import { loadTrustStore } from '../../../electron/main/pki/trust-store';
import { validateCertificate } from '../../../electron/main/pki/validate';
import { migratedDatabase } from '../../support/pg';

// `arx card provision-test` into a temporary directory, then everything checked with the stock
// tools (pkcs11-tool, openssl) under that directory's own SOFTHSM2_CONF, and the operators
// registered in a freshly migrated control plane.

let dir: string;
let out: ProvisionedTestCards;
let exitCode: number;
let db: Awaited<ReturnType<typeof migratedDatabase>>;

const p11 = (args: string[]) =>
  execFileSync('pkcs11-tool', ['--module', SOFTHSM2_MODULE, ...args], {
    // Only our SOFTHSM2_CONF: nothing system-wide may be needed or touched.
    env: { PATH: process.env.PATH, SOFTHSM2_CONF: out.softhsm2Conf },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'arx-cards-'));
  const stdout: string[] = [];
  exitCode = await runCli(['card', 'provision-test', '--dir', dir, '--json'], {
    out: (t) => stdout.push(t),
    err: () => {},
    readStdin: async () => '',
    env: { ...process.env, ARX_CONTROL_PLANE: 'none' },
  });
  out = JSON.parse(stdout.join('\n')) as ProvisionedTestCards;
  db = await migratedDatabase('cards');
}, 180_000);

afterAll(async () => {
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('arx card provision-test', () => {
  it('prints the module, SOFTHSM2_CONF, trust directories and, per token, label, PIN, EDIPI, key type and fingerprints', () => {
    expect(exitCode).toBe(0);
    expect(out).toMatchObject({
      module: SOFTHSM2_MODULE,
      softhsm2Conf: join(dir, 'softhsm2.conf'),
      trustAnchors: join(dir, 'pki', 'anchors'),
      crls: join(dir, 'pki', 'crls'),
    });
    expect(readFileSync(out.softhsm2Conf, 'utf8')).toContain(`directories.tokendir = ${join(dir, 'tokens')}`);
    expect(out.cards.map((c) => [c.label, c.keyType, c.edipi, c.case])).toEqual(
      TEST_CARDS.map((c) => [c.label, c.keyType, c.person.edipi, c.case]),
    );
    for (const c of out.cards) {
      expect(c.pin).toMatch(/^\d{6,}$/);
      expect(c.certificates.map((x) => x.id)).toEqual(['01', '02', '03', '04']);
      for (const x of c.certificates) expect(x.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(new Set(out.cards.map((c) => c.keyType))).toEqual(new Set(['ec', 'rsa']));
  });

  it('creates tokens that pkcs11-tool -L lists under that SOFTHSM2_CONF', () => {
    const listing = p11(['-L']);
    for (const c of out.cards) expect(listing).toContain(`token label        : ${c.label}\n`);
  });

  it('puts keys and certificates under the PIV ids and labels; the signature key needs a login per use', () => {
    for (const c of out.cards) {
      const objects = p11(['--token-label', c.label, '--login', '--pin', c.pin, '-O']);
      for (const [id, key, cert] of [
        ['01', 'PIV AUTH key', 'Certificate for PIV Authentication'],
        ['02', 'SIGN key', 'Certificate for Digital Signature'],
        ['03', 'KEY MAN key', 'Certificate for Key Management'],
        ['04', 'CARD AUTH key', 'Certificate for Card Authentication'],
      ]) {
        expect(objects).toMatch(
          new RegExp(
            `Private Key Object; ${c.keyType === 'ec' ? 'EC' : 'RSA'}[^\\n]*\\n\\s+label:\\s+${key}\\n\\s+ID:\\s+${id}\\n`,
          ),
        );
        expect(objects).toMatch(
          new RegExp(`Certificate Object;[^\\n]*\\n\\s+label:\\s+${cert}\\n[\\s\\S]*?ID:\\s+${id}\\n`),
        );
      }
      const sign = /Private Key Object;[^\n]*\n\s+label:\s+SIGN key\n[\s\S]*?Access:([^\n]*)/.exec(objects)!;
      expect(sign[1]).toContain('always authenticate');
      expect(sign[1]).toContain('never extractable'); // generated on the token
    }
  });

  it("issues every certificate for the token's own public key", () => {
    for (const c of out.cards) {
      for (const x of c.certificates) {
        const pub = join(dir, `pub-${c.edipi}-${x.id}.der`);
        p11(['--token-label', c.label, '--read-object', '--type', 'pubkey', '--id', x.id, '-o', pub]);
        const onToken = readFileSync(pub);
        const onCard = execFileSync(
          'pkcs11-tool',
          ['--module', SOFTHSM2_MODULE, '--token-label', c.label, '--read-object', '--type', 'cert', '--id', x.id],
          {
            env: { PATH: process.env.PATH, SOFTHSM2_CONF: out.softhsm2Conf },
          },
        );
        const cert = new X509Certificate(new Uint8Array(onCard));
        expect(Buffer.from(cert.publicKey.rawData).equals(onToken)).toBe(true);
        expect(Buffer.from(cert.rawData).equals(readFileSync(x.file))).toBe(true);
      }
    }
  });

  it('a signature made on the token with the PIV Authentication key verifies with openssl against the certificate', () => {
    for (const c of out.cards.filter((x) => x.case === 'good')) {
      const data = join(dir, `data-${c.edipi}`);
      const sig = join(dir, `sig-${c.edipi}`);
      const certPem = join(dir, `cert-${c.edipi}.pem`);
      writeFileSync(data, `challenge for ${c.label}`);
      // SoftHSM2 has raw CKM_ECDSA only: hash here, sign the digest on the token (as the card service does).
      const digest = join(dir, `digest-${c.edipi}`);
      writeFileSync(digest, createHash('sha256').update(readFileSync(data)).digest());
      const [mech, input] =
        c.keyType === 'ec'
          ? [['--mechanism', 'ECDSA', '--signature-format', 'openssl'], digest]
          : [['--mechanism', 'SHA256-RSA-PKCS'], data];
      p11([
        '--token-label',
        c.label,
        '--login',
        '--pin',
        c.pin,
        '--sign',
        '--id',
        '01',
        ...mech,
        '-i',
        input,
        '-o',
        sig,
      ]);
      execFileSync('openssl', ['x509', '-inform', 'DER', '-in', c.certificates[0]!.file, '-out', certPem]);
      const pubPem = execFileSync('openssl', ['x509', '-in', certPem, '-noout', '-pubkey']);
      writeFileSync(`${certPem}.pub`, pubPem);
      const verified = execFileSync(
        'openssl',
        ['dgst', '-sha256', '-verify', `${certPem}.pub`, '-signature', sig, data],
        { encoding: 'utf8' },
      );
      expect(verified.trim()).toBe('Verified OK');
    }
  });

  it('the PIV Authentication certificates validate as intended: the good cards pass, each bad card is refused with its own code', async () => {
    const store = loadTrustStore({ anchors: out.trustAnchors, intermediates: out.intermediates, crls: out.crls });
    const codes = [];
    for (const c of out.cards) {
      const r = await validateCertificate(
        new X509Certificate(new Uint8Array(readFileSync(c.certificates[0]!.file))),
        store,
        'login',
        { policyArcs: [out.policyArc] },
      );
      codes.push([c.label, r.ok ? null : r.error.code]);
      if (r.ok) expect(r.value.identity?.edipi).toBe(c.edipi);
    }
    expect(codes).toEqual(out.cards.map((c) => [c.label, c.expect]));
    expect(new Set(codes.map(([, code]) => code)).size).toBe(out.cards.length - 1); // two good cards, five distinct refusals
  });

  it('registers the operators, their certificates and role grants in the control plane (again without duplicates)', async () => {
    const first = await registerTestOperators(db.admin, out, [db.tenants.a]);
    const again = await registerTestOperators(db.admin, out, [db.tenants.a]);
    expect(first).toMatchObject({
      operators: out.cards.length,
      logins: out.cards.length,
      certificates: out.cards.length * 4,
    });
    // Each operator has a login role whose password is wrapped to that card's key-management certificate.
    const logins = await db.admin.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM arx.operator_logins l JOIN arx.operator_certificates c
         ON c.operator_id = l.operator_id AND c.usage = 'key-management' AND sha256(c.der) = l.wrap_key_sha256`,
    );
    expect(logins.rows[0]!.n).toBe(out.cards.length);
    // A data directory provisioned before operators had logins: the missing ones are enrolled, once.
    await db.admin.query(
      'DELETE FROM arx.operator_logins WHERE operator_id = (SELECT id FROM arx.operators WHERE edipi = $1)',
      [out.cards[0]!.edipi],
    );
    expect(await enrolMissingTestLogins(db.admin, out)).toBe(1);
    expect(await enrolMissingTestLogins(db.admin, out)).toBe(0);
    expect(again.grants).toBe(0);
    const ops = await db.admin.query<{ edipi: string; display_name: string; n: string }>(
      `SELECT o.edipi, o.display_name, count(c.*) AS n FROM arx.operators o JOIN arx.operator_certificates c ON c.operator_id = o.id GROUP BY o.id ORDER BY o.edipi`,
    );
    expect(ops.rows.map((r) => [r.edipi, r.display_name, Number(r.n)])).toEqual(
      out.cards.map((c) => [c.edipi, c.displayName, 4]),
    );
    const certs = await db.admin.query<{ sha256: Buffer; usage: string; der: Buffer }>(
      'SELECT sha256, usage, der FROM arx.operator_certificates',
    );
    const expected = new Map(out.cards.flatMap((c) => c.certificates.map((x) => [x.sha256, x] as const)));
    for (const row of certs.rows) {
      const x = expected.get(row.sha256.toString('hex'))!;
      expect(x).toBeDefined();
      expect(row.usage).toBe(x.usage);
      expect(row.der.equals(readFileSync(x.file))).toBe(true);
    }
    // The console reads grants of its own tenant only (row-level security).
    const c = await db.consolePool.connect();
    try {
      await c.query('BEGIN');
      await c.query("SELECT set_config('arx.tenant_id', $1, true)", [db.tenants.a]);
      const grants = await c.query<{ edipi: string; role: string }>(
        'SELECT o.edipi, g.role FROM arx.role_grants g JOIN arx.operators o ON o.id = g.operator_id ORDER BY o.edipi, g.role',
      );
      await c.query('COMMIT');
      const alice = out.cards[0]!;
      expect(grants.rows.filter((g) => g.edipi === alice.edipi).map((g) => g.role)).toEqual([...alice.roles].sort());
      expect(grants.rows.length).toBe(out.cards.reduce((n, card) => n + card.roles.length, 0));
    } finally {
      c.release();
    }
  });
});
