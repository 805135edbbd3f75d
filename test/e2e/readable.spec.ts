import type { Locator } from '@playwright/test';
import { expect, saveScreenshot, sectionsNav, test } from './support/console-fixture';
import { DEMO_PIN } from './support/demo-console';

/**
 * Evidence people can read: real counts (the explorer says how many of the tenant's events a page
 * is, counted in the database), relative times with the UTC time on hover, plurals that agree.
 */
test('the explorer states real counts; Home writes relative times with UTC on hover', async ({ openConsole }) => {
  test.setTimeout(240_000);
  const { page, services } = await openConsole({ controlPlane: 'demo', login: 'adams', demoEvents: 500 });
  const admin = services.controlPlane.requireAdminPool();
  const count = async () =>
    Number(
      (
        await admin.query<{ n: string }>(
          `SELECT count(*) AS n FROM arx.audit_events e JOIN arx.tenants t ON t.id = e.tenant_id WHERE t.slug = 'alpha-command'`,
        )
      ).rows[0]!.n,
    );

  const newest = page.getByRole('table', { name: 'Chain health' }).locator('tr[data-tenant="alpha-command"] td').nth(2);
  await expect(newest).toHaveText(/ago|now/);
  await expect(newest.locator('[title$=" UTC"]')).toHaveCount(1);

  await sectionsNav(page).getByRole('link', { name: 'Audit' }).click();
  await page.getByRole('tab', { name: 'Explorer' }).click();
  const status = page
    .getByRole('status')
    .filter({ hasText: /\bevents?\b/ })
    .first();
  await expect(status).toContainText(`200 of ${(await count()).toLocaleString('en-US')} events shown`);
  // A filter matching more than a page: how many match, counted (exact below 10,000).
  await page.getByLabel('From (UTC)').fill('2000-01-01T00:00:00Z');
  await page.getByLabel('From (UTC)').press('Enter');
  await expect(status).toContainText(/^200 of [\d,]+ matching events shown/);
  const matched = Number(/of ([\d,]+) matching/.exec((await status.textContent()) ?? '')![1]!.replace(/,/g, ''));
  expect(matched).toBeGreaterThan(500);
  expect(matched).toBeLessThanOrEqual(await count());
  await saveScreenshot(page, 'readable-explorer-match-count');
  await page.getByLabel('From (UTC)').fill('');
  await page.getByLabel('From (UTC)').press('Enter');
  await page.getByLabel('Decision', { exact: true }).and(page.locator('input')).click();
  await page.getByRole('option', { name: 'deny', exact: true }).click();
  await expect(status).toContainText(/^\d+ matching events?( ·|$)/);
  await expect(page.locator('body')).not.toContainText(/\b1 (events|checkpoints|warnings)\b|\(s\)/);
  await saveScreenshot(page, 'readable-explorer-counts');
});

/** True when the element's top edge is inside the window (it was brought into view). */
const topInView = (loc: Locator) =>
  loc.evaluate((el) => {
    const top = el.getBoundingClientRect().top;
    return top >= 0 && top < window.innerHeight;
  });

