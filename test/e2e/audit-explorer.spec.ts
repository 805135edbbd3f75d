import type { Page } from '@playwright/test';
import { chainLink, eventDigest, nobleBlake3 } from '../../shared/chain';
import { tamperAsOwner } from '../support/tamper';
import { expect, saveScreenshot, sectionsNav, test } from './support/console-fixture';

/**
 * The event explorer and the dashboards on the demo control plane
 * (embedded PostgreSQL, simulated traffic, real card login): what the table shows is checked
 * against the database, the detail's checks are recomputed in the renderer, and rows changed
 * behind the console's back are shown as such.
 */
const EVENTS = 2000;

async function openAudit(page: Page, tab: 'Explorer' | 'Dashboards') {
  await sectionsNav(page).getByRole('link', { name: 'Audit' }).click();
  await page.getByRole('tab', { name: tab }).click();
}
const grid = (page: Page) => page.getByRole('grid', { name: 'Audit events' });
/** Body rows currently rendered (the grid is virtualized: only those in view). */
const bodyRows = (page: Page) => grid(page).locator('[data-row]');
const cellsOf = async (page: Page, col: number, n = 8) => {
  const out: string[] = [];
  const rows = bodyRows(page);
  const count = Math.min(n, await rows.count());
  for (let i = 0; i < count; i++)
    out.push(((await rows.nth(i).getByRole('gridcell').nth(col).textContent()) ?? '').trim());
  return out;
};
/** A Mantine Select's input, by its label. */
const select = (page: Page, label: string) => page.getByLabel(label, { exact: true }).and(page.locator('input'));
async function choose(page: Page, label: string, option: string) {
  await select(page, label).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

test.describe('audit event explorer (demo control plane, real database)', () => {
  test('filters and sorts on the server, opens an event with the keyboard, and every check passes', async ({
    openConsole,
  }) => {
    const { page, services } = await openConsole({ controlPlane: 'demo', login: 'adams', demoEvents: EVENTS });
    const admin = services.controlPlane.requireAdminPool();
    const tenant = (await admin.query<{ id: string }>(`SELECT id FROM arx.tenants WHERE slug = 'alpha-command'`))
      .rows[0]!.id;
    const newest = async (where: string, order = 'time DESC, seq DESC') =>
      (
        await admin.query<{ seq: string }>(
          `SELECT seq FROM arx.audit_events WHERE tenant_id = $1 ${where} ORDER BY ${order} LIMIT 8`,
          [tenant],
        )
      ).rows.map((r) => r.seq);

    await openAudit(page, 'Explorer');
    await expect(select(page, 'Tenant')).toHaveValue(/alpha/i);
    await expect(bodyRows(page).first()).toBeVisible();
    expect(await cellsOf(page, 0)).toEqual(await newest(''));
    await expect(page.getByRole('status').filter({ hasText: 'first page in' })).toBeVisible();

    await choose(page, 'Event type', 'policy.decided');
    await expect.poll(() => cellsOf(page, 0)).toEqual(await newest(`AND type = 'com.arx.policy.decided'`));
    await choose(page, 'Decision', 'deny');
    const denied = await newest(`AND doc #>> '{data,decision}' = 'deny'`);
    expect(denied.length).toBeGreaterThan(0);
    await expect.poll(() => cellsOf(page, 0)).toEqual(denied);
    expect(new Set(await cellsOf(page, 6))).toEqual(new Set(['deny']));
    await saveScreenshot(page, 'audit-explorer-denials');

    await page.getByRole('button', { name: 'Clear filters' }).click();
    await grid(page).getByRole('button', { name: /^Cost/ }).click();
    const costly = await newest(
      `AND doc #>> '{data,costCents}' IS NOT NULL`,
      `(doc #>> '{data,costCents}')::int DESC, seq DESC`,
    );
    await expect.poll(() => cellsOf(page, 0)).toEqual(costly);
    await expect(grid(page).getByRole('columnheader', { name: /Cost/ })).toHaveAttribute('aria-sort', 'descending');

    // Keyboard: into the grid, down one row, Enter opens it.
    const second = (await cellsOf(page, 0, 2))[1]!;
    await bodyRows(page).first().focus();
    await page.keyboard.press('ArrowDown');
    // Focus moves on the next frame (after the virtualizer scrolled the row into view).
    await expect(grid(page).locator('[data-row="1"]')).toBeFocused();
    await page.keyboard.press('Enter');
    const drawer = page.getByRole('dialog', { name: `Event ${second}` });
    await expect(drawer).toBeVisible();
    const checks = drawer.getByRole('table', { name: 'Checks of this event' });
    await expect(checks).toContainText('Digest (BLAKE3 of the stored bytes): verified');
    await expect(checks).toContainText('Chain link (from the previous event): verified');
    await expect(checks).toContainText('Inclusion proof (to the signed checkpoint): verified');
    await expect(checks).toContainText('jsonb copy agrees with the bytes: verified');
    const stored = (
      await admin.query<{ bytes: Buffer }>('SELECT bytes FROM arx.audit_events WHERE tenant_id = $1 AND seq = $2', [
        tenant,
        second,
      ])
    ).rows[0]!.bytes;
    await expect(drawer.getByTestId('event-bytes')).toHaveText(stored.toString('utf8'));
    await saveScreenshot(page, 'audit-explorer-detail');
    await drawer.getByRole('tab', { name: 'Inclusion proof' }).click();
    await expect(drawer.getByTestId('event-proof')).toContainText('c2sp.org/tlog-proof@v1');
    await expect(drawer.getByTestId('event-proof')).toContainText(`index ${second}`);
    await saveScreenshot(page, 'audit-explorer-proof');
    await page.keyboard.press('Escape');
    await expect(drawer).toBeHidden();
  });

  test('a jsonb copy changed behind the chain, and a re-forged row whose proof no longer verifies, are shown as such', async ({
    openConsole,
  }) => {
    const { page, services } = await openConsole({ controlPlane: 'demo', login: 'adams', demoEvents: EVENTS });
    const admin = services.controlPlane.requireAdminPool();
    const tenant = (await admin.query<{ id: string }>(`SELECT id FROM arx.tenants WHERE slug = 'alpha-command'`))
      .rows[0]!.id;
    const row = async (type: string, offset: number) =>
      (
        await admin.query<{ seq: string; event_id: string; bytes: Buffer }>(
          `SELECT seq, event_id, bytes FROM arx.audit_events WHERE tenant_id = $1 AND type = $2 ORDER BY seq OFFSET $3 LIMIT 1`,
          [tenant, type, offset],
        )
      ).rows[0]!;
    const tamper = (sql: string, params: unknown[]) => tamperAsOwner(admin, sql, params);
    // A DBA lowers a recorded cost in the jsonb copy only.
    const cost = await row('com.arx.cost.recorded', 3);
    await tamper(
      `UPDATE arx.audit_events SET doc = jsonb_set(doc, '{data,costCents}', '0') WHERE tenant_id = $1 AND seq = $2`,
      [tenant, cost.seq],
    );
    await openAudit(page, 'Explorer');
    const search = page.getByRole('textbox', { name: 'Search', exact: true });
    await search.fill(cost.event_id);
    await search.press('Enter');
    await expect.poll(() => cellsOf(page, 0)).toEqual([cost.seq]);
    await bodyRows(page).first().click();
    let drawer = page.getByRole('dialog', { name: `Event ${cost.seq}` });
    await expect(
      drawer.getByRole('alert').or(drawer.getByText('The jsonb copy disagrees with the stored bytes')).first(),
    ).toBeVisible();
    const checks = drawer.getByRole('table', { name: 'Checks of this event' });
    await expect(checks).toContainText('jsonb copy agrees with the bytes: failed');
    await expect(checks).toContainText('JSONB_DISAGREES');
    await expect(checks).toContainText('data.costCents');
    await expect(checks).toContainText('Digest (BLAKE3 of the stored bytes): verified');
    await expect(checks).toContainText('Inclusion proof (to the signed checkpoint): verified');
    await saveScreenshot(page, 'audit-explorer-jsonb-disagrees');
    await page.keyboard.press('Escape');

    // Then a decision rewritten consistently: new bytes, digest and chain hash (the next row's link breaks, and the signed root no longer matches).
    const decided = await row('com.arx.policy.decided', 2);
    const text = decided.bytes.toString('utf8');
    const bytes = Buffer.from(
      text.includes('"decision":"deny"')
        ? text.replace('"decision":"deny"', '"decision":"permit"')
        : text.replace('"decision":"permit"', '"decision":"deny"'),
    );
    const prev = (
      await admin.query<{ chain_hash: Buffer }>(
        'SELECT chain_hash FROM arx.audit_events WHERE tenant_id = $1 AND seq = $2',
        [tenant, Number(decided.seq) - 1],
      )
    ).rows[0]!.chain_hash;
    const d = eventDigest(nobleBlake3, bytes);
    const h = chainLink(nobleBlake3, Number(decided.seq), prev, d);
    expect(bytes.equals(decided.bytes)).toBe(false);
    await tamper(
      `UPDATE arx.audit_events SET bytes = $3, doc = convert_from($3, 'UTF8')::jsonb, event_digest = $4, chain_hash = $5 WHERE tenant_id = $1 AND seq = $2`,
      [tenant, decided.seq, bytes, Buffer.from(d), Buffer.from(h)],
    );

    await search.fill(decided.event_id);
    await search.press('Enter');
    await expect.poll(() => cellsOf(page, 0)).toEqual([decided.seq]);
    await bodyRows(page).first().click();
    drawer = page.getByRole('dialog', { name: `Event ${decided.seq}` });
    const forged = drawer.getByRole('table', { name: 'Checks of this event' });
    await expect(forged).toContainText('Inclusion proof (to the signed checkpoint): failed');
    await expect(forged).toContainText('TLOG_PROOF_INVALID');
    await expect(forged).toContainText('Digest (BLAKE3 of the stored bytes): verified');
    await expect(forged).toContainText('Chain link (from the previous event): verified');
    await saveScreenshot(page, 'audit-explorer-forged-proof');
  });

  test('dashboards: a click on a denial reason opens the explorer filtered to it', async ({ openConsole }) => {
    const { page, services } = await openConsole({ controlPlane: 'demo', login: 'adams', demoEvents: EVENTS });
    const admin = services.controlPlane.requireAdminPool();
    const tenant = (await admin.query<{ id: string }>(`SELECT id FROM arx.tenants WHERE slug = 'alpha-command'`))
      .rows[0]!.id;
    await openAudit(page, 'Dashboards');
    await expect(page.getByRole('heading', { name: 'Events over time' })).toBeVisible({ timeout: 20_000 });
    await expect(page.getByRole('heading', { name: 'Cost by team and provider' })).toBeVisible();
    await expect(page.locator('.recharts-surface').first()).toBeVisible();
    await saveScreenshot(page, 'audit-dashboards');
    await page.getByRole('heading', { name: 'Cost outliers' }).scrollIntoViewIfNeeded();
    await saveScreenshot(page, 'audit-dashboards-outliers');

    const top = (
      await admin.query<{ reason: string; n: string }>(
        `SELECT x_reason AS reason, count(*) AS n FROM arx.audit_events WHERE tenant_id = $1 AND x_reason IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1`,
        [tenant],
      )
    ).rows[0]!;
    const button = page.getByRole('group', { name: 'Open denials in the explorer' }).getByRole('button').first();
    await expect(button).toHaveAccessibleName(new RegExp(`: ${top.n} denials?$`));
    await button.focus();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('tab', { name: 'Explorer' })).toHaveAttribute('aria-selected', 'true');
    await expect(select(page, 'Decision')).toHaveValue('deny');
    const want = (
      await admin.query<{ seq: string }>(
        `SELECT seq FROM arx.audit_events WHERE tenant_id = $1 AND type = 'com.arx.policy.decided' AND x_reason = $2 ORDER BY time DESC, seq DESC LIMIT 8`,
        [tenant, top.reason],
      )
    ).rows.map((r) => r.seq);
    await expect.poll(() => cellsOf(page, 0)).toEqual(want);
    await saveScreenshot(page, 'audit-dashboards-to-explorer');
  });
});
