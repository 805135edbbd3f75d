import 'reflect-metadata';
import { createVerify, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pae } from '../../../shared/dsse';
import { accessReview, accessReviewCsv } from '../../../electron/main/administration/access-review';
import { Administration, ADMIN_PAYLOAD_TYPE } from '../../../electron/main/administration/admin-steps';
import { certificatesForReview, grantsForReview } from '../../../electron/main/controlplane/repos/administration';
import { bootstrapControlPlane } from '../../../electron/main/administration/bootstrap';
import {
  enrolmentCard,
  readCertificateFile,
  type EnrolmentCard,
} from '../../../electron/main/administration/card-certificates';
import { provisionTestCards, type ProvisionedTestCards } from '../../../electron/main/card/test-cards';
import { migrate } from '../../../electron/main/controlplane/migrate';
import { loadTrustStore } from '../../../electron/main/pki/trust-store';
import { capturingEnroller, cardSigner, personCards } from '../../support/admin-cards';
import { writeCardBundle } from '../../support/card-bundles';
import { asyncFailureCode as failureCode } from '../../support/failure-code';
import { onpremDatabase, type OnpremDatabase } from '../../support/onprem-db';

/**
 * Administration against an external-style control plane (TLS verify-full, SCRAM): two
 * administrators bootstrapped, three operators enrolled by the DBA, every change made by an
 * administrator's own login role through the definer functions, signed on their SoftHSM2 card.
 */
let db: OnpremDatabase;
let cards: ProvisionedTestCards;
let work: string;
const passwords = new Map<string, string>();
const ids: Record<string, { operatorId: string; edipi: string; loginRole: string }> = {};
let admin: Record<'a' | 'b', Administration>;
let frost: EnrolmentCard;
let ops: string;
const PEOPLE: [string, string, string][] = [
  ['ALDEN', 'ANA', '2000000001'],
  ['BRANT', 'BEN', '2000000002'],
  ['CROSS', 'CAL', '2000000003'],
  ['DUNN', 'DIA', '2000000004'],
  ['ELLIS', 'EVE', '2000000005'],
  ['FROST', 'FAY', '2000000006'],
];
const KEYS = ['a', 'b', 'c', 'd', 'e'] as const;

const pool = (k: string) => db.connect(ids[k]!.loginRole, passwords.get(ids[k]!.loginRole)!);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'arx-admin-'));
  db = await onpremDatabase('admin');
  cards = await provisionTestCards(join(work, 'cards'), { specs: personCards(PEOPLE) });
  const store = loadTrustStore({ anchors: cards.trustAnchors, intermediates: cards.intermediates, crls: cards.crls });
  const enrolment = await Promise.all(
    cards.cards.map((c) => {
      const f = writeCardBundle(work, c);
      return enrolmentCard(readCertificateFile(f), store, { policyArcs: [cards.policyArc] }, f);
    }),
  );
  const c = await db.admin.connect();
  try {
    await migrate(c);
  } finally {
    c.release();
  }
  const enroller = capturingEnroller(passwords);
  const boot = await bootstrapControlPlane(db.admin, enrolment.slice(0, 2), enroller, enrolment.slice(2, 5));
  frost = enrolment[5]!;
  [...boot.administrators, ...boot.operators].forEach((o, i) => (ids[KEYS[i]!] = o));
  admin = {
    a: new Administration(pool('a'), cardSigner(cards, 'ARX TEST ALDEN')),
    b: new Administration(pool('b'), cardSigner(cards, 'ARX TEST BRANT')),
  };
}, 240_000);

