import { expect, saveScreenshot, sectionsNav, test } from './support/console-fixture';

/**
 * Evidence people can read: real counts (the explorer says how many of the tenant's events a page
 * is, counted in the database), relative times with the UTC time on hover, plurals that agree.
 */
test('the explorer states real counts; Home writes relative times with UTC on hover', async ({ openConsole }) => {
  test.setTimeout(240_000);
  const { page, services } = await openConsole({ controlPlane: 'demo', login: 'adams', demoEvents: 500 });
  const admin = services.controlPlane.requireAdminPool();
  const count = async () =>
    Number(
      (
        await admin.query<{ n: string }>(
          `SELECT count(*) AS n FROM arx.audit_events e JOIN arx.tenants t ON t.id = e.tenant_id WHERE t.slug = 'alpha-command'`,
        )
      ).rows[0]!.n,
    );

  const newest = page.getByRole('table', { name: 'Chain health' }).locator('tr[data-tenant="alpha-command"] td').nth(2);
  await expect(newest).toHaveText(/ago|now/);
  await expect(newest.locator('[title$=" UTC"]')).toHaveCount(1);

  await sectionsNav(page).getByRole('link', { name: 'Audit' }).click();
  await page.getByRole('tab', { name: 'Explorer' }).click();
  const status = page
    .getByRole('status')
    .filter({ hasText: /\bevents?\b/ })
    .first();
  await expect(status).toContainText(`200 of ${(await count()).toLocaleString('en-US')} events shown`);
  await page.getByLabel('Decision', { exact: true }).and(page.locator('input')).click();
  await page.getByRole('option', { name: 'deny', exact: true }).click();
  await expect(status).toContainText(/^\d+ matching events?( ·|$)/);
  await expect(page.locator('body')).not.toContainText(/\b1 (events|checkpoints|warnings)\b|\(s\)/);
  await saveScreenshot(page, 'readable-explorer-counts');
});
