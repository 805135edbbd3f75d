import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, saveScreenshot, sectionsNav, test } from './support/console-fixture';
import { chooseReader, demoCards, DEMO_PIN, logout, switchOperator } from './support/demo-console';

/**
 * The Administration screen on the demo control plane: ADAMS enrols the demo's card waiting for
 * enrolment (DIAZ) from its certificate files and asks for isso in alpha-command; BAKER, the second
 * administrator, approves with his card; DIAZ then logs in and sees that one tenant only, and no
 * Administration screen.
 */
const DIAZ = { label: 'ARX TEST DIAZ EC', edipi: '1000000009', name: 'DANA D DIAZ' };

async function openAdministration(page: Page, tab: string): Promise<void> {
  await sectionsNav(page).getByRole('link', { name: 'Administration', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Administration' })).toBeVisible();
  await page.getByRole('tab', { name: tab }).click();
}

/** Signs in the open signing dialog with the demo PIN and waits for it to close. */
async function signWithCard(page: Page, title: string): Promise<void> {
  const dialog = page.getByRole('dialog', { name: title });
  await expect(dialog.getByRole('table', { name: 'What is signed' })).toBeVisible();
  await dialog.getByLabel('Card PIN').fill(DEMO_PIN);
  await dialog.getByRole('button', { name: 'Sign with card' }).click();
  await expect(dialog).toBeHidden({ timeout: 30_000 });
}

/** The card's three certificates as one PEM file, the way an administrator receives them. */
function certificateBundle(dataDir: string, label = DIAZ.label): string {
  const card = demoCards(dataDir).cards.find((c) => c.label === label)!;
  const pem = card.certificates
    .filter((c) => c.usage !== 'card-auth')
    .map((c) => {
      const b64 = readFileSync(c.file).toString('base64').replace(/.{64}/g, '$&\n');
      return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
    })
    .join('');
  const file = join(dataDir, `${label.replace(/\W+/g, '-').toLowerCase()}-certificates.pem`);
  writeFileSync(file, pem);
  return file;
}

async function pick(page: Page, label: string, option: string | RegExp): Promise<void> {
  await page.getByRole('combobox', { name: label, exact: true }).click();
  await page.getByRole('option', { name: option }).click();
}

test('enrols a card holder, grants isso with a second administrator, and the newcomer sees one tenant', async ({
  openConsole,
}) => {
  test.setTimeout(420_000);
  const { page, dataDir } = await openConsole({ controlPlane: 'demo', login: 'adams' });

  // ADAMS enrols DIAZ from the certificate files.
  await openAdministration(page, 'Operators');
  await page.locator('input[type=file]').setInputFiles(certificateBundle(dataDir));
  await page.getByRole('button', { name: 'Check certificates' }).click();
  await expect(page.getByRole('table', { name: 'Certificates to enrol' }).getByRole('row')).toHaveCount(4);
  await expect(page.getByText(`EDIPI ${DIAZ.edipi}`).first()).toBeVisible();
  await saveScreenshot(page, 'administration-enrol-checked');
  await page.getByRole('button', { name: `Enrol ${DIAZ.name}…` }).click();
  await signWithCard(page, 'Enrol an operator');
  await expect(page.getByRole('status').filter({ hasText: 'is enrolled' })).toBeVisible();
  const operators = page.getByRole('table', { name: 'Operators' });
  await expect(operators.getByRole('row', { name: new RegExp(DIAZ.edipi) })).toContainText('active');
  await saveScreenshot(page, 'administration-operators');

  // ADAMS asks for isso in alpha-command: a request, not a grant.
  await page.getByRole('tab', { name: 'Roles' }).click();
  await pick(page, 'Grant in tenant', 'alpha-command');
  await pick(page, 'Operator', new RegExp(DIAZ.edipi));
  await pick(page, 'Role', 'isso');
  await page.getByRole('button', { name: 'Request grant…' }).click();
  await signWithCard(page, 'Request a role grant');
  await expect(page.getByRole('status').filter({ hasText: 'waiting for a second administrator' })).toBeVisible();
  const waiting = page.getByRole('table', { name: 'Waiting for a second administrator' });
  await expect(waiting.getByRole('row', { name: new RegExp(DIAZ.edipi) })).toContainText(
    'A different administrator approves',
  );
  await saveScreenshot(page, 'administration-request-waiting');

  // BAKER approves with his card.
  await switchOperator(page, 'baker');
  await openAdministration(page, 'Roles');
  await page.getByRole('button', { name: `Approve isso for ${DIAZ.edipi} in alpha-command` }).click();
  await signWithCard(page, 'Approve a role grant');
  await expect(page.getByText('No grant request is waiting.')).toBeVisible();
  const current = page.getByRole('table', { name: 'Current grants' });
  await current.page().getByLabel('Filter').first().fill(DIAZ.edipi);
  // The control plane filters (after a pause in typing): wait for its answer.
  await expect(page.getByTestId('grants-shown')).toContainText(' matching');
  await expect(current.getByRole('row', { name: /alpha-command/ })).toContainText('isso');
  await expect(current.getByRole('row', { name: /alpha-command/ })).toContainText('signature verified');
  await saveScreenshot(page, 'administration-approved');

  // The access review shows the grant with both signatures verified.
  await page.getByRole('tab', { name: 'Access review' }).click();
  const review = page.getByRole('table', { name: 'Access review' });
  await page.getByLabel('Filter').fill(DIAZ.edipi);
  await expect(page.getByTestId('grants-shown')).toContainText(' matching');
  await expect(review.getByRole('row', { name: /alpha-command/ })).toContainText('1000000001');
  await expect(review.getByRole('row', { name: /alpha-command/ })).toContainText('1000000002');
  // Both card signatures verify now: ADAMS's request (EC) and BAKER's approval (RSA-PSS).
  await expect(review.getByRole('row', { name: /alpha-command/ }).getByText('signature verified')).toHaveCount(2);
  await page.getByRole('button', { name: 'Export CSV' }).click();
  const written = await page.getByTestId('review-export-path').innerText();
  const path = /written to (.+\.csv) \(SHA-256/.exec(written)![1]!;
  expect(path.startsWith(join(dataDir, 'exports'))).toBe(true);
  const csv = readFileSync(path, 'utf8');
  expect(csv).toContain(`alpha-command,${DIAZ.edipi},`);
  await saveScreenshot(page, 'administration-access-review');

  // DIAZ logs in with the new card: one tenant, isso there, and no Administration screen.
  await logout(page);
  await chooseReader(page, DIAZ.label);
  await page.getByLabel(/^PIN/).fill(DEMO_PIN);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(sectionsNav(page)).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('group', { name: 'Operator' })).toContainText(`EDIPI ${DIAZ.edipi}`);
  await expect(page.getByRole('group', { name: 'Operator' })).toContainText('alpha-command: isso');
  const picker = page.getByRole('combobox', { name: 'Tenant' });
  await expect(picker).toHaveValue('alpha-command');
  await picker.click();
  await expect(page.getByRole('option')).toHaveText(['alpha-command']);
  await page.keyboard.press('Escape');
  await expect(sectionsNav(page).getByRole('link', { name: 'Administration' })).toHaveCount(0);
  await saveScreenshot(page, 'administration-newcomer');
});

/** CARTER (author and approver in each demo tenant) and the replacement card the demo keeps for them. */
const CARTER = {
  label: 'ARX TEST CARTER EC',
  newLabel: 'ARX NEW CARTER EC',
  edipi: '1000000008',
  name: 'CLARA C CARTER',
};

test('re-enrols an operator after a card change: old → new certificates, the new card logs in with the same roles', async ({
  openConsole,
}) => {
  test.setTimeout(300_000);
  const { page, dataDir } = await openConsole({ controlPlane: 'demo', login: 'adams' });
  const sha = (label: string, cardAuth = false) =>
    demoCards(dataDir)
      .cards.find((c) => c.label === label)!
      .certificates.filter((c) => cardAuth || c.usage !== 'card-auth')
      .map((c) => c.sha256);
  // The demo enrolled CARTER's card with all four of its certificates; a re-enrolment retires them all.
  const retired = sha(CARTER.label, true);
  expect(retired).toHaveLength(4);

  await openAdministration(page, 'Operators');
  // The demo's enrolment names CARTER by the certificate's CN; the row is found by EDIPI.
  const row = page.getByRole('table', { name: 'Operators' }).getByRole('row', { name: new RegExp(CARTER.edipi) });
  await row.getByRole('button', { name: /^Re-enrol / }).click();
  const form = page.getByRole('region', { name: /^Re-enrol .*1000000008 with a new card$/ });
  // Another person's card is refused before anything is signed.
  await form.locator('input[type=file]').setInputFiles(certificateBundle(dataDir, DIAZ.label));
  await form.getByRole('button', { name: 'Check certificates' }).click();
  await expect(form.locator('[data-error-code="EDIPI_MISMATCH"]')).toBeVisible();
  await expect(form.getByRole('button', { name: /^Re-enrol .*…$/ })).toHaveCount(0);

  // The new card: each certificate in use now next to the one replacing it.
  await form.locator('input[type=file]').setInputFiles(certificateBundle(dataDir, CARTER.newLabel));
  await form.getByRole('button', { name: 'Check certificates' }).click();
  const change = form.getByRole('table', { name: 'Certificates replaced' });
  await expect(change.getByRole('row')).toHaveCount(5);
  for (const old of retired) await expect(change.getByTitle(old)).toBeVisible();
  for (const fresh of sha(CARTER.newLabel)) await expect(change.getByTitle(fresh)).toBeVisible();
  await saveScreenshot(page, 'administration-reenrol-checked');
  await form.getByRole('button', { name: /^Re-enrol .*…$/ }).click();
  const dialog = page.getByRole('dialog', { name: 'Re-enrol an operator' });
  for (const h of [...retired, ...sha(CARTER.newLabel)]) await expect(dialog).toContainText(h);
  await signWithCard(page, 'Re-enrol an operator');
  await expect(
    page.getByRole('status').filter({ hasText: 'is re-enrolled with the new card; 4 certificates retired' }),
  ).toBeVisible();
  await expect(form).toHaveCount(0);
  await saveScreenshot(page, 'administration-reenrolled');

  // The old card is refused before its PIN; the new one logs in, with CARTER's roles kept.
  await logout(page);
  await chooseReader(page, CARTER.label);
  await expect(page.locator('[data-error-code="OPERATOR_LOGIN_OTHER_CARD"]')).toBeVisible({ timeout: 30_000 });
  await chooseReader(page, CARTER.newLabel);
  await page.getByLabel(/^PIN/).fill(DEMO_PIN);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(sectionsNav(page)).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('group', { name: 'Operator' })).toContainText(`EDIPI ${CARTER.edipi}`);
  await expect(page.getByRole('group', { name: 'Operator' })).toContainText('policy-author');
});
