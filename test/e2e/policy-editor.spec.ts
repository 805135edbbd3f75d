import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { acknowledgeConsent, expect, saveScreenshot, sectionsNav, test } from './support/console-fixture';

/**
 * The Cedar editor of the Policies screen with the stub operator (no control plane, so no
 * lifecycle: the draft is kept in the window). Validation, formatting and tests run in main
 * through window.arx, with the real Cedar.
 */
const editor = (page: Page) => page.getByRole('textbox', { name: /Policy text \(Cedar\)/ });

async function openPolicies(page: Page): Promise<void> {
  await acknowledgeConsent(page);
  await sectionsNav(page).getByRole('link', { name: 'Policies' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Policies' })).toBeVisible();
  await expect(editor(page)).toBeVisible();
  await expect(page.getByTestId('validation-badge')).toHaveText('valid');
  await expect(page.getByTestId('tests-summary')).toHaveText('3 passed, 0 failed, 0 with errors');
}

test.describe('policy editor', () => {
  test('a typo is underlined with Cedar help, fixed, and the tests run again; keyboard only', async ({
    openConsole,
  }) => {
    const { page } = await openConsole();
    await openPolicies(page);
    await editor(page).focus();
    await page.keyboard.press('Control+End');
    await page.keyboard.type(
      '\n// Überprüfung 東京 🚀\n@id("typo")\nforbid (principal, action, resource)\nwhen { context.estimatedCost > 100 };\n',
    );
    const underline = page.locator('.cm-lintRange-error');
    await expect(underline).toHaveText('context.estimatedCost');
    await expect(page.getByTestId('validation-badge')).toHaveText(/^\d+ errors?$/);
    const problems = page.getByTestId('policy-diagnostics');
    await expect(problems).toContainText('estimatedCost');
    await expect(problems).toContainText(/Help: .*estimatedCostCents/);
    await expect(page.getByTestId('tests-summary')).toContainText('not run: fix the validation errors');
    await problems.scrollIntoViewIfNeeded();
    await expect(page.getByRole('button', { name: 'Submit for approval…' })).toBeDisabled();
    await saveScreenshot(page, 'policy-editor-error');

    // The problem list moves the cursor to the range; fix the name there.
    await problems.getByRole('button').first().focus();
    await page.keyboard.press('Enter');
    await expect(editor(page)).toBeFocused();
    await page.keyboard.type('context.estimatedCostCents');
    await expect(page.locator('.cm-lintRange-error')).toHaveCount(0);
    await expect(page.getByTestId('validation-badge')).toHaveText('valid');
    await expect(page.getByTestId('tests-summary')).toHaveText('3 passed, 0 failed, 0 with errors');
    await saveScreenshot(page, 'policy-editor-fixed');
  });

  test('format, insert a template, add a failing test', async ({ openConsole }) => {
    const { page } = await openConsole();
    await openPolicies(page);
    await editor(page).focus();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\n@id("messy")   forbid(principal,action,resource) when {context.tokens>900000};\n');
    await expect(page.getByTestId('validation-badge')).toHaveText('valid');
    await page.getByRole('button', { name: 'Format' }).click();
    await expect(editor(page)).toContainText('forbid (principal, action, resource)');

    await page.getByRole('combobox', { name: 'Insert a template' }).click();
    await page.getByRole('option', { name: 'Cost cap per team' }).click();
    await expect(editor(page)).toContainText('@id("cost.operations-cap")');
    await expect(page.getByTestId('validation-badge')).toHaveText('valid');

    await page.getByRole('button', { name: 'Add test' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a policy test' });
    await dialog.getByLabel('Test name').fill('operations over its cap');
    await dialog.getByRole('combobox', { name: 'User', exact: true }).click();
    await page.getByRole('option', { name: 'bob' }).click();
    await dialog.getByLabel('Estimated cost (cents)').fill('900');
    await dialog.getByRole('button', { name: 'Add test' }).click();
    await expect(dialog).toHaveCount(0);
    // Expected permit, but the inserted cap denies it.
    await expect(page.getByTestId('tests-summary')).toHaveText('3 passed, 1 failed, 0 with errors');
    await expect(page.getByTestId('policy-test-row').last()).toContainText('expected permit, got deny');
    await expect(page.getByTestId('submit-blockers')).toContainText('1 test not passing');
    await saveScreenshot(page, 'policy-editor-template-test');
    const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    expect(
      axe.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    ).toEqual([]);
  });

  test('the draft survives the lock screen replacing the console', async ({ openConsole }) => {
    const { page } = await openConsole();
    await openPolicies(page);
    await editor(page).focus();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\n// kept across the lock: Σ 東京\n');
    await page.getByRole('button', { name: 'Lock' }).click();
    await expect(page.getByRole('heading', { name: /Console locked/ })).toBeVisible();
    await expect(editor(page)).toHaveCount(0);
    await expect(page.locator('body')).not.toContainText('kept across the lock');
    await page.getByLabel('PIN').fill('123456');
    await page.getByRole('button', { name: 'Unlock' }).click();
    // CodeMirror renders only the lines in view: go to the end of the text first.
    await editor(page).focus();
    await page.keyboard.press('Control+End');
    await expect(editor(page)).toContainText('// kept across the lock: Σ 東京');
    await expect(page.getByTestId('draft-save-state')).toBeVisible();
    await saveScreenshot(page, 'policy-editor-after-unlock');
  });
});