test('evidence names signers by CN and ids short with copy buttons; results below the form scroll into view', async ({
  openConsole,
}) => {
  test.setTimeout(240_000);
  const { page } = await openConsole({ controlPlane: 'demo', login: 'adams' });
  await page.setViewportSize({ width: 1280, height: 720 });
  const nav = (name: string) => sectionsNav(page).getByRole('link', { name, exact: true }).click();

  // Audit → Verify chain: the result comes into view.
  await nav('Audit');
  await page.getByRole('tab', { name: 'Verify chain' }).click();
  await page.getByRole('button', { name: 'Verify chain' }).click();
  const verdict = page.locator('[data-verdict="intact"]').first();
  await expect(verdict).toBeVisible({ timeout: 60_000 });
  await expect.poll(() => topInView(verdict)).toBe(true);

  // Bundles: export the default range (it ends at the newest checkpoint), open it: the report scrolls into view.
  await nav('Bundles');
  await page.getByRole('region', { name: 'Export a bundle' }).getByRole('button', { name: 'Export and sign…' }).click();
  const sign = page.getByRole('dialog', { name: 'Sign the evidence bundle' });
  await sign.getByLabel('Card PIN').fill(DEMO_PIN);
  await sign.getByRole('button', { name: 'Sign with card' }).click();
  await expect(sign).toBeHidden({ timeout: 60_000 });
  await page.getByLabel(/Allow unpinned gateway keys/).check();
  await page
    .getByRole('button', { name: /^Open .*\.arxbundle$/ })
    .first()
    .click();
  const report = page.getByTestId('bundle-verdict');
  await expect(report).toHaveAttribute('data-verdict', 'verified', { timeout: 60_000 });
  await expect.poll(() => topInView(report)).toBe(true);
  await expect(report).toContainText('Signed by ADAMS.ALICE.ANN.1000000001 on');
  await expect(report).not.toContainText('CN=');
  await expect(report.locator('[title*="CN=ADAMS.ALICE.ANN.1000000001"]')).toHaveCount(1);
  await saveScreenshot(page, 'readable-bundle-report');

  await page.getByRole('tab', { name: /^Policies/ }).click();
  await expect(page.getByRole('button', { name: 'Copy the policy version (SHA-256)' }).first()).toBeVisible();
  await expect(page.getByRole('tabpanel')).not.toContainText(/[0-9a-f]{40}/);
  await page.getByRole('tab', { name: /^Certificates/ }).click();
  const certs = page.getByRole('table', { name: 'Certificates in the bundle' });
  await expect(certs).toContainText('ARX TEST ROOT CA 1');
  await expect(certs).not.toContainText('CN=');
  await expect(page.getByRole('tabpanel')).not.toContainText(/[0-9a-f]{40}|\d{4}-\d\d-\d\dT\d\d:/);
  await saveScreenshot(page, 'readable-bundle-certificates');

  // Settings: what the cache holds, in words, not its JSON keys.
  await nav('Settings');
  const cached = page.getByRole('table', { name: 'Cached evidence' });
  await expect(cached).toContainText('Your list of tenants');
  await expect(cached).toContainText('Chain verification of alpha-command, all events');
  await expect(cached).toContainText(/Bundle report, UNCLASSIFIED-alpha-command-0-\d+-\d+T\d+Z\.arxbundle/);
  await expect(cached).toContainText(/Policy version [0-9a-f]{8}… of alpha-command/);
  await expect(cached).not.toContainText('{"q"');
  await cached.scrollIntoViewIfNeeded();
  await saveScreenshot(page, 'readable-cache-contents');
});

/**
 * The match count runs after the page, never before it: with the count held back in main, the
 * first filtered page is on screen and says "counting…"; the count replaces it when released.
 */
test('a filtered first page does not wait for its match count', async ({ openConsole }) => {
  test.setTimeout(240_000);
  let release: () => void = () => {};
  const held = new Promise<void>((r) => (release = r));
  const order: string[] = [];
  const { page } = await openConsole({
    controlPlane: 'demo',
    login: 'adams',
    demoEvents: 500,
    wrapServices: (s) => ({
      ...s,
      registry: {
        invoke: (async (name: string, req: unknown, ctx: Parameters<typeof s.registry.invoke>[2]) => {
          if (name === 'explorer.matchCount') {
            order.push('count asked');
            await held;
          }
          const r = await s.registry.invoke(name, req, ctx);
          if (name === 'explorer.query') order.push('page answered');
          if (name === 'explorer.matchCount') order.push('count answered');
          return r;
        }) as typeof s.registry.invoke,
      },
    }),
  });
  await sectionsNav(page).getByRole('link', { name: 'Audit' }).click();
  await page.getByRole('tab', { name: 'Explorer' }).click();
  const status = page
    .getByRole('status')
    .filter({ hasText: /\bevents?\b/ })
    .first();
  await expect(status).toContainText(/of [\d,]+ events shown/);
  order.length = 0;
  await page.getByLabel('From (UTC)').fill('2000-01-01T00:00:00Z');
  await page.getByLabel('From (UTC)').press('Enter');
  // The page is shown while its count is still held in main.
  await expect(status).toContainText('200 matching events shown, counting how many match…');
  await expect(page.getByRole('grid', { name: 'Audit events' }).locator('[data-row]').first()).toBeVisible();
  expect(order).toEqual(['page answered', 'count asked']);
  await saveScreenshot(page, 'readable-explorer-counting');
  release();
  await expect(status).toContainText(/^200 of [\d,]+ matching events shown/);
  expect(order).toEqual(['page answered', 'count asked', 'count answered']);
});
