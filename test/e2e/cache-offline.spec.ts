import { expect, saveScreenshot, sectionsNav, test } from './support/console-fixture';
import { DEMO_OPERATORS, removeDemoCard } from './support/demo-console';
import { stopDatabase } from './support/database';

/**
 * The encrypted local cache with the real demo card and the real embedded PostgreSQL: the cache
 * opens on login (its key wrapped to the card's 9D key), the console says "offline" when the
 * database goes away and the cache stays open and shows what it holds, the database comes back, and pulling the card out
 * locks the cache (the data key is wiped).
 */

test.describe('encrypted local cache (real card, embedded PostgreSQL)', () => {
  test('opens with the card on login, stays open offline, locks when the card is pulled', async ({ openConsole }) => {
    test.setTimeout(180_000);
    const { page, dataDir, services } = await openConsole({ controlPlane: 'demo', login: 'adams' });
    await sectionsNav(page).getByRole('link', { name: 'Settings' }).click();
    const panel = page.getByRole('region', { name: 'Local evidence cache' });
    await expect(panel.getByTestId('cache-state')).toHaveText('Open', { timeout: 20_000 });
    const details = panel.getByRole('table', { name: 'Cache details' });
    await expect(details).toContainText(`card EC — ${DEMO_OPERATORS.adams.displayName.split(' ')[0]}`);
    await expect(panel).toContainText(`opened with the card`);
    await expect(panel).toContainText('Nothing is waiting');
    await saveScreenshot(page, 'cache-open');

    const restart = await stopDatabase(services, dataDir);
    const cp = page.getByRole('status', { name: 'Connection status' }).getByRole('group', { name: 'Control plane' });
    await expect(cp).toContainText('Control plane: Unreachable (offline)', { timeout: 20_000 });
    // Offline: the cache is still open and answers.
    await page.getByRole('button', { name: 'Deliver the outbox now' }).click();
    await expect(panel.getByRole('status')).toContainText('Delivered 0, rejected 0, still pending 0.');
    await expect(panel.getByTestId('cache-state')).toHaveText('Open');
    // ...and still shows what it holds: the trust anchors and CRLs in use, kept at unlock.
    const evidence = panel.getByRole('table', { name: 'Cached evidence' });
    await expect(evidence.getByRole('row', { name: /^trust-anchor 2 / })).toBeVisible();
    await expect(evidence.getByRole('row', { name: /^crl 2 / })).toBeVisible();
    await expect(evidence).toContainText('arx-test-root-ca-1.pem');
    await saveScreenshot(page, 'cache-offline');

    restart();
    await expect(cp).toContainText('Control plane: Connected', { timeout: 30_000 });

    removeDemoCard(dataDir, 'adams');
    await expect(page.getByRole('heading', { name: /locked/i }).first()).toBeVisible({ timeout: 20_000 });
    // The lock screen replaces the console; the cache's key went with the card session.
    const status = await page.evaluate(async () => (window as unknown as { arx: { cache: { status(r: object): Promise<{ ok: boolean; value: { state: string } }> } } }).arx.cache.status({}));
    expect(status.ok && status.value.state).toBe('locked');
  });
});
