import { expect, saveScreenshot, sectionsNav, test } from './support/console-fixture';

/**
 * Mantine's Modal and Drawer lock the page's scrolling with a <style> element that
 * react-remove-scroll writes (through react-style-singleton and get-nonce). The renderer's CSP
 * admits <style> only with the response's nonce, so renderer/src/main.tsx hands that nonce to
 * get-nonce. Here a dialog is opened and the lock must really apply: the <style> carries the
 * nonce and the body stops scrolling. Had the style been blocked, the body would still scroll and
 * the fixture would fail the test on the CSP violation Chromium reports.
 */
test('an open dialog locks scrolling with a nonced style, under the CSP, and releases it when closed', async ({
  openConsole,
}) => {
  test.setTimeout(240_000);
  const { page } = await openConsole({ controlPlane: 'demo', login: 'adams' });
  await sectionsNav(page).getByRole('link', { name: 'Policies' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Policies' })).toBeVisible();
  const bodyOverflow = () => page.evaluate(() => getComputedStyle(document.body).overflow);
  const before = await bodyOverflow();
  expect(before).not.toBe('hidden');

  await page.getByRole('button', { name: 'Add test' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add a policy test' });
  await expect(dialog).toBeVisible();
  await expect(page.locator('body')).toHaveAttribute('data-scroll-locked', /\d+/);
  await expect.poll(bodyOverflow).toBe('hidden');
  // The lock's style element is in the document with a nonce (Chromium hides the nonce's value
  // from the attribute, the `nonce` property keeps it).
  const lockStyles = await page.evaluate(() =>
    [...document.querySelectorAll('style')]
      .filter((s) => s.textContent?.includes('data-scroll-locked'))
      .map((s) => s.nonce.length),
  );
  expect(lockStyles.length).toBeGreaterThan(0);
  for (const n of lockStyles) expect(n).toBeGreaterThan(0);
  await saveScreenshot(page, 'dialog-scroll-lock-open');

  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(page.locator('body')).not.toHaveAttribute('data-scroll-locked', /.*/);
  await expect.poll(bodyOverflow).toBe(before);
});
