import type { Locator, Page } from '@playwright/test';
import { expect, saveScreenshot, sectionsNav, test } from './support/console-fixture';
import { expectMarkingsUncovered, WINDOW_SIZES } from './support/markings';

/**
 * Classification markings are never covered: on every screen, and with each kind of overlay open
 * (select dropdown, drawer, dialog), at three window sizes, `elementFromPoint` on both banners
 * finds the banner. Overlays render into a band between the banners (renderer/src/shell/overlay-layer.ts).
 */
const SCREENS: { section: string; tab?: string }[] = [
  { section: 'Policies' },
  { section: 'Audit', tab: 'Verify chain' },
  { section: 'Audit', tab: 'Explorer' },
  { section: 'Audit', tab: 'Re-verify decisions' },
  { section: 'Audit', tab: 'Dashboards' },
  { section: 'Certificates' },
  { section: 'Bundles' },
  { section: 'Settings' },
];

async function open(page: Page, section: string, tab?: string): Promise<void> {
  await sectionsNav(page).getByRole('link', { name: section, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: section })).toBeVisible();
  if (tab) await page.getByRole('tab', { name: tab }).click();
}

/** Checks the banners with an overlay open, keeps a picture, and closes it again with Escape. */
async function withOverlay(page: Page, overlay: Locator, name: string, size: string): Promise<void> {
  await expect(overlay).toBeVisible();
  // Let the open transition finish: the check is about where the overlay ends up.
  await page.waitForTimeout(300);
  await expectMarkingsUncovered(page, `${name} at ${size}`);
  await saveScreenshot(page, `markings-${name}-${size}`);
  await page.keyboard.press('Escape');
  await expect(overlay).toBeHidden();
}

test('both classification banners stay uncovered on every screen with every overlay, at three sizes', async ({
  openConsole,
}) => {
  test.setTimeout(300_000);
  const { page } = await openConsole({ controlPlane: 'demo', login: 'adams', classification: 'SECRET' });
  for (const viewport of WINDOW_SIZES) {
    const size = `${viewport.width}x${viewport.height}`;
    await page.setViewportSize(viewport);
    for (const s of SCREENS) {
      await open(page, s.section, s.tab);
      await expectMarkingsUncovered(page, `${s.section}${s.tab ? ` / ${s.tab}` : ''} at ${size}`);
    }

    // A dropdown (Mantine Combobox in a portal).
    await open(page, 'Audit', 'Explorer');
    const rows = page.getByRole('grid', { name: 'Audit events' }).locator('[data-row]');
    await expect(rows.first()).toBeVisible();
    await page.getByLabel('Event type', { exact: true }).and(page.locator('input')).click();
    await withOverlay(page, page.getByRole('listbox'), 'dropdown', size);

    // The event drawer: full height of the band, never over a banner.
    await rows.first().click();
    await withOverlay(page, page.getByRole('dialog', { name: /^Event \d+/ }), 'event-drawer', size);

    // A dialog (Modal) on the policy screen.
    await open(page, 'Policies');
    await page.getByRole('button', { name: 'Add test' }).click();
    await withOverlay(page, page.getByRole('dialog', { name: 'Add a policy test' }), 'dialog', size);

    // The confirmation of a wipe, on Settings.
    await open(page, 'Settings');
    await page.getByRole('button', { name: 'Wipe the cache…' }).click();
    await withOverlay(page, page.getByRole('dialog', { name: 'Wipe the local cache?' }), 'confirmation', size);
  }
});
