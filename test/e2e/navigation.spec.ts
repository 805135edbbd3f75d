import type { Locator, Page } from '@playwright/test';
import { acknowledgeConsent, expect, sectionsNav, test } from './support/console-fixture';

const SECTIONS = [
  { label: 'Home', hash: '#/home' },
  { label: 'Policies', hash: '#/policies' },
  { label: 'Audit', hash: '#/audit' },
  { label: 'Certificates', hash: '#/certificates' },
  { label: 'Bundles', hash: '#/bundles' },
  { label: 'Settings', hash: '#/settings' },
];

const isFocused = (l: Locator) => l.evaluate((el) => el === document.activeElement);

/** Presses Tab until `target` has focus, as a keyboard user would; fails if it never gets there. */
async function tabTo(page: Page, target: Locator, maxPresses = 40): Promise<void> {
  for (let i = 0; i < maxPresses; i++) {
    if (await isFocused(target)) return;
    await page.keyboard.press('Tab');
  }
  expect(await isFocused(target), `Tab never reached ${String(target)}`).toBe(true);
}

test.describe('navigation', () => {
  test('reaches every section with the mouse', async ({ openConsole }) => {
    const { page } = await openConsole();
    await acknowledgeConsent(page);
    const nav = sectionsNav(page);
    for (const s of SECTIONS) {
      const link = nav.getByRole('link', { name: s.label, exact: true });
      await link.click();
      await expect(page.getByRole('heading', { level: 1, name: s.label, exact: true })).toBeVisible();
      await expect(link).toHaveAttribute('aria-current', 'page');
      await expect(nav.locator('[aria-current="page"]')).toHaveCount(1);
      expect(new URL(page.url()).hash).toBe(s.hash);
      await expect(page).toHaveTitle(`${s.label} — ARX Console`);
    }
    // Back goes to the previous section.
    await page.goBack();
    await expect(page.getByRole('heading', { level: 1, name: 'Bundles' })).toBeVisible();
  });

  test('reaches every section with the keyboard alone', async ({ openConsole }) => {
    const { page } = await openConsole();

    // The notice: Tab reaches the button, Enter acknowledges.
    await tabTo(page, page.getByRole('button', { name: 'I acknowledge' }));
    await page.keyboard.press('Enter');
    await expect(sectionsNav(page)).toBeVisible();

    // The first Tab stop is the skip link, visible while focused; it moves focus to the main content.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: 'Skip to main content' });
    await expect(skip).toBeFocused();
    await expect(skip).toBeInViewport();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('main')).toBeFocused();

    const nav = sectionsNav(page);
    for (const s of SECTIONS) {
      const link = nav.getByRole('link', { name: s.label, exact: true });
      await tabTo(page, link);
      // The focus ring is visible on the focused link.
      const outline = await link.evaluate((el) => getComputedStyle(el).outlineStyle);
      expect(outline).not.toBe('none');
      await page.keyboard.press('Enter');
      const heading = page.getByRole('heading', { level: 1, name: s.label, exact: true });
      await expect(heading).toBeVisible();
      // Focus moves to the new section's heading, so the next Tab continues in its content.
      await expect(heading).toBeFocused();
      await expect(link).toHaveAttribute('aria-current', 'page');
    }
  });

  test('settings shows the configuration in force, read-only', async ({ openConsole }) => {
    const { page, services } = await openConsole();
    await acknowledgeConsent(page);
    await sectionsNav(page).getByRole('link', { name: 'Settings' }).click();
    const table = page.getByRole('table', { name: 'Configuration in force' });
    await expect(table.getByRole('row', { name: /Data directory/ })).toContainText(services.config.dataDir);
    await expect(table.getByRole('row', { name: /Control plane/ })).toContainText('none (no control plane)');
    await expect(table.getByRole('row', { name: /Database/ })).toContainText('none');
    await expect(table.getByRole('row', { name: /Idle lock/ })).toContainText('15 minutes');
    await expect(table.getByRole('textbox')).toHaveCount(0);
    await expect(page.getByRole('radiogroup', { name: 'Colour scheme' })).toBeVisible();
    await expect(page.getByRole('radio', { name: 'Dark' })).toBeAttached();
  });
});
