import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accessReview,
  accessReviewCsv,
  type AccessReviewEntry,
} from '../../../electron/main/administration/access-review';
import {
  accessReviewCsvText,
  accessReviewPage,
  exportAccessReviewCsv,
} from '../../../electron/main/administration/access-review-pages';
import { AccessReviewVerifications } from '../../../electron/main/administration/access-review-verify';
import { bootstrapControlPlane } from '../../../electron/main/administration/bootstrap';
import { adminCertificates, adminGrants } from '../../../electron/main/controlplane/repos/administration-reads';
import { reviewPage } from '../../../electron/main/controlplane/repos/access-review';
import { withTenant } from '../../../electron/main/controlplane/tenant-session';
import { capturingEnroller } from '../../support/admin-cards';
import { migratedDatabase } from '../../support/pg';
import { seedSignedGrants, signedEnvelope, softwareCard, type SoftwareCard } from '../../support/review-seed';

/**
 * The access review paged, filtered and counted by the control plane (migration 0029), checked
 * against the whole review made the old way (every grant read and verified in the console): the
 * pages together are the whole, each filter's count and rows are the whole's, and the grants that
 * do not verify — one a superuser inserted without a signature, one with another grant's
 * signature — are found by the problems filter and the full verification wherever they sort.
 */
let db: Awaited<ReturnType<typeof migratedDatabase>>;
let own: pg.Pool;
let system: string;
let work: string;
let signer: SoftwareCard;
/** An operator with no role: the review is not theirs to read. */
let plain: { pool: pg.Pool };
const late = { tenant: '', operator: '' };

const PAGE = 25;
const full = async () =>
  withTenant(own, system, async (c) => accessReview(await adminGrants(c), await adminCertificates(c)));
const strip = (e: AccessReviewEntry & Record<string, unknown>): AccessReviewEntry => {
  const { tenantId: _t, operatorId: _o, unsigned: _u, ...rest } = e;
  return rest;
};
const req = (over: Partial<Parameters<typeof accessReviewPage>[1]> = {}) => ({
  text: '',
  problemsOnly: false,
  expiringOnly: false,
  page: 1,
  pageSize: PAGE,
  ...over,
});

async function allPages(over: Partial<Parameters<typeof accessReviewPage>[1]> = {}, flagged: string[] = []) {
  const first = await accessReviewPage(own, req(over), flagged);
  const entries = [...first.entries];
  for (let p = 2; p <= Math.ceil(first.matching / PAGE); p++)
    entries.push(...(await accessReviewPage(own, req({ ...over, page: p }), flagged)).entries);
  return { first, entries };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'arx-review-pages-'));
  db = await migratedDatabase('reviewpages');
  // The administrator's certificates expire within the warning window: their grant is "expiring".
  signer = await softwareCard('3999999999', { expiresInDays: 10 });
  const passwords = new Map<string, string>();
  const other = await softwareCard('3999999998');
  const boot = await bootstrapControlPlane(db.admin, [signer.card], capturingEnroller(passwords), [other.card]);
  const op = boot.operators[0]!;
  plain = { pool: db.connect(op.loginRole, passwords.get(op.loginRole)!) };
  system = boot.systemTenant.id;
  const me = boot.administrators[0]!;
  own = db.connect(me.loginRole, passwords.get(me.loginRole)!);
  const seeded = await seedSignedGrants(db.admin, me.operatorId, signer, {
    operators: 70,
    tenants: 3,
    perOperator: 2,
    prefix: 'page',
  });
  // An isso grant with its request and approval, both signed: verifies, and is not a problem.
  const [t0, o0] = [seeded.tenants[0]!.id, seeded.operators[0]!.id];
  const requestId = '00000000-0000-4000-8000-00000000000a';
  const base = { tenantId: t0, operatorId: o0, role: 'isso' };
  await db.admin.query(
    `INSERT INTO arx.role_grants (tenant_id, operator_id, role, granted_by, approved_by, grant_envelope, approval_envelope)
     VALUES ($1, $2, 'isso', $3, $3, $4, $5)`,
    [
      t0,
      o0,
      me.operatorId,
      signedEnvelope(signer, { action: 'role.grant', ...base, requestId }),
      signedEnvelope(signer, { action: 'role.approve', ...base, requestId }),
    ],
  );
  // A tenant that sorts last, with a grant a superuser inserted without any signature…
  late.tenant = (
    await db.admin.query<{ id: string }>(
      `INSERT INTO arx.tenants (id, slug, name) VALUES (gen_random_uuid(), 'zz-late', 'Late') RETURNING id`,
    )
  ).rows[0]!.id;
  late.operator = seeded.operators[69]!.id;
  await db.admin.query(`INSERT INTO arx.role_grants (tenant_id, operator_id, role) VALUES ($1, $2, 'auditor')`, [
    late.tenant,
    late.operator,
  ]);
  // …and one carrying another grant's valid signature (its statement names someone else): only a check finds it.
  await db.admin.query(
    `INSERT INTO arx.role_grants (tenant_id, operator_id, role, granted_by, grant_envelope)
     SELECT $1, $2, 'approver', granted_by, grant_envelope FROM arx.role_grants
      WHERE operator_id = $3 AND grant_envelope IS NOT NULL LIMIT 1`,
    [late.tenant, late.operator, seeded.operators[1]!.id],
  );
  await db.admin.query(`UPDATE arx.operators SET status = 'disabled' WHERE id = $1`, [seeded.operators[5]!.id]);
}, 120_000);

