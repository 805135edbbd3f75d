import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from '@playwright/test';
import { registerTestOperators, type ProvisionedTestCards } from '../../electron/main/card/test-cards';
import { OPENSC_MODULE, startOpenscFixture, type OpenscFixture } from '../support/virtual-piv/fixture';
import { writeProvisioned } from '../support/virtual-piv/provisioned';
import { apdusDuring, beforeEachSignature } from '../support/virtual-piv/apdu-trace';
import { expect, saveScreenshot, sectionsNav, test, type ConsoleOptions } from './support/console-fixture';
import { chooseReader } from './support/demo-console';

/**
 * The real card path end to end in Chromium: the console configured with OpenSC's
 * opensc-pkcs11.so, a pcscd of the test's own with two vpcd readers, and virtual PIV cards for the
 * demo operators (their certificates enrolled in the demo control plane, their database logins
 * wrapped to the virtual cards' 9D keys). Login, a fidelity certificate signed on 9C and checked
 * with openssl, removal locking the console and re-insertion unlocking it.
 *
 * pcscd is machine-wide: these tests run one after the other in one worker, and take the same
 * lock as the card-opensc vitest files. Never execFileSync here: the virtual cards answer on this
 * process's event loop.
 */
test.describe.configure({ mode: 'serial' });

const LABELS = ['ARX TEST ADAMS EC', 'ARX TEST BAKER RSA'];
const ADAMS = 'ADAMS.ALICE.ANN.1000000001';
const run = promisify(execFile);
let fx: OpenscFixture;
let provisioned: ProvisionedTestCards;
let dir: string;

test.beforeAll(async () => {
  test.setTimeout(240_000);
  fx = await startOpenscFixture(LABELS.map((label) => ({ label })));
  dir = mkdtempSync(join(tmpdir(), 'arx-e2e-opensc-'));
  provisioned = await writeProvisioned(dir, fx, LABELS);
});

// A test that fails with a card out of its reader puts it back, so that the console's stop (the
// fixture's teardown, which logs out on the card) and the next test find it.
test.afterEach(async () => {
  for (const link of fx?.stack.links ?? []) if (!link.inserted) await link.insert();
});

