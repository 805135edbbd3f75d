import type { Page } from '@playwright/test';
import { expect } from './console-fixture';

/** Sizes every marking check runs at: the two the design targets and a small laptop window. */
export const WINDOW_SIZES = [
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
  { width: 1024, height: 640 },
] as const;

/**
 * Both classification banners are what a person sees at their place: at the left edge, the middle
 * and the right edge of each, `document.elementFromPoint` finds the banner (or its text), not an
 * overlay, and the banners sit flush with the top and bottom of the window.
 */
export async function expectMarkingsUncovered(page: Page, what: string): Promise<void> {
  const hits = await page.evaluate(() => {
    const out: { position: string; x: number; y: number; hit: string }[] = [];
    const w = document.documentElement.clientWidth;
    const h = window.innerHeight;
    for (const banner of document.querySelectorAll<HTMLElement>('[role="note"][data-position]')) {
      const box = banner.getBoundingClientRect();
      const y = box.top + box.height / 2;
      for (const x of [2, w / 2, w - 3]) {
        const el = document.elementFromPoint(x, y);
        const ok = !!el && banner.contains(el);
        out.push({ position: banner.dataset.position ?? '?', x, y, hit: ok ? 'banner' : describe(el) });
      }
      const flush = banner.dataset.position === 'top' ? box.top === 0 : Math.round(box.bottom) === h;
      if (!flush) out.push({ position: banner.dataset.position ?? '?', x: 0, y: box.top, hit: 'not at the edge' });
    }
    return out;
    function describe(el: Element | null): string {
      if (!el) return 'nothing';
      const role = el.closest('[role]')?.getAttribute('role');
      return `${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).split(' ')[0]}` : ''}${role ? ` in [role=${role}]` : ''}`;
    }
  });
  expect(new Set(hits.map((h) => h.position)), `${what}: both banners present`).toEqual(new Set(['top', 'bottom']));
  expect(
    hits.filter((h) => h.hit !== 'banner'),
    `${what}: banners covered`,
  ).toEqual([]);
}
