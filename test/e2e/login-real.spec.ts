import type { Page } from '@playwright/test';
import { expect, saveScreenshot, sectionsNav, test } from './support/console-fixture';
import {
  chooseReader,
  DEMO_OPERATORS,
  DEMO_PIN,
  loginAs,
  logout,
  removeDemoCard,
  switchOperator,
} from './support/demo-console';
import { stopDatabase } from './support/database';

/**
 * Operator login for real: the demo control plane (embedded PostgreSQL, demo tenants) and the
 * demo SoftHSM2 cards behind main's card service (pkcs11js in its worker), offline path
 * validation and the operator lookup; the UI is driven as a person drives it.
 */
const pinField = (page: Page) => page.getByLabel(/^PIN/);
const operatorGroup = (page: Page) => page.getByRole('group', { name: 'Operator' });
const statusBar = (page: Page) => page.getByRole('status', { name: 'Connection status' });
const lockHeading = (page: Page, reason: string) => page.getByRole('heading', { name: `Console locked (${reason})` });

test.describe('real card login (SoftHSM2, embedded control plane)', () => {
  test('EC card (ADAMS) logs in; the header and status bar say who, with which card and roles per tenant; then the RSA card (BAKER)', async ({
    openConsole,
  }) => {
    const { page } = await openConsole({ controlPlane: 'demo', login: 'adams' });
    await expect(operatorGroup(page)).toContainText(`${DEMO_OPERATORS.adams.displayName} (EDIPI 1000000001)`);
    await expect(operatorGroup(page)).toContainText('alpha-command: ');
    const card = statusBar(page).getByRole('group', { name: 'Card' });
    await expect(card).toContainText('Card: Logged in');
    await expect(card).toContainText(
      `${DEMO_OPERATORS.adams.displayName} (EDIPI 1000000001) with card ARX TEST ADAMS EC`,
    );
    for (const tenant of ['alpha-command', 'bravo-finance']) {
      for (const role of DEMO_OPERATORS.adams.roles)
        await expect(card).toContainText(new RegExp(`${tenant}: [a-z, -]*${role}`));
    }
    await saveScreenshot(page, 'login-real-adams');

    await switchOperator(page, 'baker');
    await expect(operatorGroup(page)).toContainText(`${DEMO_OPERATORS.baker.displayName} (EDIPI 1000000002)`);
    await expect(card).toContainText('with card ARX TEST BAKER RSA');
    await expect(card).toContainText(/alpha-command: (approver, auditor|auditor, approver)/);
    await expect(card).not.toContainText('policy-author');
    await saveScreenshot(page, 'login-real-baker');
  });

  test('a wrong PIN is refused with PIN_INCORRECT (the card says so), the right one is accepted', async ({
    openConsole,
  }) => {
    const { page } = await openConsole({ controlPlane: 'demo' });
    await page.getByRole('button', { name: 'I acknowledge' }).click();
    await chooseReader(page, DEMO_OPERATORS.baker.label);
    await pinField(page).fill('999111');
    await page.getByRole('button', { name: 'Log in' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'PIN_INCORRECT' });
    await expect(alert).toBeVisible({ timeout: 20_000 });
    await expect(pinField(page)).toHaveValue('');
    await expect(page.locator('body')).not.toContainText('999111');
    await expect(sectionsNav(page)).toHaveCount(0);
    await saveScreenshot(page, 'login-real-wrong-pin');
    await loginAs(page, 'baker');
  });

  test('a revoked or expired card is refused before the PIN, with its code', async ({ openConsole }) => {
    const { page } = await openConsole({ controlPlane: 'demo' });
    await page.getByRole('button', { name: 'I acknowledge' }).click();
    const precheck = page.getByTestId('login-precheck');
    for (const [label, code] of [
      ['ARX TEST REVOKED', 'CERT_REVOKED'],
      ['ARX TEST EXPIRED', 'CERT_EXPIRED'],
    ] as const) {
      await chooseReader(page, label);
      await expect(precheck).toHaveAttribute('data-error-code', code, { timeout: 20_000 });
      await expect(page.getByRole('alert').filter({ hasText: code })).toContainText('This card cannot log in now');
      // Nothing to type: the PIN is not asked for a login that is certain to fail.
      await expect(pinField(page)).toHaveCount(0);
      await expect(page.getByRole('button', { name: 'Log in' })).toBeDisabled();
      await saveScreenshot(page, `login-real-precheck-${code.toLowerCase()}`);
    }
    // A good card clears it and asks for the PIN.
    await chooseReader(page, DEMO_OPERATORS.baker.label);
    await expect(precheck).toHaveCount(0, { timeout: 20_000 });
    await expect(pinField(page)).toBeVisible();
    await expect(sectionsNav(page)).toHaveCount(0);
  });

  test('an unreachable control plane is shown before the PIN, and clears by itself when it is back', async ({
    openConsole,
  }) => {
    const { page, services, dataDir } = await openConsole({ controlPlane: 'demo' });
    await page.getByRole('button', { name: 'I acknowledge' }).click();
    await chooseReader(page, DEMO_OPERATORS.adams.label);
    await expect(pinField(page)).toBeVisible({ timeout: 20_000 });
    const restart = await stopDatabase(services, dataDir);
    const precheck = page.getByTestId('login-precheck');
    await expect(precheck).toHaveAttribute('data-error-code', 'DB_UNREACHABLE', { timeout: 30_000 });
    await expect(pinField(page)).toHaveCount(0);
    await saveScreenshot(page, 'login-real-precheck-unreachable');
    restart();
    await expect(precheck).toHaveCount(0, { timeout: 60_000 });
    await loginAs(page, 'adams');
  });

  test('Lock hides the console; a wrong PIN does not unlock it, the right PIN does; Log out returns to the login screen', async ({
    openConsole,
  }) => {
    const { page, services } = await openConsole({ controlPlane: 'demo', login: 'adams' });
    await operatorGroup(page).getByRole('button', { name: 'Lock' }).click();
    await expect(lockHeading(page, 'by you')).toBeVisible();
    await expect(sectionsNav(page)).toHaveCount(0);
    expect(services.status().card.state).toBe('locked');

    await pinField(page).fill('999111');
    await page.getByRole('button', { name: 'Unlock' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'PIN_INCORRECT' })).toBeVisible({ timeout: 20_000 });
    await expect(lockHeading(page, 'by you')).toBeVisible();
    await saveScreenshot(page, 'login-real-locked-wrong-pin');

    await pinField(page).fill(DEMO_PIN);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await expect(sectionsNav(page)).toBeVisible({ timeout: 20_000 });
    await expect(operatorGroup(page)).toContainText('EDIPI 1000000001');
    expect(services.status().card.state).toBe('logged-in');

    await logout(page);
    expect(services.status().card.state).toBe('not-connected');
    await expect(sectionsNav(page)).toHaveCount(0);
  });

  test('pulling the card out locks the console (SoftHSM2: the token is deleted between two polls)', async ({
    openConsole,
  }) => {
    const { page, services, dataDir } = await openConsole({ controlPlane: 'demo', login: 'adams' });
    // SoftHSM2 has no reader to unplug: `softhsm2-util --delete-token` with the console's own
    // SOFTHSM2_CONF makes the token unreadable, which is what a removed card looks like to the
    // card service's removal poller (≤ 1 s). Main locks and pushes session.changed to the page.
    removeDemoCard(dataDir, 'adams');
    await expect(lockHeading(page, 'card removed')).toBeVisible({ timeout: 5_000 });
    await expect(sectionsNav(page)).toHaveCount(0);
    expect(services.status().card.state).toBe('locked');
    await saveScreenshot(page, 'login-real-card-removed');
    // The card is gone: its PIN cannot resume the session; logging out can.
    await pinField(page).fill(DEMO_PIN);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await expect(page.getByRole('alert')).toBeVisible({ timeout: 20_000 });
    await expect(lockHeading(page, 'card removed')).toBeVisible();
    await page.getByRole('button', { name: 'Log out' }).click();
    await expect(page.getByRole('heading', { name: 'Operator login' })).toBeVisible();
    // The other card is still in its reader and logs in.
    await loginAs(page, 'baker');
  });
});
