import { expect, saveScreenshot, sectionsNav, test } from './support/console-fixture';
import { stopDatabase } from './support/database';

/**
 * No dead end when the control plane goes away (demo control plane, real card): a banner says so
 * with "Retry now", the changes that need the control plane are disabled with the reason (submit,
 * publish, bundle export), and once the database is back the console reconnects and enables them.
 */
test('control plane unreachable: banner with Retry now, actions disabled with the reason, reconnects', async ({
  openConsole,
}) => {
  test.setTimeout(240_000);
  const { page, services, dataDir } = await openConsole({ controlPlane: 'demo', login: 'adams' });
  const banner = page.getByRole('status', { name: 'Control plane unreachable' });
  const cp = page.getByRole('status', { name: 'Connection status' }).getByRole('group', { name: 'Control plane' });
  await expect(cp).toContainText('Control plane: Connected', { timeout: 30_000 });
  await expect(banner).toHaveCount(0);
  // Online first, with the cache open: the Bundles screen's tenant list is then cached for offline.
  await expect
    .poll(async () =>
      page.evaluate(async () => {
        const arx = (
          window as unknown as {
            arx: { cache: { status(r: object): Promise<{ ok: boolean; value?: { state: string } }> } };
          }
        ).arx;
        const r = await arx.cache.status({});
        return r.ok ? r.value!.state : 'error';
      }),
    )
    .toBe('unlocked');
  await sectionsNav(page).getByRole('link', { name: 'Bundles' }).click();
  await expect(page.getByRole('button', { name: 'Export and sign…' })).toBeEnabled({ timeout: 30_000 });
  await sectionsNav(page).getByRole('link', { name: 'Home' }).click();

  const restart = await stopDatabase(services, dataDir);
  await expect(cp).toContainText('Control plane: Unreachable', { timeout: 20_000 });
  await expect(banner).toBeVisible();
  await expect(banner).toContainText('reconnects by itself');

  // Retry now checks at once, and says when it was still unreachable.
  await banner.getByRole('button', { name: 'Retry now' }).click();
  await expect(banner).toContainText(/Still unreachable at \d\d:\d\d:\d\d/, { timeout: 20_000 });

  // Submit: disabled, and the reason is listed with the others.
  await sectionsNav(page).getByRole('link', { name: 'Policies' }).click();
  await expect(page.getByTestId('submit-blockers')).toContainText('the control plane is unreachable', {
    timeout: 30_000,
  });
  await expect(page.getByRole('button', { name: 'Submit for approval…' })).toBeDisabled();
  await saveScreenshot(page, 'control-plane-offline-policies');

  // Bundle export: disabled with the reason, before any PIN is asked.
  await sectionsNav(page).getByRole('link', { name: 'Bundles' }).click();
  await expect(page.getByRole('button', { name: 'Export and sign…' })).toBeDisabled();
  await expect(page.getByTestId('needs-control-plane').first()).toHaveText(
    'Export needs the control plane: the control plane is unreachable.',
  );
  await expect(banner).toBeVisible();
  await saveScreenshot(page, 'control-plane-offline-bundles');

  // Back: the console reconnects (the periodic check or Retry now), the banner goes, export is enabled.
  restart();
  await expect(async () => {
    if (await banner.isVisible()) await banner.getByRole('button', { name: 'Retry now' }).click();
    await expect(cp).toContainText('Control plane: Connected', { timeout: 2_000 });
  }).toPass({ timeout: 60_000 });
  await expect(banner).toHaveCount(0);
  await expect(page.getByTestId('needs-control-plane')).toHaveCount(0);
  await saveScreenshot(page, 'control-plane-reconnected');
});
