import { basename } from 'node:path';
import type { Page } from '@playwright/test';
import type { ConsoleServices } from '../../electron/main/composition/console-services';
import { expect, saveScreenshot, sectionsNav, test } from './support/console-fixture';
import { DEMO_PIN } from './support/demo-console';

/**
 * Evidence bundles exported from where the evidence is looked at: Audit → Verify
 * (the verified range) and Certificates (the `--review` form), each through the one SignDialog on
 * the demo SoftHSM2 card, with progress and the file's path, size and SHA-256; then the file is
 * opened in the Bundles screen and verifies offline, every check ✓.
 */

/** Seq of the last event the newest signed checkpoint of alpha-command covers. */
async function lastCheckpointed(services: ConsoleServices): Promise<number> {
  const admin = services.controlPlane.requireAdminPool();
  const r = await admin.query<{ n: string }>(
    `SELECT max(c.tree_size) AS n FROM arx.checkpoints c JOIN arx.tenants t ON t.id = c.tenant_id WHERE t.slug = 'alpha-command'`,
  );
  return Number(r.rows[0]!.n) - 1;
}

/** Opens `path` in the Bundles screen and expects every check ✓. */
async function openInBundles(page: Page, path: string, shot: string) {
  await sectionsNav(page).getByRole('link', { name: 'Bundles' }).click();
  // No pin file in the demo anchors: the auditor accepts the bundle's gateway keys explicitly.
  await page.getByLabel(/Allow unpinned gateway keys/).check();
  await page.getByRole('button', { name: `Open ${basename(path)}` }).click();
  const verdict = page.getByTestId('bundle-verdict');
  await expect(verdict).toHaveAttribute('data-verdict', 'verified', { timeout: 60_000 });
  const checks = page.getByRole('table', { name: 'Checks' });
  await expect(checks.locator('[data-ok="false"]')).toHaveCount(0);
  await expect(checks.locator('[data-ok="true"]')).toHaveCount(10);
  // The console events' card signatures were checked offline, not skipped.
  await expect(checks.locator('[data-check="writers"]')).toHaveAttribute('data-ok', 'true');
  // The gateway keys are the bundle's own: said, not hidden.
  await expect(page.getByTestId('bundle-warnings')).toContainText('GATEWAY_KEYS_UNPINNED');
  await verdict.scrollIntoViewIfNeeded();
  await saveScreenshot(page, shot);
  return verdict;
}

