import type { Page } from '@playwright/test';
import { expect, saveScreenshot, sectionsNav, test } from './support/console-fixture';

/**
 * An event opens on a summary people can read (who, model, decision and why, cost, policy
 * version, the request's other events) with the bytes, digests and proof one tab away; times are
 * local with UTC on hover, identifiers shortened with the whole value on hover and a copy button.
 */
const grid = (page: Page) => page.getByRole('grid', { name: 'Audit events' });
const select = (page: Page, label: string) => page.getByLabel(label, { exact: true }).and(page.locator('input'));
async function choose(page: Page, label: string, option: string) {
  await select(page, label).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

test('a denied decision reads as who, why and which policy version; its request links to its other events', async ({
  openConsole,
}) => {
  test.setTimeout(240_000);
  const { page, services } = await openConsole({ controlPlane: 'demo', login: 'adams', demoEvents: 600 });
  const admin = services.controlPlane.requireAdminPool();
  await sectionsNav(page).getByRole('link', { name: 'Audit' }).click();
  await page.getByRole('tab', { name: 'Explorer' }).click();
  await choose(page, 'Event type', 'policy.decided');
  await choose(page, 'Decision', 'deny');
  await expect(grid(page).locator('[data-row="0"] [role="gridcell"]').nth(6)).toHaveText('deny');
  const seq = (await grid(page).locator('[data-row="0"] [role="gridcell"]').first().textContent())!.trim();
  const doc = (
    await admin.query<{ doc: { time: string; data: Record<string, unknown> } }>(
      `SELECT e.doc FROM arx.audit_events e JOIN arx.tenants t ON t.id = e.tenant_id
        WHERE t.slug = 'alpha-command' AND e.seq = $1`,
      [seq],
    )
  ).rows[0]!.doc;
  const data = doc.data as { requestId: string; policyVersion: { sha256: string }; determiningPolicies: string[] };

  // The row's time is local, with UTC on hover.
  await expect(grid(page).locator('[data-row="0"] time')).toHaveAttribute('title', / UTC$/);
  await grid(page).locator('[data-row="0"]').click();
  const drawer = page.getByRole('dialog', { name: `Event ${seq}` });
  await expect(drawer.getByRole('tab', { name: 'Summary' })).toHaveAttribute('aria-selected', 'true');
  await expect(drawer.getByTestId('event-headline')).toHaveText(/^The policy denied the request of /);
  const summary = drawer.getByRole('table', { name: 'Event summary' });
  await expect(summary.getByRole('row', { name: /^Decision/ })).toContainText('deny');
  const why = data.determiningPolicies.length === 0 ? 'default deny' : data.determiningPolicies[0]!;
  await expect(summary.getByRole('row', { name: /^Why denied/ })).toContainText(why);
  const version = summary.getByRole('row', { name: /^Policy version/ });
  await expect(version).toContainText(`${data.policyVersion.sha256.slice(0, 8)}…`);
  await expect(version.locator(`[title="${data.policyVersion.sha256}"]`)).toHaveCount(1);
  await expect(summary.getByRole('row', { name: /^When/ }).locator('time')).toHaveAttribute(
    'title',
    `${doc.time.slice(0, 19).replace('T', ' ')} UTC`,
  );
  // The bytes are one tab away, and the checks stay on the summary.
  await expect(drawer.getByRole('table', { name: 'Checks of this event' })).toContainText('Digest');
  await expect(drawer.getByTestId('event-bytes')).toBeHidden();
  await saveScreenshot(page, 'event-summary-denied');

  await version.getByRole('button', { name: 'Copy policy version' }).click();
  await expect(page.getByRole('tooltip')).toHaveText('Copied');
  await drawer.getByRole('tab', { name: 'Stored bytes' }).click();
  await expect(drawer.getByTestId('event-bytes')).toBeVisible();
  await drawer.getByRole('tab', { name: 'Summary' }).click();

  // The request's other events: received, decided (and, for a permit, routed, called, …).
  await drawer.getByRole('button', { name: 'Show every event of this request' }).click();
  await expect(drawer).toBeHidden();
  await expect(page.getByRole('textbox', { name: 'Search', exact: true })).toHaveValue(data.requestId);
  const related = Number(
    (
      await admin.query<{ n: string }>(
        `SELECT count(*) AS n FROM arx.audit_events e JOIN arx.tenants t ON t.id = e.tenant_id
          WHERE t.slug = 'alpha-command' AND e.doc #>> '{data,requestId}' = $1`,
        [data.requestId],
      )
    ).rows[0]!.n,
  );
  expect(related).toBeGreaterThan(1);
  await expect(grid(page).locator('[data-row]')).toHaveCount(related);
  await saveScreenshot(page, 'event-summary-request');
});

test('a recorded cost reads as who was charged how much for which model', async ({ openConsole }) => {
  test.setTimeout(240_000);
  const { page } = await openConsole({ controlPlane: 'demo', login: 'adams', demoEvents: 600 });
  await sectionsNav(page).getByRole('link', { name: 'Audit' }).click();
  await page.getByRole('tab', { name: 'Explorer' }).click();
  await choose(page, 'Event type', 'cost.recorded');
  const row = grid(page).locator('[data-row="0"]');
  await expect(row.getByRole('gridcell').nth(2)).toHaveText('cost.recorded');
  const [user, model, cost] = await Promise.all([3, 5, 8].map((i) => row.getByRole('gridcell').nth(i).textContent()));
  await row.click();
  const summary = page.getByRole('dialog').getByRole('table', { name: 'Event summary' });
  await expect(summary.getByRole('row', { name: /^Who/ })).toContainText(user!.trim());
  await expect(summary.getByRole('row', { name: /^Model/ })).toHaveText(`Model${model!.trim()}`);
  await expect(summary.getByRole('row', { name: /^Cost/ })).toHaveText(`Cost${cost!.trim()}`);
  await expect(page.getByRole('dialog').getByTestId('event-headline')).toContainText(`was charged ${cost!.trim()}`);
  await saveScreenshot(page, 'event-summary-cost');
});
