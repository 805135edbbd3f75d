import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapControlPlane } from '../../../electron/main/administration/bootstrap';
import { enrolmentCard, readCertificateFile } from '../../../electron/main/administration/card-certificates';
import { enrolCardLogin } from '../../../electron/main/administration/login-enrolment';
import { provisionTestCards, type ProvisionedTestCards } from '../../../electron/main/card/test-cards';
import { authenticateWriters, referencedCertificates } from '../../../electron/main/pki/writer-auth';
import { certificatesBySha } from '../../../electron/main/controlplane/repos/operators';
import type { ConsoleServices } from '../../../electron/main/composition/console-services';
import { loadTrustStore } from '../../../electron/main/pki/trust-store';
import { personCards, replacementCard } from '../../support/admin-cards';
import { writeCardBundle } from '../../support/card-bundles';
import { consoleCaller, loginCard, startCardConsole } from '../../support/card-console';
import { migratedDatabase } from '../../support/pg';

/**
 * The administration commands through the registry, on the console's default control plane with
 * SoftHSM2 cards: two administrators bootstrapped from their certificates, a third person enrolled;
 * every change signed on the logged-in administrator's card and made on their own login.
 */
let db: Awaited<ReturnType<typeof migratedDatabase>>;
let cards: ProvisionedTestCards;
let services: ConsoleServices;
let work: string;
const { call: ok, failure: fails } = consoleCaller(() => services);
const PIN = '123456';
const ALDEN = 'ARX TEST ALDEN';
const BRANT = 'ARX TEST BRANT';
const CROSS = 'ARX TEST CROSS';
const DORSEY = 'ARX TEST DORSEY';
const DORSEY_NEW = 'ARX NEW DORSEY';
const ids: Record<string, string> = {};
const login = (label: string) => loginCard({ call: ok }, label, PIN);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'arx-admin-cmd-'));
  db = await migratedDatabase('admincmd');
  cards = await provisionTestCards(join(work, 'cards'), {
    specs: [
      ...personCards([
        ['ALDEN', 'ANA', '2100000001'],
        ['BRANT', 'BEN', '2100000002'],
        ['CROSS', 'CAL', '2100000003'],
        ['DORSEY', 'DEE', '2100000004'],
      ]),
      replacementCard(['DORSEY', 'DEE', '2100000004']),
    ],
  });
  const store = loadTrustStore({ anchors: cards.trustAnchors, intermediates: cards.intermediates, crls: cards.crls });
  const enrolment = await Promise.all(
    cards.cards.slice(0, 3).map((c) => {
      const f = writeCardBundle(work, c);
      return enrolmentCard(readCertificateFile(f), store, { policyArcs: [cards.policyArc] }, f);
    }),
  );
  const boot = await bootstrapControlPlane(db.admin, enrolment.slice(0, 2), enrolCardLogin, enrolment.slice(2));
  const [alden, brant, cross] = [...boot.administrators, ...boot.operators].map((o) => o.operatorId);
  Object.assign(ids, { alden, brant, cross });
  ({ services } = await startCardConsole(
    db,
    cards,
    'admincmd',
    {},
    undefined,
    (l) => process.env.ARX_TEST_LOG && console.error(l),
  ));
}, 240_000);

