import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { createKemKey } from '../../electron/main/bundle/envelope/kem-key';
import { generateMlKemKey, mlKemPrivatePem, mlKemPublicPem } from '../../electron/main/crypto/hybrid-kem';
import type { ConsoleServices } from '../../electron/main/composition/console-services';
import { expect, saveScreenshot, sectionsNav, test } from './support/console-fixture';
import { DEMO_PIN, demoCard, type DemoOperator } from './support/demo-console';

/**
 * Encrypted evidence bundles in the window: Bundles → Export with recipients (a path checked at
 * the boundary, a file picked), the result says it is encrypted; opening asks for the card, whose
 * key-management key unwraps it, and the bundle inside verifies; a bundle sealed to another card
 * is refused with its code. While the report is shown, both banners carry the bundle's signed marking.
 */

/** Seq of the last event the newest signed checkpoint of alpha-command covers. */
async function lastCheckpointed(services: ConsoleServices): Promise<number> {
  const admin = services.controlPlane.requireAdminPool();
  const r = await admin.query<{ n: string }>(
    `SELECT max(c.tree_size) AS n FROM arx.checkpoints c JOIN arx.tenants t ON t.id = c.tenant_id WHERE t.slug = 'alpha-command'`,
  );
  return Number(r.rows[0]!.n) - 1;
}

/** The DER file of a demo card's key-management certificate (9D). */
const keyManagementFile = (dataDir: string, who: DemoOperator) =>
  demoCard(dataDir, who).certificates.find((c) => c.pivKey === '9D')!.file;

const banners = (page: Page) => page.getByRole('note', { name: /^Classification: / });

/** Bundles → Export seq 0…last, SECRET, to the recipients `add` puts in the dialog; the result. */
async function exportEncrypted(page: Page, last: number, add: (dialog: Locator) => Promise<void>) {
  const card = page.getByRole('region', { name: 'Export a bundle' });
  await card.getByLabel('From seq').fill('0');
  await card.getByLabel('To seq').fill(String(last));
  await card.getByRole('button', { name: 'Export and sign…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Sign the evidence bundle' });
  await dialog.getByLabel('Classification marking').selectOption('SECRET');
  await add(dialog);
  await dialog.getByLabel('Card PIN').fill(DEMO_PIN);
  await dialog.getByRole('button', { name: 'Sign with card' }).click();
  await expect(dialog).toBeHidden({ timeout: 60_000 });
  const exported = card.getByTestId('bundle-exported');
  await expect(exported).toBeVisible();
  return exported;
}

