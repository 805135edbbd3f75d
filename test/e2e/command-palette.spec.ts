import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, saveScreenshot, test } from './support/console-fixture';

/**
 * The command palette, keyboard only: Ctrl+K from anywhere goes to a screen or tab, switches the
 * tenant, opens an event by seq or finds one by id; axe finds nothing serious with it open.
 */
const palette = (page: Page) => page.getByRole('dialog', { name: 'Go to…' });
const input = (page: Page) => palette(page).getByRole('combobox');
async function go(page: Page, query: string) {
  await page.keyboard.press('Control+k');
  await expect(input(page)).toBeFocused();
  await page.keyboard.type(query);
  await page.keyboard.press('Enter');
  await expect(palette(page)).toBeHidden();
}

test('Ctrl+K jumps to screens, tabs, tenants and events without a mouse', async ({ openConsole }) => {
  test.setTimeout(300_000);
  const { page, services } = await openConsole({ controlPlane: 'demo', login: 'adams', demoEvents: 300 });
  const admin = services.controlPlane.requireAdminPool();

  await page.keyboard.press('Control+k');
  await expect(input(page)).toBeFocused();
  await expect(palette(page).getByRole('option')).not.toHaveCount(0);
  const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
  await page.keyboard.type('bund');
  await expect(palette(page).getByRole('option', { selected: true })).toContainText('Go to Bundles');
  await saveScreenshot(page, 'command-palette');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Bundles' })).toBeVisible();

  // A tab of a screen, also when that screen is already shown.
  await go(page, 'audit dashboards');
  await expect(page.getByRole('tab', { name: 'Dashboards' })).toHaveAttribute('aria-selected', 'true');
  await go(page, 'audit explorer');
  await expect(page.getByRole('tab', { name: 'Explorer' })).toHaveAttribute('aria-selected', 'true');

  // An event by seq opens on its summary, in the header's tenant.
  await go(page, '#12');
  await expect(page.getByRole('dialog', { name: 'Event 12' })).toBeVisible();
  await expect(page.getByRole('dialog', { name: 'Event 12' }).getByTestId('event-headline')).not.toBeEmpty();
  await page.keyboard.press('Escape');

  // An event by its id: the explorer searches for it.
  const id = (
    await admin.query<{ event_id: string }>(
      `SELECT e.event_id FROM arx.audit_events e JOIN arx.tenants t ON t.id = e.tenant_id
        WHERE t.slug = 'alpha-command' AND e.seq = 40`,
    )
  ).rows[0]!.event_id;
  await go(page, id);
  await expect(page.getByRole('textbox', { name: 'Search', exact: true })).toHaveValue(id);
  await expect(page.getByRole('grid', { name: 'Audit events' }).locator('[data-row]')).toHaveCount(1);
  await saveScreenshot(page, 'command-palette-event-by-id');

  // Another tenant: arrows to it, Enter.
  await page.keyboard.press('Control+k');
  await page.keyboard.type('switch tenant');
  const options = palette(page).getByRole('option');
  await expect(options).not.toHaveCount(0);
  // Only tenant entries: screens such as Administration also match the words "tenant".
  const other = options.filter({ hasText: 'Switch tenant to ' }).filter({ hasNotText: 'The current tenant' }).first();
  const name = ((await other.locator('p').first().textContent()) ?? '').replace('Switch tenant to ', '');
  while (!(await other.getAttribute('aria-selected'))?.includes('true')) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await expect(page.getByLabel('Tenant', { exact: true }).and(page.locator('input'))).toHaveValue(name);
  await saveScreenshot(page, 'command-palette-tenant');
});
