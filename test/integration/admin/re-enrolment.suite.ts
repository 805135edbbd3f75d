import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { accessReview } from '../../../electron/main/administration/access-review';
import { verifyTenantChain } from '../../../electron/main/chain/tenant-chain-verifier';
import { Administration } from '../../../electron/main/administration/admin-steps';
import { bootstrapControlPlane } from '../../../electron/main/administration/bootstrap';
import {
  enrolmentCard,
  readCertificateFile,
  type EnrolmentCard,
} from '../../../electron/main/administration/card-certificates';
import { checkOperatorLogin } from '../../../electron/main/card/operator-database';
import { provisionTestCards, type ProvisionedTestCards } from '../../../electron/main/card/test-cards';
import {
  certificatesForReview,
  grantsForReview,
  systemTenantId,
} from '../../../electron/main/controlplane/repos/administration';
import {
  adminActiveCertificates,
  adminCertificates,
} from '../../../electron/main/controlplane/repos/administration-reads';
import { operatorByLogin } from '../../../electron/main/controlplane/repos/operators';
import { createLoginRole, withTenant } from '../../../electron/main/controlplane/tenant-session';
import { loadTrustStore } from '../../../electron/main/pki/trust-store';
import { capturingEnroller, capturingLogin, cardSigner, personCards, replacementCard } from '../../support/admin-cards';
import { writeCardBundle } from '../../support/card-bundles';
import { asyncFailureCode as failureCode } from '../../support/failure-code';
import type { MigratedDatabase } from '../../support/pg';

type Person = [last: string, first: string, edipi: string];
const PEOPLE: Person[] = [
  ['ALDEN', 'ANA', '2200000001'],
  ['BRANT', 'BEN', '2200000002'],
  ['CROSS', 'CAL', '2200000003'],
  ['DUNN', 'DIA', '2200000004'],
];
const KEYS = ['a', 'b', 'c', 'd'] as const;
type Key = (typeof KEYS)[number];

/**
 * Re-enrolment after a card change (same EDIPI, new certificates), on the embedded default and on
 * an enclave-shaped server: an administrator re-binds the operator to the new card; from then on
 * the old card's certificates are refused for login and signatures, the credential is wrapped to
 * the new Key Management key, and what the old card signed before still verifies.
 */
