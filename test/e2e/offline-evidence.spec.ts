import type { Page } from '@playwright/test';
import { expect, saveScreenshot, sectionsNav, test } from './support/console-fixture';
import { stopDatabase } from './support/database';

/**
 * Cached evidence offline, read side, with the demo control plane and the real
 * demo card: what the officer browsed online (an explorer page, an event, the certificate list)
 * is sealed in the encrypted local cache; with the database stopped the status bar says offline
 * and the same views show the same evidence under an "Offline — … cached at …" banner, an
 * uncached filter says plainly that it was not cached here, and the database comes back.
 */

const grid = (page: Page) => page.getByRole('grid', { name: 'Audit events' });
const bodyRows = (page: Page) => grid(page).locator('[data-row]');
const firstCells = async (page: Page, n = 8) => {
  const rows = bodyRows(page);
  const out: string[] = [];
  const count = Math.min(n, await rows.count());
  for (let i = 0; i < count; i++)
    out.push(((await rows.nth(i).getByRole('gridcell').nth(0).textContent()) ?? '').trim());
  return out;
};
const select = (page: Page, label: string) => page.getByLabel(label, { exact: true }).and(page.locator('input'));
async function openExplorer(page: Page) {
  await sectionsNav(page).getByRole('link', { name: 'Audit', exact: true }).click();
  await page.getByRole('tab', { name: 'Explorer' }).click();
}
async function openVerifyChain(page: Page) {
  await sectionsNav(page).getByRole('link', { name: 'Audit', exact: true }).click();
  await page.getByRole('tab', { name: 'Verify chain' }).click();
  await expect(page.getByRole('button', { name: 'Verify chain' })).toBeEnabled();
}
async function openCertificates(page: Page) {
  await sectionsNav(page).getByRole('link', { name: 'Certificates', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Certificates' })).toBeVisible();
}
const BANNER =
  /^Offline — showing (events|this event|certificates) cached at \d\d:\d\d on this workstation \(read-only\)\.$/;

test.describe('cached evidence offline (demo control plane, real card)', () => {
  test('browse online; offline the same explorer page, event, certificate list and chain verification show from the cache; an uncached filter says so', async ({
    openConsole,
  }) => {
    test.setTimeout(240_000);
    const { page, services, dataDir } = await openConsole({ controlPlane: 'demo', login: 'adams' });
    // The cache opens with the card at login (in the background): evidence is sealed from then on.
    await expect
      .poll(async () =>
        page.evaluate(async () => {
          const r = await (
            window as unknown as {
              arx: { cache: { status(r: object): Promise<{ ok: boolean; value?: { state: string } }> } };
            }
          ).arx.cache.status({});
          return r.ok ? r.value!.state : 'error';
        }),
      )
      .toBe('unlocked');

    // Online: an explorer page, one event, the certificate list.
    await openExplorer(page);
    await expect(bodyRows(page).first()).toBeVisible();
    await expect(page.getByRole('status').filter({ hasText: 'first page in' })).toBeVisible();
    await expect(page.getByTestId('offline-banner')).toHaveCount(0);
    const onlineSeqs = await firstCells(page);
    const seq = onlineSeqs[2]!;
    await bodyRows(page).nth(2).click();
    let drawer = page.getByRole('dialog', { name: `Event ${seq}` });
    await expect(drawer.getByRole('table', { name: 'Checks of this event' })).toContainText(
      'Digest (BLAKE3 of the stored bytes): verified',
    );
    const onlineBytes = await drawer.getByTestId('event-bytes').textContent();
    await page.keyboard.press('Escape');
    await expect(drawer).toBeHidden();
    await openCertificates(page);
    const stored = page.getByRole('heading', { name: 'Stored certificates' }).locator('..');
    await expect(
      stored.getByText(/No fidelity certificates in this tenant yet|Fidelity certificates/).first(),
    ).toBeVisible();
    await expect(page.getByTestId('offline-banner')).toHaveCount(0);

    // A chain verification of the whole chain.
    await openVerifyChain(page);
    await page.getByRole('button', { name: 'Verify chain' }).click();
    await expect(page.locator('[data-verdict="intact"]')).toBeVisible({ timeout: 30_000 });
    const summary = await page.getByRole('table', { name: 'Verification summary' }).textContent();
    await expect(page.getByTestId('offline-banner')).toHaveCount(0);

    // The database goes away: the status bar says so.
    const restart = await stopDatabase(services, dataDir);
    const cp = page.getByRole('status', { name: 'Connection status' }).getByRole('group', { name: 'Control plane' });
    await expect(cp).toContainText('Control plane: Unreachable (offline)', { timeout: 20_000 });

    // The same explorer page, from the cache, under the banner.
    await openExplorer(page);
    const banner = page.getByRole('status', { name: 'Offline — cached evidence' });
    await expect(banner).toBeVisible();
    await expect(banner).toHaveText(BANNER);
    await expect(banner).toContainText('showing events cached at');
    await expect(bodyRows(page).first()).toBeVisible();
    expect(await firstCells(page)).toEqual(onlineSeqs);
    await expect(page.getByRole('status').filter({ hasText: 'from the local cache' })).toBeVisible();
    await saveScreenshot(page, 'offline-evidence-explorer');

    // The same event: the same bytes, checked again in the renderer, under the banner.
    await bodyRows(page).nth(2).click();
    drawer = page.getByRole('dialog', { name: `Event ${seq}` });
    await expect(drawer.getByRole('status', { name: 'Offline — cached evidence' })).toContainText(
      'showing this event cached at',
    );
    const checks = drawer.getByRole('table', { name: 'Checks of this event' });
    await expect(checks).toContainText('Digest (BLAKE3 of the stored bytes): verified');
    await expect(checks).toContainText('Chain link (from the previous event): verified');
    await expect(drawer.getByTestId('event-bytes')).toHaveText(onlineBytes!);
    await saveScreenshot(page, 'offline-evidence-event');
    await page.keyboard.press('Escape');
    await expect(drawer).toBeHidden();

    // A filter never fetched online: not cached here, said plainly.
    await select(page, 'Decision').click();
    await page.getByRole('option', { name: 'deny', exact: true }).click();
    const notice = page.locator('[data-error-code="OFFLINE_NOT_CACHED"]');
    await expect(notice).toBeVisible();
    await expect(notice).toContainText('Not available offline');
    await expect(notice).toContainText(
      'The control plane is unreachable and this explorer page (this tenant, filter and sort) was not cached on this workstation.',
    );
    // No "no events match": the grid is not shown for a page that could not be read.
    await expect(grid(page)).toHaveCount(0);
    await saveScreenshot(page, 'offline-evidence-not-cached');

    // The certificate list, from the cache.
    await openCertificates(page);
    await expect(page.getByRole('status', { name: 'Offline — cached evidence' })).toContainText(
      'showing certificates cached at',
    );
    await expect(
      stored.getByText(/No fidelity certificates in this tenant yet|Fidelity certificates/).first(),
    ).toBeVisible();
    await saveScreenshot(page, 'offline-evidence-certificates');

    // The same range verified again: the cached result, under the banner.
    await openVerifyChain(page);
    await page.getByRole('button', { name: 'Verify chain' }).click();
    await expect(page.locator('[data-verdict="intact"]')).toBeVisible({ timeout: 20_000 });
    await expect(page.getByRole('status', { name: 'Offline — cached evidence' })).toContainText(
      'showing the verification of this range cached at',
    );
    await expect(page.getByRole('table', { name: 'Verification summary' })).toHaveText(summary!);
    await saveScreenshot(page, 'offline-evidence-verify');

    // The database comes back: live answers again, no banner.
    restart();
    await expect(cp).toContainText('Control plane: Connected', { timeout: 30_000 });
    await openExplorer(page);
    await expect(page.getByRole('status').filter({ hasText: 'first page in' })).toBeVisible({ timeout: 20_000 });
    await expect(page.getByTestId('offline-banner')).toHaveCount(0);
  });
});
