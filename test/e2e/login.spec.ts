import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { consentButton, expect, saveScreenshot, sectionsNav, test } from './support/console-fixture';
import { fakeCardBackend, pinState, STUB_OPERATOR, type FakeLoginCall, type FakeSlot } from './support/fake-card';

/**
 * The login screen against main's real OperatorAuth and card handlers, with a fake CardBackend
 * (fabricated slots and PIN states; login() refuses with PIN_INCORRECT). A successful login needs
 * certificate validation and an operator in a control plane, which these specs do not have: the
 * logged-in and locked views are driven by the fixture's stub operator session instead.
 */
const card = (level: Parameters<typeof pinState>[0], extra: Parameters<typeof pinState>[1] = {}): FakeSlot => ({
  description: 'Test reader 0',
  card: { label: 'PIV TEST CARD', serial: 'SN0001', pinState: pinState(level, extra) },
});

async function toLogin(page: Page): Promise<void> {
  await consentButton(page).click();
  await expect(page.getByRole('heading', { name: 'Operator login' })).toBeVisible();
  await expect(sectionsNav(page)).toHaveCount(0);
}

const pinField = (page: Page) => page.getByLabel(/^PIN/);
const submit = (page: Page) => page.getByRole('button', { name: 'Log in' });

test.describe('operator login', () => {
  test('no card in the reader: no PIN field, the console is not rendered', async ({ openConsole }) => {
    const { page } = await openConsole({
      operator: null,
      cardBackend: fakeCardBackend([{ description: 'Test reader 0', card: null }]),
    });
    await toLogin(page);
    await expect(page.getByText('No card in the reader (Test reader 0). Insert your card.')).toBeVisible();
    await expect(pinField(page)).toHaveCount(0);
    await expect(submit(page)).toBeDisabled();
  });

  test('no reader at all', async ({ openConsole }) => {
    const { page } = await openConsole({ operator: null, cardBackend: fakeCardBackend([]) });
    await toLogin(page);
    await expect(page.getByText('No card reader found. Connect a reader.')).toBeVisible();
  });

  test('a wrong PIN shows PIN_INCORRECT and clears the PIN field; keyboard only', async ({ openConsole }) => {
    const calls: FakeLoginCall[] = [];
    const { page } = await openConsole({ operator: null, cardBackend: fakeCardBackend([card('ok')], [{}], calls) });
    await toLogin(page);
    await expect(page.getByText('Card present: PIV TEST CARD (serial SN0001) in Test reader 0')).toBeVisible();
    await expect(pinField(page)).toHaveAttribute('type', 'password');
    await expect(pinField(page)).toHaveAttribute('autocomplete', 'off');
    // One certificate: no picker.
    await expect(page.getByRole('combobox', { name: 'Login certificate' })).toHaveCount(0);
    await pinField(page).focus();
    await page.keyboard.type('123');
    await expect(submit(page)).toBeDisabled();
    await page.keyboard.type('456');
    await page.keyboard.press('Enter');
    const alert = page.getByRole('alert').filter({ hasText: 'PIN_INCORRECT' });
    await expect(alert).toContainText('The PIN is incorrect.');
    await expect(pinField(page)).toHaveValue('');
    expect(calls).toEqual([{ slot: '0x0', pin: '123456', certificateId: undefined, confirmFinalTry: false }]);
    expect(page.url()).not.toContain('123456');
    await expect(page.locator('body')).not.toContainText('123456');
    await saveScreenshot(page, 'login-pin-incorrect');
  });

  test('warning: a yellow notice with the card message', async ({ openConsole }) => {
    const { page } = await openConsole({ operator: null, cardBackend: fakeCardBackend([card('warning')]) });
    await toLogin(page);
    await expect(page.getByText('Few PIN tries left')).toBeVisible();
    await expect(page.getByText('A wrong PIN was entered before: few tries remain.')).toBeVisible();
    await expect(pinField(page)).toBeVisible();
  });

  test('final try: submit stays disabled until the confirmation is ticked, then sends confirmFinalTry', async ({
    openConsole,
  }) => {
    const calls: FakeLoginCall[] = [];
    const { page } = await openConsole({
      operator: null,
      cardBackend: fakeCardBackend([card('final-try')], [], calls),
    });
    await toLogin(page);
    await pinField(page).fill('123456');
    await expect(submit(page)).toBeDisabled();
    const confirm = page.getByRole('checkbox', { name: /The next wrong PIN locks the card/ });
    await confirm.focus();
    await page.keyboard.press('Space');
    await expect(confirm).toBeChecked();
    await expect(submit(page)).toBeEnabled();
    await saveScreenshot(page, 'login-final-try');
    await submit(page).click();
    await expect(page.getByRole('alert').filter({ hasText: 'PIN_INCORRECT' })).toBeVisible();
    expect(calls).toEqual([{ slot: '0x0', pin: '123456', certificateId: undefined, confirmFinalTry: true }]);
    // The confirmation holds for one attempt only.
    await expect(confirm).not.toBeChecked();
  });

  test('locked card: no PIN field, the issuing office must unblock it', async ({ openConsole }) => {
    const { page } = await openConsole({ operator: null, cardBackend: fakeCardBackend([card('locked')]) });
    await toLogin(page);
    await expect(page.getByRole('alert').filter({ hasText: 'The card is locked' })).toContainText(
      'unblocked by the issuing office',
    );
    await expect(pinField(page)).toHaveCount(0);
    await expect(submit(page)).toBeDisabled();
    await saveScreenshot(page, 'login-locked');
  });

  test('PIN pad reader: no PIN field, pin null is sent', async ({ openConsole }) => {
    const calls: FakeLoginCall[] = [];
    const { page } = await openConsole({
      operator: null,
      cardBackend: fakeCardBackend([card('ok', { pinPad: true })], [], calls),
    });
    await toLogin(page);
    await expect(page.getByText('Enter the PIN on the reader')).toBeVisible();
    await expect(pinField(page)).toHaveCount(0);
    await submit(page).click();
    await expect(page.getByRole('alert').filter({ hasText: 'PIN_INCORRECT' })).toBeVisible();
    expect(calls).toEqual([{ slot: '0x0', pin: null, certificateId: undefined, confirmFinalTry: false }]);
  });

  test('several login certificates: a picker, and the chosen one is sent', async ({ openConsole }) => {
    const calls: FakeLoginCall[] = [];
    const { page } = await openConsole({
      operator: null,
      cardBackend: fakeCardBackend([card('ok')], [{}, { role: 'cac-id', keyReference: null }], calls),
    });
    await toLogin(page);
    const picker = page.getByRole('combobox', { name: 'Login certificate' });
    await expect(picker).toBeVisible();
    await pinField(page).fill('123456');
    await expect(submit(page)).toBeDisabled();
    await picker.click();
    await page.getByRole('option', { name: /Certificate 2/ }).click();
    await expect(submit(page)).toBeEnabled();
    await submit(page).click();
    await expect(page.getByRole('alert').filter({ hasText: 'PIN_INCORRECT' })).toBeVisible();
    expect(calls.map((c) => c.certificateId)).toEqual(['02']);
  });

  test('the login screen has no serious WCAG 2.1 AA violations', async ({ openConsole }) => {
    const { page } = await openConsole({ operator: null, cardBackend: fakeCardBackend([card('warning')]) });
    await toLogin(page);
    await expect(pinField(page)).toBeVisible();
    const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    const serious = result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    expect(serious).toEqual([]);
    await saveScreenshot(page, 'login-warning');
  });
});