test.describe('export evidence bundles from the Audit and Certificates screens (demo card, embedded control plane)', () => {
  test('Audit → Verify chain, then export the verified range with the keyboard: progress, path, size, digest; it opens green in Bundles', async ({
    openConsole,
  }) => {
    test.setTimeout(240_000);
    const { page, services } = await openConsole({ controlPlane: 'demo', login: 'adams' });
    const last = await lastCheckpointed(services);
    expect(last).toBeGreaterThan(0);
    await sectionsNav(page).getByRole('link', { name: 'Audit' }).click();
    await page.getByRole('tab', { name: 'Verify chain' }).click();
    await page.getByRole('button', { name: 'Verify chain' }).click();
    await expect(page.locator('[data-verdict="intact"]')).toBeVisible({ timeout: 60_000 });

    // The session's own events after the last checkpoint are not provable yet: the bundle ends before them.
    const section = page.getByRole('region', { name: 'Evidence bundle' });
    await expect(section).toContainText(`Export seq 0 … ${last.toLocaleString('en-US')} of alpha-command`);
    const button = section.getByRole('button', { name: 'Export evidence bundle…' });
    await button.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Sign the evidence bundle' });
    const shown = dialog.getByRole('table', { name: 'What is signed' });
    await expect(shown).toContainText(`seq 0 … ${last}`);
    await expect(shown).toContainText('SHA-256 of the DSSE PAE of the bundle manifest');
    // The PIN field has the focus; Enter submits.
    await expect(dialog.getByLabel('Card PIN')).toBeFocused();
    // The marking is asked for (preset to the console's level) and signed into the manifest.
    await dialog.getByLabel('Classification marking').selectOption('SECRET');
    await dialog.getByLabel('Card PIN').focus();
    await page.keyboard.type(DEMO_PIN);
    await saveScreenshot(page, 'bundle-export-audit-dialog');
    await page.keyboard.press('Enter');
    await expect(dialog).toBeHidden({ timeout: 60_000 });
    const exported = section.getByTestId('bundle-exported');
    await expect(exported).toContainText(
      `Exported ${(last + 1).toLocaleString('en-US')} events (seq 0–${last.toLocaleString('en-US')})`,
    );
    await expect(exported).toContainText(/SHA-256 of the file: [0-9a-f]{64}/);
    await expect(exported).toContainText(/\(\d[\d,.]* (bytes|KiB|MiB|GiB)\)/);
    await section.scrollIntoViewIfNeeded();
    await saveScreenshot(page, 'bundle-export-audit-done');
    const path = (await exported.locator('code').first().textContent())!;
    expect(path).toMatch(/SECRET-alpha-command-0-\d+-\d{8}T\d{6}Z\.arxbundle$/);

    const verdict = await openInBundles(page, path, 'bundle-export-audit-opened');
    await expect(verdict).toContainText(`(seq 0–${last.toLocaleString('en-US')})`);
    // Shown on open: the signed marking, above the verdict.
    await expect(page.getByTestId('bundle-classification')).toContainText('SECRET');
  });

  test('Certificates: sign a review of a checkpointed range, export a bundle for it (progress, result dialog); it opens green with the review inside', async ({
    openConsole,
  }) => {
    test.setTimeout(240_000);
    const { page, services } = await openConsole({ controlPlane: 'demo', login: 'adams' });
    const last = await lastCheckpointed(services);
    await sectionsNav(page).getByRole('link', { name: 'Certificates', exact: true }).click();
    await page.getByLabel('To seq').fill(String(last));
    await page.getByRole('button', { name: 'Prepare review' }).click();
    const signReview = page.getByRole('dialog', { name: 'Sign the fidelity certificate' });
    await expect(signReview).toBeVisible({ timeout: 90_000 });
    await signReview.getByLabel('Card PIN').fill(DEMO_PIN);
    await signReview.getByRole('button', { name: 'Sign with card' }).click();
    await expect(signReview).toBeHidden({ timeout: 30_000 });

    const list = page.getByRole('table', { name: 'Fidelity certificates' });
    const button = list.getByRole('button', { name: `Export an evidence bundle for the review of seq 0–${last}` });
    await button.click();
    const dialog = page.getByRole('dialog', { name: 'Sign the evidence bundle' });
    await expect(dialog.getByRole('table', { name: 'What is signed' })).toContainText('Fidelity certificate');
    await expect(dialog.getByRole('table', { name: 'What is signed' })).toContainText(`seq 0 … ${last}`);
    await dialog.getByLabel('Card PIN').fill(DEMO_PIN);
    await dialog.getByRole('button', { name: 'Sign with card' }).click();
    const done = page.getByRole('dialog', { name: 'Evidence bundle exported' });
    await expect(done).toBeVisible({ timeout: 60_000 });
    await expect(done.getByTestId('bundle-exported')).toContainText(`events (seq 0–${last.toLocaleString('en-US')})`);
    await expect(done.getByTestId('bundle-exported')).toContainText(/SHA-256 of the file: [0-9a-f]{64}/);
    await saveScreenshot(page, 'bundle-export-review-done');
    const path = (await done.getByTestId('bundle-exported').locator('code').first().textContent())!;
    expect(path).toMatch(/alpha-command-review-[0-9a-f]{8}-\d{8}T\d{6}Z\.arxbundle$/);
    await done.getByRole('button', { name: 'Close' }).click();
    await expect(done).toBeHidden();

    const verdict = await openInBundles(page, path, 'bundle-export-review-opened');
    await expect(verdict).toContainText('1 fidelity certificate.');
  });
});
