import { ed25519 } from '@noble/curves/ed25519.js';
import type { Page } from '@playwright/test';
import { formatVerifierKey } from '../../shared/checkpoint';
import { expect, saveScreenshot, sectionsNav, test } from './support/console-fixture';
import { DEMO_PIN } from './support/demo-console';

/**
 * The Administration screen's gateway keys on the demo control plane: ADAMS rotates the
 * alpha-command gateway's key (reaching the buttons with the keyboard), the confirmation shows
 * both windows before the card signs; then revokes the old key, the confirmation showing how many
 * stored checkpoints stop verifying; the export lists both keys for auditors to pin.
 */
const OLD = 'arx-gateway.alpha-command.1';
const NEW = 'arx-gateway.alpha-command.2';

async function signWithCard(page: Page, title: string): Promise<void> {
  const dialog = page.getByRole('dialog', { name: title });
  await dialog.getByLabel('Card PIN').fill(DEMO_PIN);
  await dialog.getByRole('button', { name: 'Sign with card' }).click();
  await expect(dialog).toBeHidden({ timeout: 30_000 });
}

test('rotates a gateway key with an overlap, revokes the old one and exports gateway-keys.txt', async ({
  openConsole,
}) => {
  test.setTimeout(300_000);
  const { page } = await openConsole({ controlPlane: 'demo', login: 'adams' });
  await sectionsNav(page).getByRole('link', { name: 'Administration', exact: true }).click();
  await page.getByRole('tab', { name: 'Gateway keys' }).click();
  const keys = page.getByRole('table', { name: 'Gateway keys' });
  await expect(keys.getByRole('row', { name: new RegExp(OLD.replace(/\./g, '\\.')) })).toContainText('valid');

  // Rotate, by keyboard: focus the row's button, Enter; the successor's key typed; Enter on Rotate….
  await page.getByRole('button', { name: `Rotate ${OLD}` }).focus();
  await page.keyboard.press('Enter');
  const successor = formatVerifierKey(NEW, ed25519.getPublicKey(ed25519.utils.randomSecretKey()));
  await page.getByLabel("Successor's verifier key").fill(successor);
  await page.getByRole('button', { name: 'Rotate…' }).focus();
  await page.keyboard.press('Enter');
  const rotate = page.getByRole('dialog', { name: 'Rotate a gateway key' });
  const signed = rotate.getByRole('table', { name: 'What is signed' });
  await expect(signed).toContainText(NEW);
  await expect(signed).toContainText('Old key valid until');
  await expect(signed).toContainText('1 hour');
  await saveScreenshot(page, 'administration-gateway-key-rotate');
  await signWithCard(page, 'Rotate a gateway key');
  await expect(keys.getByRole('row', { name: new RegExp(NEW.replace(/\./g, '\\.')) })).toContainText('valid');
  await expect(keys.getByRole('row', { name: new RegExp(OLD.replace(/\./g, '\\.')) })).toContainText(
    'ending (rotated)',
  );

  // Revoke the old key: the confirmation says what stops verifying.
  await page.getByRole('button', { name: `Revoke ${OLD}` }).click();
  await page.getByLabel('Reason').fill('gateway host replaced');
  await page.getByRole('button', { name: 'Revoke…' }).click();
  const revoke = page.getByRole('dialog', { name: 'Revoke a gateway key' });
  await expect(revoke.getByRole('table', { name: 'What is signed' })).toContainText(
    'Stored checkpoints that stop verifying',
  );
  await saveScreenshot(page, 'administration-gateway-key-revoke');
  await signWithCard(page, 'Revoke a gateway key');
  await expect(keys.getByRole('row', { name: new RegExp(OLD.replace(/\./g, '\\.')) })).toContainText('ended (revoked)');

  await page.getByRole('button', { name: 'Show gateway-keys.txt' }).click();
  const text = page.getByLabel('gateway-keys.txt', { exact: true });
  // Each key with the window verifiers hold a bundle to (bundle-format §5.1): the successor open, the old one revoked.
  await expect(text).toContainText(new RegExp(`${escapeRegExp(successor)} valid-from=\\S+ valid-to=open(?!\\S)`));
  await expect(text).toContainText(`# ${OLD}: revoked`);
  await expect(text).toContainText(
    new RegExp(`${escapeRegExp(OLD)}\\+\\S+ valid-from=\\S+ valid-to=(\\S+) revoked-at=\\1`),
  );
  await saveScreenshot(page, 'administration-gateway-keys');
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
