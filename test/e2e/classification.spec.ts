import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { BANNER_COLOURS, type ClassificationLevel } from '../../shared/config/classification';
import { acknowledgeConsent, expect, saveScreenshot, test } from './support/console-fixture';

const rgb = (hex: string) => {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
};

const banners = (page: Page) => page.getByRole('note', { name: /^Classification: / });

/** Both banners: the marking text, the customary colours, one flush with the top edge and one with the bottom. */
async function expectBanners(page: Page, level: ClassificationLevel, marking: string): Promise<void> {
  const all = banners(page);
  await expect(all).toHaveCount(2);
  await expect(all).toHaveText([marking, marking]);
  const viewport = page.viewportSize()!;
  const [top, bottom] = [all.first(), all.last()];
  await expect(top).toHaveAttribute('aria-label', `Classification: ${marking}`);
  const topBox = (await top.boundingBox())!;
  const bottomBox = (await bottom.boundingBox())!;
  expect(topBox.y).toBe(0);
  expect(topBox.width).toBe(viewport.width);
  expect(Math.round(bottomBox.y + bottomBox.height)).toBe(viewport.height);
  expect(bottomBox.width).toBe(viewport.width);
  for (const b of [top, bottom]) {
    await expect(b).toHaveCSS('background-color', rgb(BANNER_COLOURS[level].background));
    await expect(b).toHaveCSS('color', rgb(BANNER_COLOURS[level].text));
  }
  // Both banners stay where they are when the page scrolls.
  await page.mouse.move(viewport.width / 2, viewport.height / 2);
  await page.mouse.wheel(0, 2000);
  await page.waitForTimeout(100);
  expect((await top.boundingBox())!.y).toBe(0);
  const after = (await bottom.boundingBox())!;
  expect(Math.round(after.y + after.height)).toBe(viewport.height);
  await page.mouse.wheel(0, -2000);
}

const CASES: { level: ClassificationLevel; caveat?: string; marking: string; shot: string }[] = [
  { level: 'UNCLASSIFIED', marking: 'UNCLASSIFIED', shot: 'unclassified' },
  { level: 'SECRET', marking: 'SECRET', shot: 'secret' },
  { level: 'TOP SECRET//SCI', marking: 'TOP SECRET//SCI', shot: 'top-secret-sci' },
  { level: 'SECRET', caveat: 'NOFORN', marking: 'SECRET//NOFORN', shot: 'secret-noforn' },
];

test.describe('classification banner', () => {
  for (const c of CASES) {
    test(`shows ${c.marking} at the top and bottom of every screen`, async ({ openConsole }) => {
      // Short enough that the notice has to scroll.
      const { page } = await openConsole({ classification: c.level, ...(c.caveat ? { caveat: c.caveat } : {}) });
      await page.setViewportSize({ width: 1280, height: 600 });

      await expect(page.getByRole('button', { name: 'I acknowledge' })).toBeVisible();
      await expectBanners(page, c.level, c.marking);
      await saveScreenshot(page, `classification-${c.shot}-consent`);

      await acknowledgeConsent(page);
      await expectBanners(page, c.level, c.marking);
      await saveScreenshot(page, `classification-${c.shot}-shell`);

      // The banner colours pass WCAG 2.1 AA contrast.
      const axe = await new AxeBuilder({ page }).withRules(['color-contrast']).include('[role="note"]').analyze();
      expect(axe.violations).toEqual([]);
    });
  }
});