test.afterAll(async () => {
  await fx?.stack.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The demo control plane, the console on OpenSC, and the virtual cards' operators enrolled. */
const onOpenSc = (): ConsoleOptions => ({
  controlPlane: 'demo',
  env: {
    ARX_PKCS11_MODULE: OPENSC_MODULE,
    ARX_TRUST_ANCHORS: provisioned.trustAnchors,
    ARX_INTERMEDIATES: provisioned.intermediates,
    ARX_CRLS: provisioned.crls,
    ARX_POLICY_ARCS: provisioned.policyArc,
  },
  beforeUi: async (services) =>
    void (await registerTestOperators(services.controlPlane.requireAdminPool(), provisioned)),
});

const pinField = (page: Page) => page.getByLabel(/^PIN/);
const operatorGroup = (page: Page) => page.getByRole('group', { name: 'Operator' });

async function logIn(page: Page, tokenLabel: string, edipi: string): Promise<void> {
  await page.getByRole('button', { name: 'I acknowledge' }).click();
  await chooseReader(page, tokenLabel);
  await pinField(page).fill('123456');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(sectionsNav(page)).toBeVisible({ timeout: 30_000 });
  await expect(operatorGroup(page)).toContainText(`EDIPI ${edipi}`);
}

test('logs in through OpenSC: the reader, the CHUID identity, then PIN and proof of possession', async ({
  openConsole,
}) => {
  const { page, services } = await openConsole(onOpenSc());
  await page.getByRole('button', { name: 'I acknowledge' }).click();
  const card = fx.cards[0]!;
  const g = card.guid;
  await chooseReader(page, ADAMS);
  await expect(page.locator('[data-reader-state]')).toContainText(
    `Card present: ${ADAMS} (serial ${g.slice(-16)}) in ARX Virtual PIV 00 00`,
  );
  await expect(page.locator('[data-card-identity]')).toHaveText(
    `Card identity (CHUID): FASC-N 9999-0001-000001, PI 1000000001; GUID ${g.slice(0, 8)}-${g.slice(8, 12)}-${g.slice(12, 16)}-${g.slice(16, 20)}-${g.slice(20)}`,
  );
  await saveScreenshot(page, 'card-opensc-login');
  await pinField(page).fill('123456');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(sectionsNav(page)).toBeVisible({ timeout: 30_000 });
  await expect(operatorGroup(page)).toContainText(`${ADAMS} (EDIPI 1000000001)`);
  expect(services.status().card).toMatchObject({
    state: 'logged-in',
    detail: expect.stringContaining(`with ${ADAMS}`),
  });
});

test('signs a fidelity certificate on the 9C key with its own PIN; stock openssl verifies it', async ({
  openConsole,
}) => {
  test.setTimeout(240_000);
  const { page } = await openConsole(onOpenSc());
  await logIn(page, ADAMS, '1000000001');
  const link = fx.stack.links[0]!;
  await page.getByRole('navigation').getByRole('link', { name: 'Certificates', exact: true }).click();
  await page.getByRole('button', { name: 'Prepare review' }).click();
  const dialog = page.getByRole('dialog', { name: 'Sign the fidelity certificate' });
  await expect(dialog).toBeVisible({ timeout: 90_000 });
  await dialog.getByLabel('Card PIN').fill('123456');
  const { trace } = await apdusDuring(link, async () => {
    await dialog.getByRole('button', { name: 'Sign with card' }).click();
    await expect(dialog).toBeHidden({ timeout: 30_000 });
  });
  // One signature on 9C, and the card saw the VERIFY of that signature's PIN right before it (PIN Always).
  expect(beforeEachSignature(trace)).toEqual([0x20]);
  const list = page.getByRole('table', { name: 'Fidelity certificates' });
  await expect(list).toContainText(ADAMS);
  await list
    .getByRole('button', { name: /for OpenSSL$/ })
    .first()
    .click();
  const exported = page.getByTestId('certificate-export');
  await expect(exported).toContainText('openssl dgst -sha256 -verify signer-pub.pem -signature signature.der pae.bin');
  const out = await run(
    'bash',
    ['-euo', 'pipefail', '-c', (await exported.getByLabel('OpenSSL commands').textContent())!],
    {
      cwd: (await exported.locator('code').first().textContent())!,
    },
  );
  expect(out.stdout).toContain('PAE OK');
  expect(out.stdout).toContain('Verified OK');
  expect(out.stdout).toContain('signer.pem: OK');
  await saveScreenshot(page, 'card-opensc-certificate-exported');
});

test('pulling the card out of its reader locks the window; back in, its PIN unlocks it', async ({ openConsole }) => {
  const { page, services } = await openConsole(onOpenSc());
  await logIn(page, ADAMS, '1000000001');
  const link = fx.stack.links[0]!;
  await link.remove();
  // The 2 s bound is measured without a browser in card-opensc/operator-auth.test.ts; here, with
  // Chromium and the console sharing the CPU, the window is checked to follow the lock at all.
  await expect.poll(() => services.status().card.state, { timeout: 6000, intervals: [50] }).toBe('locked');
  await expect(page.getByRole('heading', { name: 'Console locked (card removed)' })).toBeVisible({ timeout: 3000 });
  await expect(sectionsNav(page)).toHaveCount(0);
  await saveScreenshot(page, 'card-opensc-card-removed');

  // The reader's card comes back (vpcd reconnects): the same card and its PIN resume the session.
  await link.insert();
  // pcscd and OpenSC see the card again a moment after vpcd reconnects; until then an unlock is
  // refused with CARD_REMOVED (no PIN reaches the card), as it would be for a person who is quick.
  await expect(async () => {
    if (await sectionsNav(page).isVisible()) return;
    await pinField(page).fill('123456', { timeout: 2_000 });
    await page.getByRole('button', { name: 'Unlock' }).click({ timeout: 2_000 });
    await expect(sectionsNav(page)).toBeVisible({ timeout: 5_000 });
  }).toPass({ timeout: 30_000, intervals: [500, 1000] });
  await expect(operatorGroup(page)).toContainText('EDIPI 1000000001');
  expect(services.status().card.state).toBe('logged-in');
});
