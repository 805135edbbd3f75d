import { execFileSync } from 'node:child_process';
import { expect, saveScreenshot, test } from './support/console-fixture';
import { DEMO_PIN } from './support/demo-console';

/**
 * Decision re-verification and fidelity certificates in Chromium, on the demo control plane with the demo SoftHSM2 card
 * (ADAMS, EC, isso): re-verify the decisions of a tenant; sign a review of its chain on the card
 * (the PIN dialog shows what is signed); verify the stored certificate; export it and check it
 * with openssl running the exported commands; an edited imported certificate fails with its code.
 */
test.describe('fidelity certificates (real card, embedded control plane)', () => {
  test('re-verify decisions, sign a review, verify it, export it for openssl, refuse an edited copy', async ({
    openConsole,
  }) => {
    test.setTimeout(240_000);
    const { page, services } = await openConsole({ controlPlane: 'demo', login: 'adams' });
    const nav = page.getByRole('navigation');

    // Re-verify decisions (Audit → Re-verify decisions).
    await nav.getByRole('link', { name: 'Audit', exact: true }).click();
    await page.getByRole('tab', { name: 'Re-verify decisions' }).click();
    await page.getByRole('button', { name: 'Re-verify decisions' }).click();
    const result = page.getByTestId('reverify-result');
    await expect(result).toBeVisible({ timeout: 90_000 });
    await expect(result).toContainText('All decisions match');
    await expect(page.getByRole('table', { name: 'Policy versions involved' })).toContainText('verified');
    await saveScreenshot(page, 'decisions-reverified');

    // Sign a review of the whole chain.
    await nav.getByRole('link', { name: 'Certificates', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Certificates' })).toBeVisible();
    await page.getByRole('button', { name: 'Prepare review' }).click();
    const dialog = page.getByRole('dialog', { name: 'Sign the fidelity certificate' });
    await expect(dialog).toBeVisible({ timeout: 90_000 });
    const shown = dialog.getByRole('table', { name: 'What is signed' });
    await expect(shown).toContainText('Chain root (SHA-256)');
    await expect(shown).toContainText('Signed digest (SHA-256 of the DSSE PAE)');
    await expect(shown).toContainText('intact');
    await saveScreenshot(page, 'certificate-sign-dialog');
    await dialog.getByLabel('Card PIN').fill(DEMO_PIN);
    await dialog.getByRole('button', { name: 'Sign with card' }).click();
    await expect(dialog).toBeHidden({ timeout: 30_000 });
    const list = page.getByRole('table', { name: 'Fidelity certificates' });
    await expect(list).toContainText('intact');
    await expect(list).toContainText('ADAMS.ALICE.ANN.1000000001');

    // Verify it.
    await list
      .getByRole('button', { name: /^Verify the review/ })
      .first()
      .click();
    const verification = page.getByTestId('certificate-verification');
    await expect(verification).toContainText('The certificate is valid');
    await expect(verification.getByRole('list', { name: 'Checks' })).toContainText('Recorded in the audit chain');
    await saveScreenshot(page, 'certificate-verified');

    // Export for OpenSSL, and run the commands shown.
    await list
      .getByRole('button', { name: /for OpenSSL$/ })
      .first()
      .click();
    const exported = page.getByTestId('certificate-export');
    await expect(exported).toContainText(
      'openssl dgst -sha256 -verify signer-pub.pem -signature signature.der pae.bin',
    );
    await saveScreenshot(page, 'certificate-exported');
    const dir = (await exported.locator('code').first().textContent())!;
    const commands = (await exported.getByLabel('OpenSSL commands').textContent())!;
    const out = execFileSync('bash', ['-euo', 'pipefail', '-c', commands], { cwd: dir, encoding: 'utf8' });
    expect(out).toContain('PAE OK');
    expect(out).toContain('Verified OK');
    expect(out).toContain('signer.pem: OK');

    // An edited copy, imported: the signature no longer verifies.
    const row = await services.controlPlane
      .requireAdminPool()
      .query<{ envelope: { payloadType: string; payload: string; signatures: unknown[] } }>(
        'SELECT envelope FROM arx.review_certificates LIMIT 1',
      );
    const env = row.rows[0]!.envelope;
    const edited = Buffer.from(env.payload, 'base64')
      .toString('utf8')
      .replace('"verdict":"intact"}', '"verdict":"broken"}');
    const forged = JSON.stringify({
      payloadType: env.payloadType,
      payload: Buffer.from(edited).toString('base64'),
      signatures: env.signatures,
    });
    await page.getByLabel('Certificate envelope (JSON)').fill(forged);
    await page.getByRole('button', { name: 'Verify imported certificate' }).click();
    await expect(verification).toContainText('The certificate does not verify');
    await expect(verification).toContainText('REVIEW_SIGNATURE_INVALID');
    await saveScreenshot(page, 'certificate-edited-refused');
  });
});
