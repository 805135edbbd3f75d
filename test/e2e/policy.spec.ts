import type { Page } from '@playwright/test';
import { expect, saveScreenshot, sectionsNav, test } from './support/console-fixture';
import { DEMO_OPERATORS, DEMO_PIN, switchOperator } from './support/demo-console';

/**
 * Policy authoring and the two-person lifecycle end to end, on the demo control plane with real SoftHSM2 cards and main's real operator
 * login: ADAMS (policy-author) authors a policy, sees a validation error underlined, fixes it,
 * runs its tests and submits it with his card; BAKER (approver) approves it with hers and
 * publishes it. Screenshots of each step in test-results/screenshots/policy-e2e-*.png.
 */
const editor = (page: Page) => page.getByRole('textbox', { name: /Policy text \(Cedar\)/ });
const versionRows = (page: Page) => page.getByTestId('policy-version-row');

test('author, validate, test, submit with the author card, approve with a second card, publish', async ({
  openConsole,
}) => {
  test.setTimeout(300_000);
  const { page } = await openConsole({ controlPlane: 'demo', login: 'adams' });
  await sectionsNav(page).getByRole('link', { name: 'Policies' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Policies' })).toBeVisible();
  await expect(page.getByRole('combobox', { name: 'Tenant' })).toHaveValue('alpha-command');
  await expect(editor(page)).toBeVisible();
  await expect(page.getByTestId('validation-badge')).toHaveText('valid', { timeout: 30_000 });
  await expect(page.getByTestId('draft-save-state')).toHaveText('Started from the active version (unchanged)');

  // 1. Author: a new rule with a typo in an attribute name.
  await editor(page).focus();
  await page.keyboard.press('Control+End');
  await page.keyboard.type(
    '\n// Operations: $3.00 cap per request (Büro-Entscheidung)\n@id("cost.operations-tight")\nforbid (principal, action, resource)\nwhen { context.billingTeam == Arx::Team::"operations" && context.estimatedCost > 300 };\n',
  );
  const underline = page.locator('.cm-lintRange-error');
  await expect(underline).toHaveText('context.estimatedCost');
  await expect(page.getByTestId('policy-diagnostics')).toContainText(/Help: .*estimatedCostCents/);
  await expect(page.getByRole('button', { name: 'Submit for approval…' })).toBeDisabled();
  // The problem list sits below the editor: scrolled to it, the underlined last line shows too.
  await page.getByTestId('policy-diagnostics').scrollIntoViewIfNeeded();
  await saveScreenshot(page, 'policy-e2e-1-error-underlined');

  // 2. Fix it from the problem list; validation and the tests run again.
  await page.getByTestId('policy-diagnostics').getByRole('button').first().click();
  await page.keyboard.type('context.estimatedCostCents');
  await expect(page.locator('.cm-lintRange-error')).toHaveCount(0);
  await expect(page.getByTestId('validation-badge')).toHaveText('valid');

  // 3. Tests for the new rule, added in the tests panel: a wrong expectation first (bob at $1.50 is
  // below the new cap, so it is permitted), which fails and blocks submission; then the right one.
  const addTest = async (name: string, cents: string) => {
    await page.getByRole('button', { name: 'Add test' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a policy test' });
    await dialog.getByLabel('Test name').fill(name);
    await dialog.getByRole('combobox', { name: 'User', exact: true }).click();
    await page.getByRole('option', { name: 'bob' }).click();
    await dialog.getByLabel('Estimated cost (cents)').fill(cents);
    await dialog.getByText('Deny', { exact: true }).click();
    await dialog.getByRole('button', { name: 'Add test' }).click();
    await expect(dialog).toHaveCount(0);
  };
  await addTest('operations at $1.50 is refused (wrong)', '150');
  await expect(page.getByTestId('tests-summary')).toContainText('1 failed');
  await expect(page.getByTestId('policy-test-row').last()).toContainText('expected deny, got permit');
  await expect(page.getByTestId('submit-blockers')).toContainText('1 test not passing');
  await page.getByRole('button', { name: 'Remove test operations at $1.50 is refused (wrong)' }).click();
  await addTest('operations above $3.00 is refused', '400');
  await expect(page.getByTestId('tests-summary')).toContainText('0 failed, 0 with errors');
  await expect(page.getByTestId('submit-blockers')).toContainText('Ready to submit');
  await expect(page.getByTestId('draft-save-state')).toContainText('Draft saved');
  await saveScreenshot(page, 'policy-e2e-2-fixed-tests-pass');

  // 4. Submit: the author signs the version digest with his card.
  await page.getByRole('button', { name: 'Submit for approval…' }).click();
  const sign = page.getByRole('dialog', { name: 'Sign and submit the policy version' });
  await expect(sign).toBeVisible();
  const statement = sign.getByRole('table', { name: 'What is signed' });
  await expect(statement).toContainText(/Policy version [0-9a-f]{64} of gateway \(author\)/);
  const sha256 = /Policy version ([0-9a-f]{64})/.exec(await statement.innerText())![1]!;
  await saveScreenshot(page, 'policy-e2e-3-author-signs');
  await sign.getByLabel('Card PIN').fill(DEMO_PIN);
  await sign.getByRole('button', { name: 'Sign with card' }).click();
  await expect(sign).toHaveCount(0, { timeout: 30_000 });
  await expect(page.getByRole('tab', { name: 'History and approvals' })).toHaveAttribute('aria-selected', 'true');
  // The step ends with a confirmation saying where the result is.
  await expect(page.getByTestId('action-outcome')).toContainText(
    `Submitted version ${sha256.slice(0, 12)} for approval`,
  );
  await expect(page.getByTestId('action-outcome')).toContainText('History and approvals');
  const mine = versionRows(page).and(page.locator(`[data-sha256="${sha256}"]`));
  await expect(mine).toContainText('submitted');
  await expect(mine).toContainText(DEMO_OPERATORS.adams.displayName);
  await saveScreenshot(page, 'policy-e2e-4-submitted');

  // 5. The approver, with her own card.
  await switchOperator(page, 'baker');
  await page.getByRole('tab', { name: 'History and approvals' }).click();
  const row = versionRows(page).and(page.locator(`[data-sha256="${sha256}"]`));
  await expect(row).toContainText('submitted');
  // What she approves: the diff from the active version names the added rule by its @id.
  await expect(page.getByTestId('diff-summary')).toContainText('added cost.operations-tight');
  await expect(page.getByRole('region', { name: 'Text diff' })).toContainText('+ @id("cost.operations-tight")');
  await saveScreenshot(page, 'policy-e2e-5a-approver-reviews-diff');
  await row.getByRole('button', { name: 'Approve…' }).click();
  const approve = page.getByRole('dialog', { name: 'Sign and approve the policy version' });
  await expect(approve).toBeVisible();
  await expect(approve.getByRole('table', { name: 'What is signed' })).toContainText(
    `Approval of policy version ${sha256} of gateway`,
  );
  // The dialog shows the diff it asks her to review, against the active version.
  const review = approve.getByRole('region', { name: 'What will change' });
  await expect(review.getByTestId('diff-summary')).toContainText('added cost.operations-tight');
  await expect(review.getByRole('region', { name: 'Text diff' })).toContainText('+ @id("cost.operations-tight")');
  await expect(review).toContainText('Changes against the active version');
  await saveScreenshot(page, 'policy-e2e-5b-approve-dialog-diff');
  await approve.getByLabel('Card PIN').fill(DEMO_PIN);
  await approve.getByRole('button', { name: 'Sign with card' }).click();
  await expect(approve).toHaveCount(0, { timeout: 30_000 });
  await expect(row).toContainText('approved');
  await expect(row).toContainText('verified');
  await expect(page.getByTestId('action-outcome')).toContainText('can now be published');
  await saveScreenshot(page, 'policy-e2e-5-approved');

  // 6. Publish, signed with her card: it becomes the tenant's active version.
  await row.getByRole('button', { name: 'Publish…' }).click();
  const publish = page.getByRole('dialog', { name: 'Sign and publish the policy version' });
  await expect(publish.getByRole('table', { name: 'What is signed' })).toContainText(
    `Publication of gateway version ${sha256}`,
  );
  // What changes, where, and the effect; the card signs only after the officer confirms it.
  const number = await versionRows(page).count();
  const effect = `Every gateway of tenant alpha-command will enforce version ${number} (${sha256.slice(0, 12)})`;
  await expect(publish.getByTestId('change-effect')).toContainText(effect);
  await expect(publish.getByTestId('diff-summary')).toContainText('added cost.operations-tight');
  await publish.getByLabel('Card PIN').fill(DEMO_PIN);
  const sign6 = publish.getByRole('button', { name: 'Sign with card' });
  await expect(sign6).toBeDisabled();
  await publish.getByRole('checkbox', { name: /I understand that every gateway of tenant alpha-command/ }).check();
  await expect(sign6).toBeEnabled();
  await saveScreenshot(page, 'policy-e2e-6a-publish-dialog');
  await sign6.click();
  await expect(publish).toHaveCount(0, { timeout: 30_000 });
  await expect(row).toContainText('published');
  await expect(row).toContainText('active');
  const outcome = page.getByTestId('action-outcome');
  await expect(outcome).toContainText(`Every gateway of tenant alpha-command now enforces version ${number}`);
  await expect(outcome.getByRole('button', { name: 'Open in the audit explorer' })).toBeVisible();
  await expect(page.getByText(`active version ${sha256.slice(0, 12)}`)).toBeVisible();
  await saveScreenshot(page, 'policy-e2e-6-published');

  // Where to see it: the publication event, in the audit explorer of the same tenant.
  await outcome.getByRole('button', { name: 'Open in the audit explorer' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Audit' })).toBeVisible();
  await expect(page.getByRole('tab', { name: 'Explorer' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('combobox', { name: 'Event type' })).toHaveValue('policy.published');
  await expect(page.getByRole('grid', { name: 'Audit events' }).getByText('policy.published').first()).toBeVisible({
    timeout: 30_000,
  });
  await saveScreenshot(page, 'policy-e2e-7-publication-in-explorer');
});