afterAll(async () => {
  await services?.stop();
  await db?.drop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const grantsOf = async (tenantId: string, operatorId: string) =>
  (
    await db.admin.query<{ role: string; granted_by: string; approved_by: string | null }>(
      'SELECT role, granted_by, approved_by FROM arx.role_grants WHERE tenant_id = $1 AND operator_id = $2 ORDER BY role',
      [tenantId, operatorId],
    )
  ).rows;

describe('administration commands through the registry', () => {
  it('lists tenants and operators to an administrator', async () => {
    await login(ALDEN);
    const tenants = await ok<{ slug: string }[]>('admin.tenantList', {});
    expect(tenants.map((t) => t.slug)).toEqual(expect.arrayContaining(['control-plane']));
    const operators = await ok<{ edipi: string; status: string; certificatesExpire: string | null }[]>(
      'admin.operatorList',
      {},
    );
    const cal = operators.find((o) => o.edipi === '2100000003')!;
    expect(cal).toMatchObject({ status: 'active' });
    expect(cal.certificatesExpire).not.toBeNull();
  });

  it('grants a one-step role, card-signed and chained; refuses a self-grant', async () => {
    await login(ALDEN);
    const tenantId = db.tenants.a;
    expect(await ok('admin.grant', { tenantId, operatorId: ids.cross, role: 'auditor', pin: PIN })).toEqual({
      state: 'granted',
      requestId: null,
    });
    expect(await grantsOf(tenantId, ids.cross!)).toEqual([
      { role: 'auditor', granted_by: ids.alden, approved_by: null },
    ]);
    const self = await fails('admin.grant', { tenantId, operatorId: ids.alden, role: 'auditor', pin: PIN });
    expect(self.code).toBe('ADMINISTRATION_SELF_REFUSED');
    const events = await db.admin.query(
      `SELECT doc->'data' AS data FROM arx.audit_events WHERE tenant_id = $1 AND type = 'com.arx.role.granted'`,
      [tenantId],
    );
    expect(events.rows.map((r) => r.data)).toEqual([
      expect.objectContaining({ operatorId: ids.cross, role: 'auditor', by: ids.alden, approvedBy: null }),
    ]);
    // The event carries ALDEN's card signature and authenticates (chain-format §8).
    const stored = await db.admin.query<{ seq: string; bytes: Buffer }>(
      `SELECT seq, bytes FROM arx.audit_events WHERE tenant_id = $1 AND type = 'com.arx.role.granted'`,
      [tenantId],
    );
    const rows = stored.rows.map((x) => ({ seq: Number(x.seq), bytes: new Uint8Array(x.bytes) }));
    const enrolled = await certificatesBySha(db.admin, [...referencedCertificates(rows).keys()]);
    expect(enrolled.map((c) => c.operatorId)).toEqual([ids.alden]);
    const certs = new Map(enrolled.map((c) => [c.sha256, { operatorId: c.operatorId, der: c.der }]));
    expect(authenticateWriters(rows, certs, 0)).toEqual([]);
  });

  it('refuses every administration command to a non-administrator with ROLE_REQUIRED', async () => {
    await login(CROSS);
    for (const [name, req] of [
      ['admin.tenantList', {}],
      ['admin.accessReview', {}],
      ['admin.grant', { tenantId: db.tenants.a, operatorId: ids.cross, role: 'isso', pin: PIN }],
      ['admin.gatewayKeyList', {}],
      ['admin.gatewayKeyExport', { tenantIds: null }],
      [
        'admin.gatewayKeyRevoke',
        { tenantId: db.tenants.a, keyName: 'arx-gateway.alpha.1', validTo: null, reason: 'test', pin: PIN },
      ],
    ] as const) {
      const f = await fails(name, req);
      expect(f.code, name).toBe('ROLE_REQUIRED');
    }
    expect(await grantsOf(db.tenants.a, ids.cross!)).toEqual([expect.objectContaining({ role: 'auditor' })]);
  });

  it('grants isso only when a second administrator approves', async () => {
    await login(ALDEN);
    const tenantId = db.tenants.a;
    const asked = await ok<{ state: string; requestId: string }>('admin.grant', {
      tenantId,
      operatorId: ids.cross,
      role: 'isso',
      pin: PIN,
    });
    expect(asked.state).toBe('requested');
    expect((await fails('admin.approve', { requestId: asked.requestId, pin: PIN })).code).toBe(
      'ADMINISTRATION_SELF_REFUSED',
    );
    expect((await grantsOf(tenantId, ids.cross!)).map((g) => g.role)).toEqual(['auditor']);

    await login(BRANT);
    const pending = await ok<{ requestId: string; edipi: string; role: string }[]>('admin.grantRequests', {});
    expect(pending).toEqual([
      expect.objectContaining({ requestId: asked.requestId, edipi: '2100000003', role: 'isso' }),
    ]);
    expect(await ok('admin.approve', { requestId: asked.requestId, pin: PIN })).toEqual({ state: 'granted' });
    expect(await grantsOf(tenantId, ids.cross!)).toContainEqual({
      role: 'isso',
      granted_by: ids.alden,
      approved_by: ids.brant,
    });
    expect(await ok('admin.grantRequests', {})).toEqual([]);
  });

  it('reviews access with every signature verified now, and as CSV', async () => {
    await login(BRANT);
    const review = await ok<{ edipi: string; role: string; grant: string; approval: string }[]>(
      'admin.accessReview',
      {},
    );
    const cal = review.filter((e) => e.edipi === '2100000003');
    expect(cal).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ role: 'auditor', grant: 'verified', approval: 'not-required' }),
        expect.objectContaining({ role: 'isso', grant: 'verified', approval: 'verified' }),
      ]),
    );
    const admins = review.filter((e) => e.role === 'administrator');
    expect(admins.map((e) => e.grant)).toEqual(['bootstrap', 'bootstrap']);
    const { csv } = await ok<{ csv: string }>('admin.accessReviewCsv', {});
    expect(csv.split('\r\n')[0]).toMatch(/^tenant,edipi,displayName,/);
    expect(csv).toContain(',2100000003,');
  });

  it('revokes a role, disables and enables an operator', async () => {
    await login(ALDEN);
    const tenantId = db.tenants.a;
    expect(await ok('admin.revoke', { tenantId, operatorId: ids.cross, role: 'auditor', pin: PIN })).toEqual({
      state: 'revoked',
    });
    expect((await grantsOf(tenantId, ids.cross!)).map((g) => g.role)).toEqual(['isso']);
    await ok('admin.operatorDisable', { operatorId: ids.cross, pin: PIN });
    expect(
      (await ok<{ edipi: string; status: string }[]>('admin.operatorList', {})).find((o) => o.edipi === '2100000003')
        ?.status,
    ).toBe('disabled');
    expect((await fails('admin.operatorDisable', { operatorId: ids.alden, pin: PIN })).code).toBe(
      'ADMINISTRATION_SELF_REFUSED',
    );
    await ok('admin.operatorEnable', { operatorId: ids.cross, pin: PIN });
    await login(CROSS);
    expect((await ok<{ roles: { role: string }[] }>('card.session', {})).roles.map((r) => r.role)).toEqual(['isso']);
  });

  it('enrols a card holder from certificate files, card-signed and chained; they log in with no role', async () => {
    await login(ALDEN);
    const card = cards.cards.find((c) => c.label === DORSEY)!;
    const files = [{ name: 'dorsey.pem', base64: readFileSync(writeCardBundle(work, card)).toString('base64') }];
    const preview = await ok<{ edipi: string; certificates: { usage: string }[] }>('admin.operatorCheck', { files });
    expect(preview.edipi).toBe('2100000004');
    expect(preview.certificates.map((c) => c.usage).sort()).toEqual(['key-management', 'piv-auth', 'signature']);
    const enrolled = await ok<{ operatorId: string; edipi: string }>('admin.operatorEnrol', { files, pin: PIN });
    expect(enrolled.edipi).toBe('2100000004');
    expect((await fails('admin.operatorEnrol', { files, pin: PIN })).code).toBe('ADMINISTRATION_CONFLICT');
    const garbage = [{ name: 'notes.txt', base64: Buffer.from('not a certificate').toString('base64') }];
    expect((await fails('admin.operatorCheck', { files: garbage })).code).toBe('CERT_FILE_INVALID');

    // operator.enrolled in the system chain, naming ALDEN, with ALDEN's card signature.
    const stored = await db.admin.query<{ seq: string; bytes: Buffer; data: { by: string; edipi: string } }>(
      `SELECT seq, bytes, doc->'data' AS data FROM arx.audit_events
        WHERE tenant_id = arx.system_tenant() AND type = 'com.arx.operator.enrolled' AND doc->'data'->>'edipi' = $1`,
      ['2100000004'],
    );
    expect(stored.rows.map((r) => r.data.by)).toEqual([ids.alden]);
    const rows = stored.rows.map((x) => ({ seq: Number(x.seq), bytes: new Uint8Array(x.bytes) }));
    const signers = await certificatesBySha(db.admin, [...referencedCertificates(rows).keys()]);
    expect(signers.map((c) => c.operatorId)).toEqual([ids.alden]);
    const certs = new Map(signers.map((c) => [c.sha256, { operatorId: c.operatorId, der: c.der }]));
    expect(authenticateWriters(rows, certs, 0)).toEqual([]);

    await login(DORSEY);
    const session = await ok<{ edipi: string; roles: unknown[] }>('card.session', {});
    expect(session).toMatchObject({ edipi: '2100000004', roles: [] });
    expect((await fails('admin.tenantList', {})).code).toBe('ROLE_REQUIRED');
  });

  it('re-enrols a card holder after a card change: the old card is refused, the new one logs in', async () => {
    await login(ALDEN);
    const dorsey = (await ok<{ operatorId: string; edipi: string }[]>('admin.operatorList', {})).find(
      (o) => o.edipi === '2100000004',
    )!;
    const fileOf = (label: string) => {
      const dir = join(work, label.replace(/\W+/g, '-'));
      mkdirSync(dir, { recursive: true });
      const file = writeCardBundle(
        dir,
        cards.cards.find((c) => c.label === label)!,
      );
      return [{ name: `${label}.pem`, base64: readFileSync(file).toString('base64') }];
    };
    const other = await fails('admin.operatorReenrol', { operatorId: ids.cross, files: fileOf(DORSEY_NEW), pin: PIN });
    expect(other.code).toBe('EDIPI_MISMATCH');
    expect((await fails('admin.operatorCheck', { operatorId: ids.cross, files: fileOf(DORSEY_NEW) })).code).toBe(
      'EDIPI_MISMATCH',
    );
    // The check before the card signs: the new card's certificates and the ones in use it retires.
    type Shown = { usage: string; sha256: string; subject: string; notAfter: string };
    const check = await ok<{ certificates: Shown[]; replaces: Shown[] }>('admin.operatorCheck', {
      operatorId: dorsey.operatorId,
      files: fileOf(DORSEY_NEW),
    });
    const inUse = await db.admin.query<{ sha256: string }>(
      `SELECT encode(sha256, 'hex') AS sha256 FROM arx.operator_certificates WHERE operator_id = $1 AND retired_at IS NULL`,
      [dorsey.operatorId],
    );
    expect(check.replaces.map((c) => c.sha256).sort()).toEqual(inUse.rows.map((r) => r.sha256).sort());
    expect(check.replaces.map((c) => c.usage).sort()).toEqual(['key-management', 'piv-auth', 'signature']);
    for (const c of check.replaces) expect(c.subject).toMatch(/2100000004/);
    expect(check.certificates.some((c) => check.replaces.some((r) => r.sha256 === c.sha256))).toBe(false);
    const done = await ok<{ edipi: string; retired: string[] }>('admin.operatorReenrol', {
      operatorId: dorsey.operatorId,
      files: fileOf(DORSEY_NEW),
      pin: PIN,
    });
    expect(done).toMatchObject({ edipi: '2100000004' });
    expect(done.retired).toHaveLength(3);
    expect([...done.retired].sort()).toEqual(check.replaces.map((c) => c.sha256).sort());

    // operator.reenrolled in the system chain, naming ALDEN, with ALDEN's card signature.
    const stored = await db.admin.query<{ seq: string; bytes: Buffer; data: { by: string; retired: string[] } }>(
      `SELECT seq, bytes, doc->'data' AS data FROM arx.audit_events
        WHERE tenant_id = arx.system_tenant() AND type = 'com.arx.operator.reenrolled'`,
    );
    expect(stored.rows.map((r) => [r.data.by, r.data.retired])).toEqual([[ids.alden, done.retired]]);
    const rows = stored.rows.map((x) => ({ seq: Number(x.seq), bytes: new Uint8Array(x.bytes) }));
    const signers = await certificatesBySha(db.admin, [...referencedCertificates(rows).keys()]);
    expect(signers.map((c) => c.operatorId)).toEqual([ids.alden]);
    const certs = new Map(signers.map((c) => [c.sha256, { operatorId: c.operatorId, der: c.der }]));
    expect(authenticateWriters(rows, certs, 0)).toEqual([]);

    await expect(login(DORSEY)).rejects.toMatchObject({ code: 'OPERATOR_LOGIN_OTHER_CARD' });
    await login(DORSEY_NEW);
    expect(await ok<{ edipi: string }>('card.session', {})).toMatchObject({ edipi: '2100000004' });
  });

  it('renames a tenant, card-signed and recorded in the system chain', async () => {
    await login(BRANT);
    const tenantId = db.tenants.b;
    expect(await ok('admin.tenantRename', { tenantId, name: 'Bravo field office', pin: PIN })).toEqual({
      tenantId,
      name: 'Bravo field office',
    });
    const t = (await ok<{ tenantId: string; name: string }[]>('admin.tenantList', {})).find(
      (x) => x.tenantId === tenantId,
    );
    expect(t?.name).toBe('Bravo field office');
    const events = await db.admin.query(
      `SELECT doc->'data' AS data FROM arx.audit_events WHERE tenant_id = arx.system_tenant() AND type = 'com.arx.tenant.renamed'`,
    );
    expect(events.rows.map((r) => r.data)).toEqual([{ tenantId, name: 'Bravo field office', by: ids.brant }]);
  });
});
