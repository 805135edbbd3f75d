import type { Locator, Page } from '@playwright/test';
import { expect, sectionsNav, test } from './support/console-fixture';

/**
 * Visual comparison of the main screens (toHaveScreenshot), both themes, two window sizes, so a
 * layout regression fails. Baselines live next to this file; regenerate them deliberately with
 * `--update-snapshots` after a change of layout. What changes from run to run (times, ids,
 * counts, durations, the connection detail) is masked; animations and the caret are off.
 */
const SIZES = [
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
];

/** Regions whose content differs between runs of the same build. */
function dynamic(page: Page): Locator[] {
  return [
    page.locator('time'),
    page.locator('[title$=" UTC"]'),
    page.locator('[data-full]'),
    page.getByRole('status'),
    // The status bar's details, not the bottom classification banner beside it (a note).
    page.getByRole('contentinfo').locator(':scope > *:not([role="note"])'),
    page.getByText(/127\.0\.0\.1:\d+/),
    page.locator('nav[aria-label="Sections"] + *, [class*="navFooter"]'),
    page.locator('.recharts-wrapper'),
  ];
}

async function shot(page: Page, name: string) {
  await page.mouse.move(0, 0);
  await expect(page).toHaveScreenshot(`${name}.png`, {
    mask: dynamic(page),
    animations: 'disabled',
    caret: 'hide',
    // Masks follow their text's width (a relative time grows from "4 seconds" to "45 seconds"), which
    // moves up to about 1% of the pixels between runs; a moved or resized block changes far more.
    maxDiffPixelRatio: 0.02,
    timeout: 20_000,
  });
}

for (const scheme of ['light', 'dark'] as const) {
  for (const size of SIZES) {
    test(`screens look as they did (${scheme}, ${size.width}×${size.height})`, async ({ openConsole }) => {
      test.setTimeout(400_000);
      const { page } = await openConsole({
        controlPlane: 'demo',
        login: 'adams',
        demoEvents: 300,
        colorScheme: scheme,
      });
      await page.setViewportSize(size);
      if ((await page.locator('html').getAttribute('data-mantine-color-scheme')) !== scheme)
        await page.getByRole('button', { name: `Switch to ${scheme} theme` }).click();
      await expect(page.locator('html')).toHaveAttribute('data-mantine-color-scheme', scheme);
      const tag = `${scheme}-${size.width}`;
      const nav = (name: string) => sectionsNav(page).getByRole('link', { name }).click();

      await nav('Home');
      await expect(page.getByRole('table', { name: 'Chain health' })).toBeVisible();
      await shot(page, `home-${tag}`);

      await nav('Audit');
      await page.getByRole('tab', { name: 'Verify chain' }).click();
      await expect(page.getByTestId('verify-tenant')).toBeVisible();
      await shot(page, `audit-verify-${tag}`);

      await page.getByRole('tab', { name: 'Explorer' }).click();
      await expect(page.getByRole('grid', { name: 'Audit events' }).locator('[data-row]').first()).toBeVisible();
      await shot(page, `explorer-${tag}`);

      await nav('Policies');
      await expect(page.getByRole('tab', { name: 'My draft' })).toBeVisible();
      await expect(page.locator('.cm-content').first()).toBeVisible();
      await shot(page, `policy-${tag}`);

      await nav('Bundles');
      await expect(page.getByRole('heading', { name: 'Open bundle' })).toBeVisible();
      await shot(page, `bundles-${tag}`);
    });
  }
}