test.describe('logged in and locked (stub operator session)', () => {
  test('the header shows the operator and roles; Lock covers the console; Log out returns to login', async ({
    openConsole,
  }) => {
    const { page, services } = await openConsole({ cardBackend: fakeCardBackend([card('ok')]) });
    await consentButton(page).click();
    await expect(sectionsNav(page)).toBeVisible();
    const operator = page.getByRole('group', { name: 'Operator' });
    await expect(operator).toContainText('TEST OPERATOR (EDIPI 1234567890) · alpha-command: isso, policy-author');

    await operator.getByRole('button', { name: 'Lock' }).click();
    await expect(page.getByRole('heading', { name: 'Console locked (by you)' })).toBeVisible();
    await expect(sectionsNav(page)).toHaveCount(0);
    await expect(page.locator('#main-content')).not.toContainText('Policies');
    await expect(page.getByText(/UNCLASSIFIED|SECRET|CUI/).first()).toBeVisible();
    await saveScreenshot(page, 'login-lock-screen');

    // Main announces a lock for card removal: the screen says so.
    services.hub.publish('session.changed', { ...STUB_OPERATOR, locked: true, lockReason: 'card-removed' });
    await expect(page.getByRole('heading', { name: 'Console locked (card removed)' })).toBeVisible();

    await pinField(page).fill('123456');
    await page.getByRole('button', { name: 'Unlock' }).click();
    await expect(sectionsNav(page)).toBeVisible();
    await expect(pinField(page)).toHaveCount(0);

    await operator.getByRole('button', { name: 'Log out' }).click();
    await expect(page.getByRole('heading', { name: 'Operator login' })).toBeVisible();
    await expect(sectionsNav(page)).toHaveCount(0);
  });

  test('an idle lock pushed by main hides the sections', async ({ openConsole }) => {
    const { page, services } = await openConsole();
    await consentButton(page).click();
    await expect(sectionsNav(page)).toBeVisible();
    services.hub.publish('session.changed', { ...STUB_OPERATOR, locked: true, lockReason: 'idle' });
    await expect(page.getByRole('heading', { name: 'Console locked (idle)' })).toBeVisible();
    await expect(page.getByRole('navigation')).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Log out' })).toBeVisible();
  });
});

test.describe('the operator session cannot be read', () => {
  test('a failing card.session is reported as such (not as app.info), and Try again asks again', async ({
    openConsole,
  }) => {
    let calls = 0;
    const { page } = await openConsole({
      operator: null,
      cardBackend: fakeCardBackend([card('ok')]),
      // The first card.session fails the way an unreachable card worker makes it fail.
      wrapServices: (s) => ({
        ...s,
        registry: {
          invoke: (async (name: string, req: unknown, ctx: Parameters<typeof s.registry.invoke>[2]) => {
            if (name === 'card.session' && calls++ === 0)
              return { ok: false, error: { code: 'CARD_WORKER_FAILED', message: 'The card worker stopped.' } };
            return s.registry.invoke(name, req, ctx);
          }) as typeof s.registry.invoke,
        },
      }),
    });
    await consentButton(page).click();
    await expect(page.getByRole('heading', { name: 'The operator session could not be read' })).toBeVisible();
    const alert = page.getByRole('alert');
    await expect(alert).toContainText('card.session');
    await expect(alert).toContainText('CARD_WORKER_FAILED');
    await expect(page.locator('body')).not.toContainText('app.info');
    await expect(sectionsNav(page)).toHaveCount(0);
    await saveScreenshot(page, 'login-session-problem');
    await page.getByRole('button', { name: 'Try again' }).click();
    await expect(page.getByRole('heading', { name: 'Operator login' })).toBeVisible();
  });
});
