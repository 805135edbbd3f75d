import { acknowledgeConsent, consentButton, expect, sectionsNav, test } from './support/console-fixture';

/** Calls window.arx from the page, as the renderer would. */
const callFromPage = (page: import('@playwright/test').Page, group: string, method: string, request: unknown) =>
  page.evaluate(
    ([g, m, r]) =>
      (window as unknown as { arx: Record<string, Record<string, (r: unknown) => Promise<unknown>>> }).arx[g]![m]!(r),
    [group, method, request] as const,
  );

test.describe('notice and consent', () => {
  test('blocks the console until it is acknowledged', async ({ openConsole }) => {
    const { page, bridge } = await openConsole();

    await expect(
      page.getByRole('heading', { level: 1, name: 'U.S. Government Information System — Notice and Consent' }),
    ).toBeVisible();
    await expect(page.getByText('You are accessing a U.S. Government (USG) Information System (IS)')).toBeVisible();
    await expect(page.getByText('See User Agreement for details.')).toBeVisible();

    // Nothing of the console is on the page: no navigation, no section, no status.
    await expect(sectionsNav(page)).toHaveCount(0);
    await expect(page.getByRole('link', { name: 'Policies' })).toHaveCount(0);
    await expect(page.getByRole('status', { name: 'Connection status' })).toHaveCount(0);

    // Main refuses the console's commands until then; the screen is the way through, not the guard.
    expect(await callFromPage(page, 'status', 'get', {})).toMatchObject({
      ok: false,
      error: { code: 'CONSENT_REQUIRED' },
    });
    expect(await callFromPage(page, 'settings', 'get', {})).toMatchObject({
      ok: false,
      error: { code: 'CONSENT_REQUIRED' },
    });

    // A deep link does not get past it either.
    await page.goto(`${bridge.url}#/settings`);
    await expect(consentButton(page)).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Settings' })).toHaveCount(0);

    await acknowledgeConsent(page);
    await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
    await expect(consentButton(page)).toHaveCount(0);
    expect(await callFromPage(page, 'status', 'get', {})).toMatchObject({ ok: true });
    expect(bridge.session.consentAcknowledged).toBe(true);
  });

  test('a reload keeps the console only because main says it was acknowledged', async ({ openConsole }) => {
    const { page, bridge } = await openConsole();
    await acknowledgeConsent(page);

    // Nothing kept in the page's own storage decides it.
    await page.evaluate(() => {
      localStorage.clear();
      sessionStorage.clear();
    });
    await page.reload();
    await expect(sectionsNav(page)).toBeVisible();
    await expect(consentButton(page)).toHaveCount(0);

    // Main forgets the acknowledgement (a new session): the notice is back.
    bridge.session.consentAcknowledgedAt = null;
    await page.reload();
    await expect(consentButton(page)).toBeVisible();
    await expect(sectionsNav(page)).toHaveCount(0);
  });

  test('shows a configured notice instead of the default one', async ({ openConsole }) => {
    const { page, services } = await openConsole();
    services.config.consentTitle = 'Acme Health — Authorized Use Only';
    services.config.consentText = 'This system processes PHI.\n\n- Access is logged.\n- Misuse is reported.';
    await page.reload();
    await expect(page.getByRole('heading', { level: 1, name: 'Acme Health — Authorized Use Only' })).toBeVisible();
    await expect(page.getByRole('listitem')).toHaveText(['Access is logged.', 'Misuse is reported.']);
    await expect(page.getByText('You are accessing a U.S. Government')).toHaveCount(0);
  });
});
