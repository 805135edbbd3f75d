import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { acknowledgeConsent, expect, saveScreenshot, sectionsNav, test } from './support/console-fixture';

const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** axe-core with the WCAG 2.1 A and AA rules; serious and critical findings fail the test. */
async function expectNoSeriousViolations(page: Page, what: string): Promise<void> {
  const result = await new AxeBuilder({ page }).withTags(WCAG_21_AA).analyze();
  const serious = result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(serious, `axe on ${what}`).toEqual([]);
}

for (const scheme of ['light', 'dark'] as const) {
  test.describe(`accessibility, ${scheme} theme`, () => {
    test(`the notice and consent screen has no serious WCAG 2.1 AA violations (${scheme})`, async ({ openConsole }) => {
      // The notice follows the system preference until the user picks a theme.
      const { page } = await openConsole({ colorScheme: scheme });
      await expect(page.getByRole('button', { name: 'I acknowledge' })).toBeVisible();
      await expect(page.locator('html')).toHaveAttribute('data-mantine-color-scheme', scheme);
      await expect(page.getByRole('main')).toBeVisible();
      await expect(page.getByRole('banner')).toBeVisible();
      await expect(page.getByRole('contentinfo')).toBeVisible();
      await expectNoSeriousViolations(page, `consent screen (${scheme})`);
      await saveScreenshot(page, `consent-${scheme}`);
    });

    test(`the console shell has no serious WCAG 2.1 AA violations (${scheme})`, async ({ openConsole }) => {
      const { page } = await openConsole({ colorScheme: 'light' });
      await acknowledgeConsent(page);
      if (scheme === 'dark') {
        await page.getByRole('button', { name: 'Switch to dark theme' }).click();
      }
      await expect(page.locator('html')).toHaveAttribute('data-mantine-color-scheme', scheme);
      // Landmarks and headings a screen reader user navigates by.
      await expect(page.getByRole('banner')).toBeVisible();
      await expect(page.getByRole('navigation', { name: 'Sections' })).toBeVisible();
      await expect(page.getByRole('main')).toBeVisible();
      await expect(page.getByRole('contentinfo')).toBeVisible();
      await expect(page.getByRole('heading', { level: 1 })).toHaveCount(1);

      await expectNoSeriousViolations(page, `shell, Home (${scheme})`);
      await saveScreenshot(page, `shell-${scheme}`);

      await sectionsNav(page).getByRole('link', { name: 'Settings' }).click();
      await expect(page.getByRole('table', { name: 'Configuration in force' })).toBeVisible();
      await expectNoSeriousViolations(page, `shell, Settings (${scheme})`);
      await saveScreenshot(page, `settings-${scheme}`);

      await sectionsNav(page).getByRole('link', { name: 'Audit' }).click();
      await expect(page.getByRole('heading', { level: 1, name: 'Audit' })).toBeVisible();
      await expectNoSeriousViolations(page, `shell, Audit (${scheme})`);
    });
  });
}

test('the theme choice is kept across a reload, and Settings switches it too', async ({ openConsole }) => {
  const { page } = await openConsole({ colorScheme: 'light' });
  await acknowledgeConsent(page);
  await page.getByRole('button', { name: 'Switch to dark theme' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-mantine-color-scheme', 'dark');
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-mantine-color-scheme', 'dark');

  await sectionsNav(page).getByRole('link', { name: 'Settings' }).click();
  // The colour scheme switch is a radio group: operable with the arrow keys alone.
  await page.getByRole('radio', { name: 'Dark' }).focus();
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByRole('radio', { name: 'Light' })).toBeChecked();
  await expect(page.locator('html')).toHaveAttribute('data-mantine-color-scheme', 'light');
});
