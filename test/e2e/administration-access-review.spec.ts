import type { Locator, Page } from '@playwright/test';
import type { ConsoleServices } from '../../electron/main/composition/console-services';
import { expect, saveScreenshot, sectionsNav, test } from './support/console-fixture';

/**
 * The access review a page at a time, driven by keyboard alone. Before the window opens, a
 * superuser adds 230 operators to alpha-command whose grants carry a signature that does not
 * verify (ADAMS's key id, random bytes) and one more grant with no signature at all, sorting past
 * the first page. Paging: Tab to the pagination, Enter. Problems only: the control plane's marker
 * finds the unsigned grants at once; "Verify every signature" then finds the 230 forged ones.
 */
const SEEDED = 230;
const LATE = String(3_000_000_000 + SEEDED);

async function seedGrants(services: ConsoleServices): Promise<void> {
  const admin = services.controlPlane.requireAdminPool();
  await admin.query(
    `INSERT INTO arx.operators (id, edipi, display_name)
     SELECT gen_random_uuid(), (3000000000 + i)::text, 'SEEDED OPERATOR ' || i FROM generate_series(1, $1::int) i`,
    [SEEDED],
  );
  await admin.query(
    `INSERT INTO arx.role_grants (tenant_id, operator_id, role, granted_by, grant_envelope)
     SELECT t.id, o.id, 'auditor', a.id, jsonb_build_object(
              'payloadType', 'application/vnd.arx.administration+json',
              'payload', encode(convert_to(json_build_object('action', 'role.grant', 'tenantId', t.id,
                                  'operatorId', o.id, 'role', 'auditor')::text, 'UTF8'), 'base64'),
              'signatures', jsonb_build_array(jsonb_build_object('keyid', encode(c.sha256, 'hex'),
                                  'sig', encode(sha256(o.id::text::bytea) || sha256(t.id::text::bytea), 'base64'))))
       FROM arx.operators o, arx.tenants t, arx.operators a
       JOIN arx.operator_certificates c ON c.operator_id = a.id AND c.usage = 'signature'
      WHERE o.display_name LIKE 'SEEDED OPERATOR %' AND t.slug = 'alpha-command' AND a.edipi = '1000000001'`,
  );
  await admin.query(
    `INSERT INTO arx.role_grants (tenant_id, operator_id, role)
     SELECT t.id, o.id, 'approver' FROM arx.operators o, arx.tenants t WHERE o.edipi = $1 AND t.slug = 'alpha-command'`,
    [LATE],
  );
}

/** Counted by SQL of its own: every grant, and those lacking a signature they need (bootstrap grants the chain records aside). */
async function expected(services: ConsoleServices) {
  const r = await services.controlPlane.requireAdminPool().query<{ total: string; unsigned: string }>(
    `SELECT count(*) AS total, count(*) FILTER (WHERE (grant_envelope IS NULL OR granted_by IS NULL
              OR (role IN ('isso', 'administrator') AND (approval_envelope IS NULL OR approved_by IS NULL)))
            AND NOT (granted_by IS NULL AND grant_envelope IS NULL AND EXISTS (
              SELECT 1 FROM arx.audit_events e JOIN arx.control_plane c ON c.system_tenant = e.tenant_id
               WHERE g.tenant_id = c.system_tenant AND e.type = 'com.arx.role.granted'
                 AND e.doc->'data'->>'operatorId' = g.operator_id::text AND e.doc->'data'->>'role' = g.role
                 AND e.doc->'data'->'by' = 'null'::jsonb))) AS unsigned
       FROM arx.role_grants g`,
  );
  return { total: Number(r.rows[0]!.total), unsigned: Number(r.rows[0]!.unsigned) };
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** Presses Tab until `target` has the focus (at most 20 times): it is reachable by keyboard. */
async function tabTo(page: Page, target: Locator): Promise<void> {
  for (let i = 0; i < 20; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error('not reached by Tab');
}

test('pages, filters and verifies the access review by keyboard', async ({ openConsole }) => {
  test.setTimeout(300_000);
  const { page, services } = await openConsole({ controlPlane: 'demo', login: 'adams', beforeUi: seedGrants });
  const { total, unsigned } = await expected(services);
  expect(total).toBeGreaterThan(2 * 100 + 1);
  expect(unsigned).toBeGreaterThanOrEqual(1);

  await sectionsNav(page).getByRole('link', { name: 'Administration', exact: true }).click();
  await page.getByRole('tab', { name: 'Access review' }).click();
  const shown = page.getByTestId('grants-shown');
  const table = page.getByRole('table', { name: 'Access review' });
  await expect(shown).toHaveText(`Grants 1–100 of ${fmt(total)}`);
  await expect(table.getByRole('row')).toHaveCount(101);

  // Paging by keyboard: from the filter, Tab to the next page, Enter; then to the last page.
  await page.getByLabel('Filter').focus();
  await tabTo(page, page.getByRole('button', { name: 'Next page' }));
  await page.keyboard.press('Enter');
  await expect(shown).toHaveText(`Grants 101–200 of ${fmt(total)}`);
  const lastFrom = Math.floor((total - 1) / 100) * 100 + 1;
  await tabTo(page, page.getByRole('button', { name: 'Last page' }));
  await page.keyboard.press('Enter');
  await expect(shown).toHaveText(`Grants ${fmt(lastFrom)}–${fmt(total)} of ${fmt(total)}`);
  await saveScreenshot(page, 'administration-access-review-paged');

  // Problems only (Space): the unsigned grants, found by the control plane without a full verification.
  await page.getByLabel(/^Problems only/).focus();
  await page.keyboard.press('Space');
  await expect(shown).toHaveText(
    `Grants 1–${fmt(Math.min(unsigned, 100))} of ${fmt(unsigned)} matching (${fmt(total)} in all)`,
  );
  await page.getByLabel('Filter').fill(LATE);
  await expect(shown).toHaveText(`Grants 1–1 of 1 matching (${fmt(total)} in all)`);
  await expect(table.getByRole('row', { name: new RegExp(LATE) })).toContainText('no signature');
  await page.getByLabel('Filter').fill('');

  // The full verification, started by keyboard, finds the forged signatures too.
  await page.getByRole('button', { name: 'Verify every signature' }).focus();
  await page.keyboard.press('Enter');
  const problems = unsigned + SEEDED;
  await expect(page.getByRole('status').filter({ hasText: `grants of ${fmt(total)} do not verify` })).toContainText(
    `${fmt(problems)} grants of ${fmt(total)} do not verify`,
    { timeout: 120_000 },
  );
  await expect(shown).toHaveText(`Grants 1–100 of ${fmt(problems)} matching (${fmt(total)} in all)`);
  await expect(page.getByLabel(/^Problems only/)).toBeChecked();
  await tabTo(page, page.getByRole('button', { name: 'Next page' }));
  await page.keyboard.press('Enter');
  await expect(shown).toHaveText(`Grants 101–200 of ${fmt(problems)} matching (${fmt(total)} in all)`);
  await expect(table.getByRole('row', { name: /SEEDED OPERATOR/ }).first()).toContainText('signature invalid');
  await saveScreenshot(page, 'administration-access-review-problems');
});
