import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionTestCards, TEST_CARDS, type ProvisionedTestCards } from '../../../electron/main/card/test-cards';
import { runCli } from '../../../electron/main/cli/arx';
import { writeCardBundle } from '../../support/card-bundles';
import { onpremDatabase, type OnpremDatabase } from '../../support/onprem-db';

let db: OnpremDatabase;
let cards: ProvisionedTestCards;
let work: string;
let env: NodeJS.ProcessEnv;
const bundle: Record<string, string> = {};

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'arx-bootstrap-'));
  db = await onpremDatabase('boot');
  const wanted = ['ARX TEST ADAMS EC', 'ARX TEST BAKER RSA', 'ARX TEST REVOKED'];
  cards = await provisionTestCards(join(work, 'cards'), { specs: TEST_CARDS.filter((s) => wanted.includes(s.label)) });
  for (const c of cards.cards) bundle[c.label] = writeCardBundle(work, c);
  env = {
    ARX_CONTROL_PLANE: 'external',
    ARX_ADMIN_DATABASE_URL: db.url(),
    ARX_DATABASE_CA: db.caFile,
    ARX_TRUST_ANCHORS: cards.trustAnchors,
    ARX_INTERMEDIATES: cards.intermediates,
    ARX_CRLS: cards.crls,
    ARX_POLICY_ARCS: cards.policyArc,
    ARX_DATA_DIR: join(work, 'data'),
  };
}, 180_000);

afterAll(async () => {
  await db?.drop();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function arx(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, {
    env,
    out: (t) => (out += `${t}\n`),
    err: (t) => (err += `${t}\n`),
    readStdin: async () => '',
  });
  return { code, out, err };
}

describe('arx db bootstrap', () => {
  it('refuses a revoked card and writes nothing', async () => {
    const r = await arx(
      'db',
      'bootstrap',
      '--admin-cert',
      bundle['ARX TEST ADAMS EC']!,
      '--admin-cert',
      bundle['ARX TEST REVOKED']!,
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^CERT_REVOKED: /);
    const t = await db.admin.query(`SELECT to_regclass('arx.operators') AS t`);
    expect(t.rows[0].t).toBeNull(); // validation comes before any change, migrations included
  });

  it('refuses the console’s URL and a missing admin URL', async () => {
    const same = await runCli(['db', 'bootstrap', '--admin-cert', bundle['ARX TEST ADAMS EC']!], {
      env: { ...env, ARX_DATABASE_URL: db.url() },
      out: () => {},
      err: (t) => expect(t).toMatch(/^CONFIG_INVALID: /),
      readStdin: async () => '',
    });
    expect(same).toBe(2);
    const { ARX_ADMIN_DATABASE_URL: _, ...noAdmin } = env;
    const none = await runCli(['db', 'bootstrap', '--admin-cert', bundle['ARX TEST ADAMS EC']!], {
      env: noAdmin,
      out: () => {},
      err: (t) => expect(t).toMatch(/^DB_NOT_CONFIGURED: /),
      readStdin: async () => '',
    });
    expect(none).toBe(2);
  });

  it('migrates and enrols the first administrators, recorded in the system tenant’s chain', async () => {
    const r = await arx(
      'db',
      'bootstrap',
      '--json',
      '--admin-cert',
      bundle['ARX TEST ADAMS EC']!,
      '--admin-cert',
      bundle['ARX TEST BAKER RSA']!,
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.administrators.map((a: { edipi: string }) => a.edipi)).toEqual(['1000000001', '1000000002']);
    const sys = report.systemTenant.id as string;
    const grants = await db.admin.query(
      `SELECT o.edipi, g.role, g.granted_by FROM arx.role_grants g JOIN arx.operators o ON o.id = g.operator_id WHERE g.tenant_id = $1 ORDER BY o.edipi`,
      [sys],
    );
    expect(grants.rows).toEqual([
      { edipi: '1000000001', role: 'administrator', granted_by: null },
      { edipi: '1000000002', role: 'administrator', granted_by: null },
    ]);
    for (const a of report.administrators as { operatorId: string; loginRole: string }[]) {
      expect(a.loginRole).toBe(`arx_op_${a.operatorId.replace(/-/g, '')}`);
      const role = await db.admin.query(
        `SELECT r.rolcanlogin, r.rolsuper, r.rolcreaterole, pg_has_role(r.rolname, 'arx_operator', 'MEMBER') AS member,
                left(a.rolpassword, 14) AS verifier, l.wrap_key_sha256
           FROM pg_roles r JOIN pg_authid a ON a.oid = r.oid JOIN arx.operator_logins l ON l.db_role = r.rolname
          WHERE r.rolname = $1`,
        [a.loginRole],
      );
      expect(role.rows[0]).toMatchObject({ rolcanlogin: true, rolsuper: false, rolcreaterole: false, member: true });
      expect(role.rows[0].verifier).toBe('SCRAM-SHA-256$');
      const km = await db.admin.query(
        `SELECT sha256 FROM arx.operator_certificates WHERE operator_id = $1 AND usage = 'key-management'`,
        [a.operatorId],
      );
      expect(role.rows[0].wrap_key_sha256).toEqual(km.rows[0].sha256); // wrapped to the card's 9D certificate
    }
    const certs = await db.admin.query(`SELECT usage FROM arx.operator_certificates ORDER BY usage`);
    expect(certs.rows.map((c) => c.usage)).toEqual([
      'key-management', 'key-management', 'piv-auth', 'piv-auth', 'signature', 'signature',
    ]); // prettier-ignore
    const events = await db.admin.query(`SELECT seq, type FROM arx.audit_events WHERE tenant_id = $1 ORDER BY seq`, [
      sys,
    ]);
    expect(events.rows.map((e) => e.type)).toEqual([
      'com.arx.tenant.created',
      'com.arx.operator.enrolled',
      'com.arx.role.granted',
      'com.arx.operator.enrolled',
      'com.arx.role.granted',
    ]);
  });

  it('refuses a control plane that already has an administrator', async () => {
    const r = await arx('db', 'bootstrap', '--admin-cert', bundle['ARX TEST ADAMS EC']!);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^DB_ALREADY_BOOTSTRAPPED: /);
  });

  it('enrols nobody after bootstrap, and checks a --cert as it checks an --admin-cert', async () => {
    const count = async () => (await db.admin.query(`SELECT count(*)::int AS n FROM arx.audit_events`)).rows[0].n;
    const before = await count();
    // The DBA's enrolment after bootstrap wrote unsigned events no verifier accepts: the command is gone.
    const gone = await arx('db', 'enrol', '--cert', bundle['ARX TEST BAKER RSA']!);
    expect(gone.code).toBe(2);
    expect(gone.err).toMatch(/^Unknown command: db enrol\./);
    const adams = bundle['ARX TEST ADAMS EC']!;
    const revoked = await arx('db', 'bootstrap', '--admin-cert', adams, '--cert', bundle['ARX TEST REVOKED']!);
    expect(revoked.code).toBe(2);
    expect(revoked.err).toMatch(/^CERT_REVOKED: /);
    const twice = await arx('db', 'bootstrap', '--admin-cert', adams, '--cert', adams);
    expect(twice.code).toBe(2);
    expect(twice.err).toMatch(/^INVALID_REQUEST: Two certificate files name the same person/);
    const late = await arx('db', 'bootstrap', '--admin-cert', adams, '--cert', bundle['ARX TEST BAKER RSA']!);
    expect(late.code).toBe(2);
    expect(late.err).toMatch(/^DB_ALREADY_BOOTSTRAPPED: /);
    expect(await count()).toBe(before);
  });
});