afterAll(async () => {
  await db?.drop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the access review paged by the control plane', () => {
  it('pages through exactly the whole review, with exact counts', async () => {
    const whole = await full();
    expect(whole.length).toBe(70 * 2 + 1 + 1 + 2);
    const { first, entries } = await allPages();
    expect(first).toMatchObject({ page: 1, pageSize: PAGE, total: whole.length, matching: whole.length });
    expect(first.unsigned).toBe(whole.filter((e) => e.grant === 'missing' || e.approval === 'missing').length);
    expect(first.unsigned).toBe(1);
    expect(first.expiring).toBe(whole.filter((e) => e.expiresSoon).length);
    expect(first.expiring).toBe(1);
    expect(entries.map(strip)).toEqual(whole);
    // Past the last page: the last page.
    const beyond = await accessReviewPage(own, req({ page: 999 }), []);
    expect(beyond.page).toBe(Math.ceil(whole.length / PAGE));
    expect(beyond.entries.map(strip)).toEqual(whole.slice((beyond.page - 1) * PAGE));
  });

  it('filters by text in any one of tenant, EDIPI, name, role or status, as the whole review would', async () => {
    const whole = await full();
    const fields = (e: AccessReviewEntry) => [e.tenant, e.edipi, e.displayName, e.role, e.operatorStatus];
    for (const text of ['page-1', '4000000012', 'operator 40000000', 'APPROVER', 'disabled', 'isso', 'nothing-here']) {
      const want = whole.filter((e) => fields(e).some((f) => f.toLowerCase().includes(text.toLowerCase())));
      const { first, entries } = await allPages({ text });
      expect(first.matching, text).toBe(want.length);
      expect(first.total, text).toBe(whole.length);
      expect(entries.map(strip), text).toEqual(want);
    }
    const expiring = await allPages({ expiringOnly: true });
    expect(expiring.entries.map(strip)).toEqual(whole.filter((e) => e.expiresSoon));
  });

  it('finds the unsigned grant on a late page with the problems filter, and the full verification finds both', async () => {
    const whole = await full();
    const at = whole.findIndex((e) => e.tenant === 'zz-late' && e.role === 'auditor');
    expect(at, 'the unsigned grant sorts past the first page').toBeGreaterThanOrEqual(PAGE * 4);
    expect(whole[at]!.grant).toBe('missing');
    const forged = whole.find((e) => e.tenant === 'zz-late' && e.role === 'approver')!;
    expect(forged.grant).toBe('invalid');

    // Before any full verification: the control plane's marker finds the unsigned one only.
    const unsigned = await accessReviewPage(own, req({ problemsOnly: true }), []);
    expect(unsigned.matching).toBe(1);
    expect(unsigned.entries).toEqual([
      expect.objectContaining({ tenant: 'zz-late', role: 'auditor', grant: 'missing', unsigned: true }),
    ]);

    // The full verification, in batches smaller than a tenant, finds both.
    const jobs = new AccessReviewVerifications({ pool: () => own, batch: 7 });
    const started = jobs.start('me');
    await waitDone(jobs, started.jobId);
    const done = jobs.status(started.jobId, 'me');
    expect(done).toMatchObject({ state: 'done', checked: whole.length, total: whole.length, problems: 2 });
    expect(done.firstProblems).toEqual([
      { tenant: 'zz-late', edipi: whole[at]!.edipi, role: 'approver', grant: 'invalid', approval: 'not-required' },
      { tenant: 'zz-late', edipi: whole[at]!.edipi, role: 'auditor', grant: 'missing', approval: 'not-required' },
    ]);
    expect(() => jobs.status(started.jobId, 'someone-else')).toThrow(/No full verification/);
    const flagged = jobs.latest('me')!.flagged;
    const problems = await allPages({ problemsOnly: true }, [...flagged]);
    expect(problems.first.matching).toBe(2);
    expect(problems.entries.map(strip)).toEqual(whole.filter((e) => e.grant === 'missing' || e.grant === 'invalid'));
    // The forged grant is shown as invalid on its page too, checked when the page is read.
    const pageOf = Math.floor(whole.indexOf(forged) / PAGE) + 1;
    const page = await accessReviewPage(own, req({ page: pageOf }), []);
    expect(page.entries.find((e) => e.tenant === 'zz-late' && e.role === 'approver')).toMatchObject({
      grant: 'invalid',
      unsigned: false,
    });
  });

  it('writes the CSV a batch at a time, equal to the whole review', async () => {
    const want = accessReviewCsv(await full());
    const written = await exportAccessReviewCsv(own, join(work, 'exports'));
    expect(readFileSync(written.path, 'utf8')).toBe(want);
    expect(written.rows).toBe(want.split('\r\n').length - 2);
    expect(statSync(written.path).mode & 0o777).toBe(0o600);
    expect(await accessReviewCsvText(own)).toBe(want);
  });

  it('refuses the page to an operator who is not an administrator', async () => {
    const filter = { text: '', problemsOnly: false, flagged: [], expiringBefore: null };
    await expect(withTenant(plain.pool, system, (c) => reviewPage(c, filter, 10, 0))).rejects.toMatchObject({
      code: 'ADMINISTRATOR_REQUIRED',
    });
  });
});

async function waitDone(jobs: AccessReviewVerifications, jobId: string) {
  for (let i = 0; i < 600; i++) {
    if (jobs.status(jobId, 'me').state !== 'running') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the full verification did not finish');
}