export function reEnrolment(open: (prefix: string) => Promise<MigratedDatabase>): void {
  let db: MigratedDatabase;
  let cards: ProvisionedTestCards;
  let work: string;
  let bootstrap: pg.Pool;
  const passwords = new Map<string, string>();
  const ids = {} as Record<Key, { operatorId: string; edipi: string; loginRole: string }>;
  const card = {} as Record<string, EnrolmentCard>;

  /** A pool of the operator's login; a re-enrolment ends its idle connections, which is expected here. */
  const pool = (k: Key) => {
    const p = db.connect(ids[k].loginRole, passwords.get(ids[k].loginRole)!);
    p.on('error', () => {});
    return p;
  };
  const admin = (k: Key, label: string) => new Administration(pool(k), cardSigner(cards, label));
  const certsOf = async (operatorId: string) =>
    (
      await db.admin.query<{ sha256: string; usage: string; retired_at: Date | null; retired_by: string | null }>(
        `SELECT encode(sha256, 'hex') AS sha256, usage, retired_at, retired_by FROM arx.operator_certificates
          WHERE operator_id = $1 ORDER BY sha256`,
        [operatorId],
      )
    ).rows;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'arx-reenrol-'));
    db = await open('reenrol');
    const specs = [...personCards(PEOPLE), replacementCard(PEOPLE[1]!), replacementCard(PEOPLE[3]!)];
    cards = await provisionTestCards(join(work, 'cards'), { specs });
    const store = loadTrustStore({ anchors: cards.trustAnchors, intermediates: cards.intermediates, crls: cards.crls });
    for (const c of cards.cards) {
      const dir = join(work, c.label.replace(/\W+/g, '-'));
      mkdirSync(dir);
      const f = writeCardBundle(dir, c);
      card[c.label] = await enrolmentCard(readCertificateFile(f), store, { policyArcs: [cards.policyArc] }, f);
    }
    const enroller = capturingEnroller(passwords);
    const first = (last: string) => card[`ARX TEST ${last}`]!;
    const boot = await bootstrapControlPlane(db.admin, [first('ALDEN'), first('BRANT')], enroller, [
      first('CROSS'),
      first('DUNN'),
    ]);
    [...boot.administrators, ...boot.operators].forEach((o, i) => (ids[KEYS[i]!] = o));
    const bpw = randomBytes(18).toString('base64url');
    await createLoginRole(db.admin, `boot_${db.name.slice(-12)}`, bpw, 'arx_bootstrap');
    bootstrap = db.connect(`boot_${db.name.slice(-12)}`, bpw);
  }, 240_000);

  afterAll(async () => {
    await db?.drop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  describe('re-enrolment after a card change', () => {
    it('refuses a non-administrator, another person’s card, a stale statement, a card enrolled already and oneself', async () => {
      const d = ids.d.operatorId;
      const retired = (await adminActiveCertificates(pool('a'), d)).map((c) => c.sha256);
      expect(retired).toHaveLength(3);
      const step = (who: Administration, newCard: string, r = retired, operatorId = d) =>
        failureCode(who.reenrolOperator({ operatorId, card: card[newCard]!, retired: r, by: ids.a.operatorId }));
      const a = admin('a', 'ARX TEST ALDEN');
      expect(await step(admin('c', 'ARX TEST CROSS'), 'ARX NEW DUNN')).toBe('ADMINISTRATOR_REQUIRED');
      expect(await step(a, 'ARX TEST CROSS')).toBe('ADMINISTRATION_REFUSED');
      expect(await step(a, 'ARX NEW DUNN', [])).toBe('ADMINISTRATION_SIGNATURE_INVALID');
      expect(await step(a, 'ARX TEST DUNN')).toBe('ADMINISTRATION_CONFLICT');
      const own = (await adminActiveCertificates(pool('a'), ids.a.operatorId)).map((c) => c.sha256);
      expect(await step(a, 'ARX TEST ALDEN', own, ids.a.operatorId)).toBe('ADMINISTRATION_SELF_REFUSED');
      expect((await certsOf(d)).map((c) => c.retired_at)).toEqual([null, null, null]);
    });

    it('re-binds an operator: old certificates retired, password replaced and re-wrapped, open session ended', async () => {
      const { operatorId, edipi, loginRole } = ids.d;
      const session = await pool('d').connect();
      session.on('error', () => {});
      await session.query('SELECT 1');
      const oldPassword = passwords.get(loginRole)!;
      const retired = (await adminActiveCertificates(pool('a'), operatorId)).map((c) => c.sha256);
      const fresh = card['ARX NEW DUNN']!;
      await admin('a', 'ARX TEST ALDEN').reenrolOperator({
        operatorId,
        card: fresh,
        retired,
        by: ids.a.operatorId,
        prepareLogin: capturingLogin(passwords),
      });
      await expect(session.query('SELECT 1')).rejects.toThrow();
      session.release(true);
      await expect(db.connect(loginRole, oldPassword).query('SELECT 1')).rejects.toThrow(/password authentication/);
      const now = pool('d');
      expect((await now.query('SELECT arx.current_operator() AS op')).rows[0].op).toBe(operatorId);

      const certs = await certsOf(operatorId);
      const fresh256 = fresh.certificates.map((c) => c.sha256).sort();
      expect(certs.filter((c) => c.retired_at === null).map((c) => c.sha256)).toEqual(fresh256);
      expect(certs.filter((c) => c.retired_at !== null).map((c) => [c.sha256, c.retired_by])).toEqual(
        retired.map((s) => [s, ids.a.operatorId]),
      );
      // The old card is refused before its PIN is asked for; the new one is the wrap's key.
      const oldCard = card['ARX TEST DUNN']!;
      expect(await failureCode(checkOperatorLogin(bootstrap, edipi, oldCard.keyManagement.der))).toBe(
        'OPERATOR_LOGIN_OTHER_CARD',
      );
      const wrap = await checkOperatorLogin(bootstrap, edipi, fresh.keyManagement.der);
      expect(Buffer.from(wrap.wrapKeySha256).toString('hex')).toBe(fresh.keyManagement.sha256);
      const pivAuth = (c: EnrolmentCard) => c.certificates.find((x) => x.usage === 'piv-auth')!.sha256;
      expect(await operatorByLogin(now, edipi, pivAuth(oldCard))).toBeNull();
      expect((await operatorByLogin(now, edipi, pivAuth(fresh)))?.id).toBe(operatorId);

      const ev = await db.admin.query(
        `SELECT doc->'data' AS data FROM arx.audit_events WHERE tenant_id = arx.system_tenant() ORDER BY seq DESC LIMIT 1`,
      );
      expect(ev.rows[0].data).toMatchObject({ operatorId, edipi, retired, by: ids.a.operatorId });
      expect(ev.rows[0].data.certificates.map((c: { sha256: string }) => c.sha256).sort()).toEqual(fresh256);
    });

    it('re-binds an administrator by the other: the old card’s signatures are refused, its past ones still verify', async () => {
      const tenant = db.tenants.a;
      const c = { operatorId: ids.c.operatorId, edipi: ids.c.edipi };
      await admin('b', 'ARX TEST BRANT').grantRole({ tenantId: tenant, ...c, role: 'auditor', by: ids.b.operatorId });
      const retired = (await adminActiveCertificates(pool('a'), ids.b.operatorId)).map((x) => x.sha256);
      await admin('a', 'ARX TEST ALDEN').reenrolOperator({
        operatorId: ids.b.operatorId,
        card: card['ARX NEW BRANT']!,
        retired,
        by: ids.a.operatorId,
        prepareLogin: capturingLogin(passwords),
      });
      const grant = { tenantId: tenant, ...c, role: 'approver' as const, by: ids.b.operatorId };
      expect(await failureCode(admin('b', 'ARX TEST BRANT').grantRole(grant))).toBe('ADMINISTRATION_SIGNATURE_INVALID');
      await admin('b', 'ARX NEW BRANT').grantRole(grant);
      const review = accessReview(await grantsForReview(db.admin), await certificatesForReview(db.admin));
      const row = (role: string) => review.find((r) => r.edipi === c.edipi && r.role === role);
      expect(row('auditor')).toMatchObject({ grant: 'verified', grantedBy: ids.b.operatorId });
      expect(row('approver')).toMatchObject({ grant: 'verified', grantedBy: ids.b.operatorId });
    });

    it('flags expiry from the certificates in use only: a retired card’s expiry is not the operator’s', async () => {
      // BRANT's old card (retired above) "expires" tomorrow; the new card's certificates do not.
      const saved = await db.admin.query(
        'SELECT sha256, not_after FROM arx.operator_certificates WHERE operator_id = $1',
        [ids.b.operatorId],
      );
      onTestFinished(async () => {
        for (const r of saved.rows)
          await db.admin.query('UPDATE arx.operator_certificates SET not_after = $2 WHERE sha256 = $1', [
            r.sha256,
            r.not_after,
          ]);
      });
      await db.admin.query(
        `UPDATE arx.operator_certificates SET not_after = now() + interval '1 day'
          WHERE operator_id = $1 AND retired_at IS NOT NULL`,
        [ids.b.operatorId],
      );
      const current = await db.admin.query<{ min: Date }>(
        'SELECT min(not_after) AS min FROM arx.operator_certificates WHERE operator_id = $1 AND retired_at IS NULL',
        [ids.b.operatorId],
      );
      const system = await systemTenantId(db.admin);
      const viaDefiner = await withTenant(pool('a'), system!, (c) => adminCertificates(c));
      expect([...viaDefiner.values()].filter((x) => x.operatorId === ids.b.operatorId && x.retiredAt)).toHaveLength(3);
      for (const certs of [await certificatesForReview(db.admin), viaDefiner]) {
        const row = accessReview(await grantsForReview(db.admin), certs).find(
          (r) => r.edipi === ids.b.edipi && r.role === 'administrator',
        );
        expect(row).toMatchObject({ expiresSoon: false, certificatesExpire: current.rows[0]!.min.toISOString() });
      }
      // A card in use that expires tomorrow is still flagged.
      await db.admin.query(
        `UPDATE arx.operator_certificates SET not_after = now() + interval '1 day'
          WHERE operator_id = $1 AND retired_at IS NULL AND usage = 'signature'`,
        [ids.b.operatorId],
      );
      const flagged = accessReview(
        await grantsForReview(db.admin),
        await withTenant(pool('a'), system!, adminCertificates),
      );
      expect(flagged.find((r) => r.edipi === ids.b.edipi && r.role === 'administrator')?.expiresSoon).toBe(true);
    });
    it('has the chain verification flag unsigned grants, bootstrap records apart, and a grant signature that fails', async () => {
      const codes = async (tenant: string) => {
        const r = await verifyTenantChain(db.admin, tenant, { checkDocuments: false });
        const grants = [...r.errors, ...r.warnings].filter((i) => i.code.startsWith('GRANT_'));
        return grants.map((i) => [i.code, i.severity, i.details.count ?? i.details.edipi]);
      };
      const sys = (await db.admin.query('SELECT system_tenant FROM arx.control_plane')).rows[0].system_tenant;
      expect(await codes(sys)).toEqual([['GRANT_BOOTSTRAP_RECORDED', 'warning', 2]]);
      expect(await codes(db.tenants.a)).toEqual([]);
      await db.admin.query(`INSERT INTO arx.role_grants (tenant_id, operator_id, role) VALUES ($1, $2, 'approver')`, [
        db.tenants.a,
        ids.d.operatorId,
      ]);
      expect(await codes(db.tenants.a)).toEqual([['GRANT_UNSIGNED', 'warning', 1]]);
      // A DBA who names another granter than the administrator who signed.
      await db.admin.query(`UPDATE arx.role_grants SET granted_by = $1 WHERE tenant_id = $2 AND role = 'auditor'`, [
        ids.a.operatorId,
        db.tenants.a,
      ]);
      // An error (this suite's events are not card-signed: the writer errors beside it are not the point).
      const r = await verifyTenantChain(db.admin, db.tenants.a, { checkDocuments: false });
      const grantErrors = r.errors.filter((e) => e.code.startsWith('GRANT_'));
      expect(grantErrors.map((e) => [e.code, e.severity, e.details.seq, e.details.edipi, e.details.role])).toEqual([
        ['GRANT_SIGNATURE_INVALID', 'error', -1, ids.c.edipi, 'auditor'],
      ]);
    });
  });
}
