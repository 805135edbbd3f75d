import { expect, saveScreenshot, test } from './support/console-fixture';

/**
 * Home after login: what waits for the operator, chain health per tenant (last verification on
 * this workstation, result, checkpoint age), recent alerts and the connection; each item one
 * click from where it is handled.
 */
test('login lands on Home; chain health, alerts and connection each lead to their screen', async ({ openConsole }) => {
  test.setTimeout(240_000);
  const { page } = await openConsole({ controlPlane: 'demo', login: 'adams' });
  await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeVisible();
  expect(new URL(page.url()).hash).toBe('#/home');

  const waiting = page.getByRole('region', { name: 'Waiting for you' });
  await expect(waiting).toContainText('Nothing waits for you.');
  const connection = page.getByRole('table', { name: 'Connection and cache' });
  await expect(connection.getByRole('row', { name: /Control plane/ })).toContainText('connected');
  await expect(connection.getByRole('row', { name: /Card/ })).toContainText('logged in');

  const chains = page.getByRole('table', { name: 'Chain health' });
  const bravo = chains.locator('tr[data-tenant="bravo-finance"]');
  await expect(chains.locator('tr[data-tenant="alpha-command"]')).toContainText('Not verified on this workstation');
  await expect(bravo).toContainText('Not verified on this workstation');
  await saveScreenshot(page, 'home-first-login');

  // One click to verify a tenant: the Audit screen opens on Verify chain, in that tenant.
  await bravo.getByRole('button', { name: 'Verify bravo-finance' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Audit' })).toBeVisible();
  await expect(page.getByRole('tab', { name: 'Verify chain' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('combobox', { name: 'Tenant' })).toHaveValue('bravo-finance');
  await page.getByRole('button', { name: 'Verify chain' }).click();
  await expect(page.locator('[data-verdict="intact"]')).toBeVisible({ timeout: 60_000 });

  // Home now shows that verification, with its checkpoint.
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Home' }).click();
  await expect(bravo).toContainText(/intact/);
  await expect(bravo).toContainText(/seconds? ago|now/);
  await expect(bravo).toContainText(/issued .* ago/);
  await expect(chains.locator('tr[data-tenant="alpha-command"]')).toContainText('Not verified on this workstation');

  // Recent alerts in the current tenant: a denial opens the explorer filtered to it.
  const alerts = page.getByRole('region', { name: /Recent alerts in bravo-finance/ });
  await expect(alerts).toContainText(/[1-9][\d,]* denials?/);
  await saveScreenshot(page, 'home-after-verification');
  const denial = alerts
    .getByRole('list', { name: 'Recent alerts' })
    .getByRole('button', { name: /denials?:/ })
    .first();
  await denial.click();
  await expect(page.getByRole('tab', { name: 'Explorer' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByLabel('Decision', { exact: true }).and(page.locator('input'))).toHaveValue('deny');
  await saveScreenshot(page, 'home-denial-in-explorer');

  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Home' }).click();
  await page.getByRole('button', { name: 'Cache and settings' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
});
