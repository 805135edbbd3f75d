import type { Page } from '@playwright/test';
import { expect, saveScreenshot, sectionsNav, test } from './support/console-fixture';
import { switchOperator } from './support/demo-console';

/**
 * One tenant context for the whole console: a picker in the header, the roles shown are those in
 * that tenant, every screen follows it, no screen has a tenant picker of its own, and the choice
 * is remembered per operator across logout and login.
 */
const picker = (page: Page) => page.getByRole('combobox', { name: 'Tenant' });
const operator = (page: Page) => page.getByRole('group', { name: 'Operator' });

async function chooseTenant(page: Page, slug: string): Promise<void> {
  await picker(page).click();
  await page.getByRole('option', { name: slug, exact: true }).click();
  await expect(picker(page)).toHaveValue(slug);
}

async function open(page: Page, section: string, tab?: string): Promise<void> {
  await sectionsNav(page).getByRole('link', { name: section, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: section })).toBeVisible();
  if (tab) await page.getByRole('tab', { name: tab }).click();
}

test('one tenant in the header drives every screen and is remembered per operator', async ({ openConsole }) => {
  test.setTimeout(300_000);
  const { page } = await openConsole({ controlPlane: 'demo', login: 'adams' });
  await open(page, 'Policies');
  await expect(picker(page)).toHaveValue('alpha-command');
  await expect(operator(page)).toContainText('alpha-command: ');
  await expect(operator(page)).not.toContainText('bravo-finance');
  await expect(page.getByTestId('policy-context')).toContainText('Tenant alpha-command');

  await chooseTenant(page, 'bravo-finance');
  await expect(operator(page)).toContainText('bravo-finance: ');
  await expect(operator(page)).not.toContainText('alpha-command');
  await expect(page.getByTestId('policy-context')).toContainText('Tenant bravo-finance');
  await saveScreenshot(page, 'tenant-context-policies-bravo');

  // Every screen shows the header's tenant, and none has a tenant picker of its own.
  await open(page, 'Audit', 'Verify chain');
  await expect(page.getByTestId('verify-tenant')).toContainText('(bravo-finance)');
  await open(page, 'Audit', 'Explorer');
  await expect(page.getByRole('grid', { name: 'Audit events' }).locator('[data-row]').first()).toBeVisible();
  await open(page, 'Audit', 'Re-verify decisions');
  await open(page, 'Audit', 'Dashboards');
  await open(page, 'Certificates');
  await expect(page.getByRole('button', { name: 'Prepare review' })).toBeVisible();
  await open(page, 'Bundles');
  await expect(page.getByRole('button', { name: 'Export and sign…' })).toBeVisible();
  await expect(page.getByRole('combobox', { name: 'Tenant' })).toHaveCount(1);
  await saveScreenshot(page, 'tenant-context-bundles-bravo');

  // The explorer's events are bravo-finance's: each one's tenant is named in its stored bytes.
  await open(page, 'Audit', 'Explorer');
  await page.getByRole('grid', { name: 'Audit events' }).locator('[data-row]').first().click();
  const drawer = page.getByRole('dialog', { name: /^Event \d+/ });
  await expect(drawer).toBeVisible();
  const bytes = await drawer.locator('pre, code').first().innerText();
  await page.keyboard.press('Escape');
  const bravoId = JSON.parse(bytes.replace(/\s+/g, '')).arxtenant as string;
  await chooseTenant(page, 'alpha-command');
  await page.getByRole('grid', { name: 'Audit events' }).locator('[data-row]').first().click();
  await expect(drawer).toBeVisible();
  const alphaBytes = await drawer.locator('pre, code').first().innerText();
  await page.keyboard.press('Escape');
  expect(JSON.parse(alphaBytes.replace(/\s+/g, '')).arxtenant).not.toBe(bravoId);

  // Remembered per operator: another operator starts from their own default, adams comes back to bravo.
  await chooseTenant(page, 'bravo-finance');
  await switchOperator(page, 'baker');
  await expect(picker(page)).toHaveValue('alpha-command');
  await expect(operator(page)).toContainText(/alpha-command: (approver, auditor|auditor, approver)/);
  await switchOperator(page, 'adams');
  await expect(picker(page)).toHaveValue('bravo-finance');
  await saveScreenshot(page, 'tenant-context-remembered');
});