afterAll(async () => {
  await db?.drop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const who = (k: string) => ({ operatorId: ids[k]!.operatorId, edipi: ids[k]!.edipi });

/** Tenants visible to an operator's session with the tenant setting naming `tenant`. */
async function sees(client: pg.ClientBase, tenant: string): Promise<number> {
  await client.query('BEGIN');
  try {
    await client.query(`SELECT set_config('arx.tenant_id', $1, true)`, [tenant]);
    return (await client.query('SELECT id FROM arx.tenants')).rowCount ?? 0;
  } finally {
    await client.query('ROLLBACK');
  }
}

describe('administration through the definer functions', () => {
  it('lets each enrolled operator log in as their own role, TLS and SCRAM', async () => {
    for (const k of KEYS) {
      const r = await pool(k).query(
        `SELECT arx.current_operator() AS op, s.ssl FROM pg_stat_ssl s WHERE s.pid = pg_backend_pid()`,
      );
      expect(r.rows[0]).toEqual({ op: ids[k]!.operatorId, ssl: true });
    }
  });

  it('creates a tenant, card-signed, recorded in the system chain', async () => {
    ops = await admin.a.createTenant('ops', 'Operations', ids.a!.operatorId);
    expect(await failureCode(admin.a.createTenant('ops', 'Again', ids.a!.operatorId))).toBe('ADMINISTRATION_CONFLICT');
    const nonAdmin = new Administration(pool('c'), cardSigner(cards, 'ARX TEST CROSS'));
    expect(await failureCode(nonAdmin.createTenant('rogue', 'Rogue', ids.c!.operatorId))).toBe(
      'ADMINISTRATOR_REQUIRED',
    );
  });

  it('grants a role in one step; refuses a self-grant and a one-step isso', async () => {
    await admin.a.grantRole({ tenantId: ops, ...who('c'), role: 'policy-author', by: ids.a!.operatorId });
    await admin.a.grantRole({ tenantId: ops, ...who('e'), role: 'auditor', by: ids.a!.operatorId });
    expect(
      await failureCode(admin.a.grantRole({ tenantId: ops, ...who('a'), role: 'auditor', by: ids.a!.operatorId })),
    ).toBe('ADMINISTRATION_SELF_REFUSED');
    expect(
      await failureCode(admin.a.grantRole({ tenantId: ops, ...who('d'), role: 'isso', by: ids.a!.operatorId })),
    ).toBe('ADMINISTRATION_REFUSED');
  });

  it('grants isso only with a second administrator’s approval', async () => {
    const requestId = await admin.a.requestGrant({ tenantId: ops, operatorId: ids.d!.operatorId, role: 'isso' });
    const approval = { requestId, tenantId: ops, ...who('d'), role: 'isso' as const, requestedBy: ids.a!.operatorId };
    expect(await failureCode(admin.a.approveGrant({ ...approval, by: ids.a!.operatorId }))).toBe(
      'ADMINISTRATION_SELF_REFUSED',
    );
    await admin.b.approveGrant({ ...approval, by: ids.b!.operatorId });
    expect(await failureCode(admin.b.approveGrant({ ...approval, by: ids.b!.operatorId }))).toBe(
      'ADMINISTRATION_REFUSED',
    );
    const g = await db.admin.query(
      `SELECT granted_by, approved_by, grant_envelope, approval_envelope FROM arx.role_grants WHERE tenant_id = $1 AND role = 'isso'`,
      [ops],
    );
    expect(g.rows[0]).toMatchObject({ granted_by: ids.a!.operatorId, approved_by: ids.b!.operatorId });
    // The approval is a real card signature by the second administrator, checkable with the certificate alone.
    const env = g.rows[0].approval_envelope;
    const certFile = cards.cards
      .find((c) => c.label === 'ARX TEST BRANT')!
      .certificates.find((c) => c.usage === 'signature')!.file;
    const v = createVerify('sha256').update(pae(ADMIN_PAYLOAD_TYPE, Buffer.from(env.payload, 'base64')));
    expect(
      v.verify(new X509Certificate(readFileSync(certFile)).publicKey, Buffer.from(env.signatures[0].sig, 'base64')),
    ).toBe(true);
  });

  it('refuses administration events appended directly, even by an administrator', async () => {
    const c = await pool('a').connect();
    try {
      await c.query('BEGIN');
      await c.query(`SELECT set_config('arx.tenant_id', $1, true)`, [ops]);
      const err = await c
        .query(
          `SELECT arx.append_events($1, '{3}', '{x}', '{com.arx.role.granted}', '{2026-01-01T00:00:00Z}', '{"\\\\x7b7d"}', '{"\\\\x00"}', '{"\\\\x00"}')`,
          [ops],
        )
        .catch((e: Error) => e);
      // Operators may not call the append function at all (migration 0017), administrators included.
      expect((err as Error).message).toMatch(/permission denied for function append_events/);
    } finally {
      await c.query('ROLLBACK').catch(() => {});
      c.release();
    }
  });

  it('takes a revoked role away from the open session at its next call', async () => {
    const session = await pool('c').connect();
    try {
      expect(await sees(session, ops)).toBe(1);
      await admin.b.revokeRole({ tenantId: ops, ...who('c'), role: 'policy-author', by: ids.b!.operatorId });
      expect(await sees(session, ops)).toBe(0);
    } finally {
      session.release();
    }
  });

  it('disables an operator: open sessions end, login refused; enabling lets them back', async () => {
    const session = await pool('e').connect();
    session.on('error', () => {});
    expect(await sees(session, ops)).toBe(1);
    expect(await failureCode(admin.a.setOperatorActive({ ...who('a'), active: false, by: ids.a!.operatorId }))).toBe(
      'ADMINISTRATION_SELF_REFUSED',
    );
    await admin.a.setOperatorActive({ ...who('e'), active: false, by: ids.a!.operatorId });
    await expect(session.query('SELECT 1')).rejects.toThrow();
    session.release(true);
    const fresh = new pg.Client({
      host: '127.0.0.1',
      port: db.port,
      database: db.name,
      user: ids.e!.loginRole,
      password: passwords.get(ids.e!.loginRole),
      ssl: { ca: readFileSync(db.caFile, 'utf8'), rejectUnauthorized: true },
    });
    await expect(fresh.connect()).rejects.toThrow(/not permitted to log in/);
    await admin.b.setOperatorActive({ ...who('e'), active: true, by: ids.b!.operatorId });
    const back = pool('e');
    expect((await back.query('SELECT arx.current_operator() AS op')).rows[0].op).toBe(ids.e!.operatorId);
  });

  it('records every change as one event in the right chain', async () => {
    const types = async (tenant: string) =>
      (
        await db.admin.query(
          `SELECT type, doc->'data' AS data FROM arx.audit_events WHERE tenant_id = $1 ORDER BY seq`,
          [tenant],
        )
      ).rows;
    expect((await types(ops)).map((e) => e.type)).toEqual([
      'com.arx.role.granted',
      'com.arx.role.granted',
      'com.arx.role.granted',
      'com.arx.role.revoked',
    ]);
    expect((await types(ops))[2].data).toMatchObject({
      role: 'isso',
      by: ids.a!.operatorId,
      approvedBy: ids.b!.operatorId,
    });
    const sys = (await db.admin.query('SELECT system_tenant FROM arx.control_plane')).rows[0].system_tenant;
    expect((await types(sys)).map((e) => e.type).slice(-4)).toEqual([
      'com.arx.operator.enrolled',
      'com.arx.tenant.created',
      'com.arx.operator.disabled',
      'com.arx.operator.enabled',
    ]);
  });

  it('flags in the access review a grant a superuser inserted without a signature', async () => {
    await db.admin.query('BEGIN');
    await db.admin.query(`INSERT INTO arx.role_grants (tenant_id, operator_id, role) VALUES ($1, $2, 'approver')`, [
      ops,
      ids.c!.operatorId,
    ]);
    await db.admin.query('COMMIT');
    const review = accessReview(await grantsForReview(db.admin), await certificatesForReview(db.admin));
    const row = (edipi: string, role: string) =>
      review.find((r) => r.edipi === edipi && r.role === role && r.tenant === 'ops');
    expect(row(ids.c!.edipi, 'approver')).toMatchObject({ grant: 'missing', grantedBy: null });
    expect(row(ids.d!.edipi, 'isso')).toMatchObject({
      grant: 'verified',
      approval: 'verified',
      approvedBy: ids.b!.operatorId,
    });
    expect(row(ids.e!.edipi, 'auditor')).toMatchObject({
      grant: 'verified',
      approval: 'not-required',
      expiresSoon: false,
    });
    const boot = review.filter((r) => r.tenant === 'control-plane');
    expect(boot.map((r) => [r.edipi, r.role, r.grant])).toEqual([
      [ids.a!.edipi, 'administrator', 'bootstrap'],
      [ids.b!.edipi, 'administrator', 'bootstrap'],
    ]);
    const csv = accessReviewCsv(review).split('\r\n');
    expect(csv[0]).toBe(
      'tenant,edipi,displayName,operatorStatus,role,since,grantedBy,approvedBy,grant,approval,certificatesExpire,expiresSoon',
    );
    expect(csv).toHaveLength(review.length + 2);
    // A DBA who rewrites who approved the grant: the signature no longer matches the approver named.
    await db.admin.query(`UPDATE arx.role_grants SET approved_by = $1 WHERE tenant_id = $2 AND role = 'isso'`, [
      ids.a!.operatorId,
      ops,
    ]);
    const after = accessReview(await grantsForReview(db.admin), await certificatesForReview(db.admin));
    expect(after.find((r) => r.role === 'isso' && r.tenant === 'ops')).toMatchObject({ approval: 'invalid' });
  });

  it('enrols a card holder through the definer: login role, wrap to the card, event; disabled like the rest', async () => {
    const operatorId = await admin.a.enrolOperator(frost, ids.a!.operatorId);
    expect(await failureCode(admin.b.enrolOperator(frost, ids.b!.operatorId))).toBe('ADMINISTRATION_CONFLICT');
    const nonAdmin = new Administration(pool('c'), cardSigner(cards, 'ARX TEST CROSS'));
    expect(await failureCode(nonAdmin.enrolOperator(frost, ids.c!.operatorId))).toBe('ADMINISTRATOR_REQUIRED');
    const login = await db.admin.query(
      `SELECT r.rolname, r.rolcanlogin, pg_has_role(r.rolname, 'arx_operator', 'MEMBER') AS member,
              encode(l.wrap_key_sha256, 'hex') AS km
         FROM arx.operator_logins l JOIN pg_roles r ON r.rolname = l.db_role WHERE l.operator_id = $1`,
      [operatorId],
    );
    expect(login.rows).toEqual([
      {
        rolname: `arx_op_${operatorId.replace(/-/g, '')}`,
        rolcanlogin: true,
        member: true,
        km: frost.keyManagement.sha256,
      },
    ]);
    const enrolled = await db.admin.query(
      `SELECT doc->'data' AS data FROM arx.audit_events
        WHERE tenant_id = arx.system_tenant() AND type = 'com.arx.operator.enrolled' AND doc->'data'->>'operatorId' = $1`,
      [operatorId],
    );
    expect(enrolled.rows.map((r) => r.data.by)).toEqual([ids.a!.operatorId]);
    // arx_login_admin created the role, and may switch it off and on like a role the DBA created.
    const f = { operatorId, edipi: frost.edipi };
    await admin.b.setOperatorActive({ ...f, active: false, by: ids.b!.operatorId });
    const off = await db.admin.query('SELECT rolcanlogin FROM pg_roles WHERE rolname = $1', [login.rows[0].rolname]);
    expect(off.rows).toEqual([{ rolcanlogin: false }]);
    await admin.b.setOperatorActive({ ...f, active: true, by: ids.b!.operatorId });
  });

  it('renames a tenant, card-signed; an unknown tenant is refused', async () => {
    await admin.b.renameTenant(ops, 'Operations north', ids.b!.operatorId);
    expect((await db.admin.query('SELECT name FROM arx.tenants WHERE id = $1', [ops])).rows).toEqual([
      { name: 'Operations north' },
    ]);
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(await failureCode(admin.b.renameTenant(unknown, 'Nowhere', ids.b!.operatorId))).toBe('NOT_FOUND');
  });
});
