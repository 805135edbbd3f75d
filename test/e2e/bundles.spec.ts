import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, saveScreenshot, sectionsNav, test } from './support/console-fixture';
import { DEMO_PIN } from './support/demo-console';
import { bundlesDir } from '../../electron/main/bundle/handlers';
import { TarReader } from '../../shared/bundle';

/**
 * Evidence bundles in the console, for real: the demo control plane and the demo SoftHSM2 card
 * (main's real OperatorAuth signs the manifest after the PIN is typed into the SignDialog), then
 * "Open bundle" verifies the file offline against the configured trust anchors and shows the
 * report and the bundle's contents; a copy with one changed event byte shows its ✗ and where.
 */
test.describe('Bundles screen', () => {
  test('export a range signed on the card, open it: every check ✓, then events, policies and certificates; a tampered copy shows ✗ with its code and location', async ({
    openConsole,
  }) => {
    test.setTimeout(180_000);
    const { page, dataDir } = await openConsole({ controlPlane: 'demo', login: 'adams' });
    await sectionsNav(page).getByRole('link', { name: 'Bundles' }).click();
    await expect(page.getByRole('heading', { name: 'Bundles', level: 1 })).toBeVisible();

    const exportCard = page.getByRole('region', { name: 'Export a bundle' });
    await exportCard.getByLabel('From seq').fill('0');
    await exportCard.getByLabel('To seq').fill('99');
    await exportCard.getByRole('button', { name: 'Export and sign…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Sign the evidence bundle' });
    await expect(dialog.getByRole('table', { name: 'What is signed' })).toContainText('seq 0 … 99');
    await dialog.getByLabel('Card PIN').fill(DEMO_PIN);
    await dialog.getByRole('button', { name: 'Sign with card' }).click();
    const exported = page.getByTestId('bundle-exported');
    await expect(exported).toBeVisible({ timeout: 60_000 });
    await expect(exported).toContainText('Exported 100 events (seq 0–99)');

    const name = readdirSync(bundlesDir(dataDir)).find((n) => n.endsWith('.arxbundle'))!;
    // No pin file in the demo anchors: the auditor accepts the bundle's gateway keys explicitly.
    await page.getByLabel(/Allow unpinned gateway keys/).check();
    await page.getByRole('button', { name: `Open ${name}` }).click();
    const verdict = page.getByTestId('bundle-verdict');
    await expect(verdict).toHaveAttribute('data-verdict', 'verified', { timeout: 60_000 });
    const checks = page.getByRole('table', { name: 'Checks' });
    await expect(checks.getByRole('row')).toHaveCount(11);
    await expect(checks.locator('[data-ok="false"]')).toHaveCount(0);
    await expect(page.getByTestId('bundle-warnings')).toContainText('GATEWAY_KEYS_UNPINNED');
    for (const label of [
      'Manifest signature',
      'Members and digests',
      'Chain links',
      'Inclusion and consistency proofs',
      'Checkpoint signatures and key windows',
      'Policy-version signatures',
      'Signer paths and CRLs',
      'Event writers',
      'Decision re-verification',
    ]) {
      await expect(checks.getByRole('row', { name: new RegExp(label) })).toContainText('✓');
    }
    await checks.scrollIntoViewIfNeeded();
    await saveScreenshot(page, 'bundles-verified');

    const events = page.getByRole('table', { name: 'Events in the bundle' });
    await expect(events.getByRole('row')).toHaveCount(101);
    await events.getByRole('row').nth(1).click();
    await expect(page.getByLabel('Event 0')).toContainText('"sequence":"0"');
    await page.getByRole('tab', { name: /Policies/ }).click();
    await expect(page.getByText(/gateway — published — version/)).toBeVisible();
    await page.getByRole('tab', { name: /Certificates/ }).click();
    await expect(page.getByRole('table', { name: 'Certificates in the bundle' })).toContainText('ADAMS');
    await page.getByRole('table', { name: 'Certificates in the bundle' }).scrollIntoViewIfNeeded();
    await saveScreenshot(page, 'bundles-contents');

    // A copy with one byte of one event changed: the chain check fails and says where.
    const original = readFileSync(join(bundlesDir(dataDir), name));
    let eventsAt = -1;
    const reader: TarReader = new TarReader({
      begin: (n) => n === 'events.bin' && (eventsAt = reader.bytesRead),
      data: () => {},
      end: () => {},
    });
    reader.push(original);
    const tampered = Buffer.from(original);
    tampered[eventsAt + 76 + 30] = tampered[eventsAt + 76 + 30]! ^ 0x01;
    const tamperedPath = join(bundlesDir(dataDir), 'tampered.arxbundle');
    writeFileSync(tamperedPath, tampered);
    await page.getByLabel('Bundle file (path)').fill(tamperedPath);
    await page.getByRole('button', { name: 'Open bundle', exact: true }).click();
    await expect(verdict).toHaveAttribute('data-verdict', 'failed', { timeout: 60_000 });
    const chainRow = checks.getByRole('row', { name: /Chain links/ });
    await expect(chainRow).toContainText('✗');
    await expect(chainRow).toContainText('EVENT_DIGEST_MISMATCH');
    await expect(chainRow).toContainText('seq 0');
    await expect(checks.getByRole('row', { name: /Members and digests/ })).toContainText(
      'BUNDLE_MEMBER_DIGEST_MISMATCH',
    );
    await chainRow.scrollIntoViewIfNeeded();
    await saveScreenshot(page, 'bundles-tampered');
  });

  test('a file that is not a bundle: one clear message, no report', async ({ openConsole }) => {
    const { page, dataDir } = await openConsole({ controlPlane: 'demo', login: 'adams' });
    await sectionsNav(page).getByRole('link', { name: 'Bundles' }).click();
    mkdirSync(bundlesDir(dataDir), { recursive: true });
    const junk = join(bundlesDir(dataDir), 'junk.arxbundle');
    writeFileSync(junk, 'this is not a bundle');
    await page.getByLabel('Bundle file (path)').fill(junk);
    await page.getByRole('button', { name: 'Open bundle', exact: true }).click();
    const verdict = page.getByTestId('bundle-verdict');
    await expect(verdict).toHaveAttribute('data-verdict', 'unusable', { timeout: 30_000 });
    await expect(verdict).toContainText('BUNDLE_NOT_A_BUNDLE');
    await expect(page.getByRole('table', { name: 'Checks' })).toHaveCount(0);
  });
});