test.describe('encrypted evidence bundles (demo cards, embedded control plane)', () => {
  test('export to recipients, open with the card: verified, banners marked; a bundle for another card is refused', async ({
    openConsole,
  }) => {
    test.setTimeout(300_000);
    const { page, services, dataDir } = await openConsole({ controlPlane: 'demo', login: 'adams' });
    const last = await lastCheckpointed(services);
    expect(last).toBeGreaterThan(0);
    await sectionsNav(page).getByRole('link', { name: 'Bundles' }).click();
    await expect(banners(page).first()).toHaveText('UNCLASSIFIED');

    // To Adams (picked, a DER file) and Baker (by path); a missing path is refused at the boundary first.
    const exported = await exportEncrypted(page, last, async (dialog) => {
      await dialog.getByLabel('Recipient certificate file (path)').fill('/nonexistent/recipient.pem');
      await dialog.getByRole('button', { name: 'Add recipient' }).click();
      await dialog.getByLabel('Card PIN').fill(DEMO_PIN);
      await dialog.getByRole('button', { name: 'Sign with card' }).click();
      const refused = dialog.getByRole('alert');
      await expect(refused).toHaveAttribute('data-error-code', 'FILE_NOT_FOUND');
      await expect(refused).toContainText('/nonexistent/recipient.pem');
      await dialog.getByRole('button', { name: 'Remove recipient /nonexistent/recipient.pem' }).click();

      await dialog.locator('input[type="file"]').first().setInputFiles(keyManagementFile(dataDir, 'adams'));
      await dialog.getByLabel('Recipient certificate file (path)').fill(keyManagementFile(dataDir, 'baker'));
      await dialog.getByLabel('Recipient certificate file (path)').press('Enter');
      await expect(dialog.getByRole('list', { name: 'Recipients' }).getByRole('listitem')).toHaveCount(2);
      await saveScreenshot(page, 'bundle-encrypted-export-dialog');
    });
    await expect(exported.getByTestId('bundle-exported-encryption')).toHaveText(
      'Encrypted to 2 recipients: only their cards open it.',
    );
    await expect(exported).toContainText(/SHA-256 of the bundle inside: [0-9a-f]{64}/);
    await saveScreenshot(page, 'bundle-encrypted-exported');
    const path = (await exported.locator('code').first().textContent())!;
    expect(path).toMatch(/SECRET-alpha-command-0-\d+-\d{8}T\d{6}Z\.arxbundle$/);
    const name = path.split('/').pop()!;

    // Opening asks for the card; the bundle inside verifies offline.
    await page.getByLabel(/Allow unpinned gateway keys/).check();
    await page.getByRole('button', { name: `Open ${name}` }).click();
    const ask = page.getByRole('dialog', { name: 'Open the encrypted bundle' });
    await expect(ask).toContainText(name);
    await saveScreenshot(page, 'bundle-encrypted-open-dialog');
    await ask.getByRole('button', { name: 'Open with card' }).click();
    await expect(ask).toBeHidden({ timeout: 60_000 });
    const verdict = page.getByTestId('bundle-verdict');
    await expect(verdict).toHaveAttribute('data-verdict', 'verified', { timeout: 60_000 });
    await expect(verdict).toContainText(`(seq 0–${last.toLocaleString('en-US')})`);
    await expect(page.getByRole('table', { name: 'Checks' }).locator('[data-ok="false"]')).toHaveCount(0);
    await expect(page.getByTestId('bundle-envelope')).toContainText(
      'Encrypted bundle: 2 recipients; opened with your card',
    );
    await expect(page.getByTestId('bundle-classification')).toContainText('SECRET');
    // Both banners carry the opened bundle's signed marking while its report is shown.
    await expect(banners(page)).toHaveText(['SECRET', 'SECRET']);
    await expect(banners(page).first()).toHaveAttribute('data-marking-of', "the opened bundle's signed marking");
    await verdict.scrollIntoViewIfNeeded();
    await saveScreenshot(page, 'bundle-encrypted-opened');

    // A bundle sealed to Baker only: Adams's card is not a recipient.
    const forBaker = await exportEncrypted(page, last, async (dialog) => {
      // The recipients of the last export are kept: remove both, then name Baker alone.
      const remove = dialog.getByRole('button', { name: /^Remove recipient / });
      await expect(remove).toHaveCount(2);
      await remove.first().click();
      await remove.first().click();
      await expect(dialog.getByRole('list', { name: 'Recipients' })).toHaveCount(0);
      await dialog.getByLabel('Recipient certificate file (path)').fill(keyManagementFile(dataDir, 'baker'));
      await dialog.getByRole('button', { name: 'Add recipient' }).click();
      await expect(dialog.getByRole('list', { name: 'Recipients' }).getByRole('listitem')).toHaveCount(1);
    });
    await expect(forBaker.getByTestId('bundle-exported-encryption')).toHaveText(
      'Encrypted to 1 recipient: only their cards open it.',
    );
    const other = (await forBaker.locator('code').first().textContent())!.split('/').pop()!;
    await page.getByRole('button', { name: `Open ${other}` }).click();
    // Opening another bundle clears the report, and the banners return to the console's marking.
    await expect(banners(page)).toHaveText(['UNCLASSIFIED', 'UNCLASSIFIED']);
    await ask.getByRole('button', { name: 'Open with card' }).click();
    const refused = ask.getByRole('alert');
    await expect(refused).toHaveAttribute('data-error-code', 'BUNDLE_WRONG_CARD', { timeout: 60_000 });
    await expect(refused).toContainText('not among the recipients');
    await expect(page.getByTestId('bundle-verdict')).toHaveCount(0);
    await saveScreenshot(page, 'bundle-encrypted-wrong-card');
  });

  test('a hybrid bundle (ML-KEM-1024 + ECDH) to a card and the recovery key: opens with the card and its ML-KEM key, and with the recovery key', async ({
    openConsole,
  }) => {
    test.setTimeout(300_000);
    const { page, services, dataDir } = await openConsole({ controlPlane: 'demo', login: 'adams' });
    const last = await lastCheckpointed(services);
    // Adams's ML-KEM key sealed to his card (arx bundle kem-key), his hybrid recipient file; a hybrid
    // recovery key (P-384 + ML-KEM-1024) whose public file (P-384 SPKI and ML-KEM PEM) is picked.
    const kem = createKemKey(readFileSync(keyManagementFile(dataDir, 'adams')));
    const files = {
      kemKey: join(dataDir, 'adams-kem.json'),
      recipient: join(dataDir, 'adams-hybrid.pem'),
      recoveryPub: join(dataDir, 'recovery.pub.pem'),
      recovery: join(dataDir, 'recovery.pem'),
      junk: join(dataDir, 'not-a-key.pem'),
    };
    writeFileSync(files.kemKey, kem.privateFile, { mode: 0o600 });
    writeFileSync(files.recipient, kem.publicFile);
    const ec = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const rkem = generateMlKemKey();
    writeFileSync(
      files.recoveryPub,
      `${ec.publicKey.export({ type: 'spki', format: 'pem' }) as string}${mlKemPublicPem(rkem.encapsulationKey)}`,
    );
    writeFileSync(
      files.recovery,
      `${ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string}${mlKemPrivatePem(rkem.seed)}`,
      { mode: 0o600 },
    );
    writeFileSync(files.junk, '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
    await sectionsNav(page).getByRole('link', { name: 'Bundles' }).click();

    const exported = await exportEncrypted(page, last, async (dialog) => {
      await dialog.getByLabel('Recipient certificate file (path)').fill(files.recipient);
      await dialog.getByRole('button', { name: 'Add recipient' }).click();
      await dialog.locator('input[type="file"]').nth(1).setInputFiles(files.recoveryPub);
      await expect(dialog.getByTestId('bundle-recovery-key')).toContainText('recovery.pub.pem');
      await saveScreenshot(page, 'bundle-encrypted-export-recovery');
    });
    await expect(exported.getByTestId('bundle-exported-encryption')).toHaveText(
      'Encrypted to 2 recipients (2 hybrid with ML-KEM-1024): only their cards and the organisation recovery key open it.',
    );
    const name = (await exported.locator('code').first().textContent())!.split('/').pop()!;
    await page.getByLabel(/Allow unpinned gateway keys/).check();
    const ask = page.getByRole('dialog', { name: 'Open the encrypted bundle' });
    const verdict = page.getByTestId('bundle-verdict');

    // The card alone cannot open a hybrid stanza; with the sealed ML-KEM key file it does.
    await page.getByRole('button', { name: `Open ${name}` }).click();
    await ask.getByRole('button', { name: 'Open with card' }).click();
    await expect(ask.getByRole('alert')).toHaveAttribute('data-error-code', 'BUNDLE_KEY_UNWRAP_FAILED', {
      timeout: 60_000,
    });
    await ask.getByLabel('ML-KEM key file (path)').fill(files.kemKey);
    await ask.getByRole('button', { name: 'Open with card' }).click();
    await expect(ask).toBeHidden({ timeout: 60_000 });
    await expect(verdict).toHaveAttribute('data-verdict', 'verified', { timeout: 60_000 });
    await expect(page.getByTestId('bundle-envelope')).toContainText(
      'Encrypted bundle: 2 recipients; opened with your card (hybrid ML-KEM-1024 + classical stanza)',
    );
    await saveScreenshot(page, 'bundle-encrypted-opened-hybrid');

    // The recovery key: a file that is none is refused with the bundle's code; the right one opens it.
    await page.getByRole('button', { name: `Open ${name}` }).click();
    await ask.getByLabel('Recovery private key file (path)').fill(files.junk);
    await ask.getByRole('button', { name: 'Open with recovery key' }).click();
    const refused = ask.getByRole('alert');
    await expect(refused).toHaveAttribute('data-error-code', 'BUNDLE_RECOVERY_KEY_INVALID', { timeout: 60_000 });
    await saveScreenshot(page, 'bundle-encrypted-recovery-refused');
    await ask.getByLabel('Recovery private key file (path)').fill('/nonexistent/recovery.pem');
    await ask.getByRole('button', { name: 'Open with recovery key' }).click();
    await expect(refused).toHaveAttribute('data-error-code', 'FILE_NOT_FOUND', { timeout: 60_000 });
    await ask.getByLabel('Recovery private key file (path)').fill(files.recovery);
    await ask.getByRole('button', { name: 'Open with recovery key' }).click();
    await expect(ask).toBeHidden({ timeout: 60_000 });
    await expect(verdict).toHaveAttribute('data-verdict', 'verified', { timeout: 60_000 });
    await expect(page.getByTestId('bundle-envelope')).toContainText(
      'opened with the organisation recovery key (hybrid ML-KEM-1024 + classical stanza)',
    );
    await expect(banners(page)).toHaveText(['SECRET', 'SECRET']);
    await verdict.scrollIntoViewIfNeeded();
    await saveScreenshot(page, 'bundle-encrypted-opened-recovery');
  });
});
