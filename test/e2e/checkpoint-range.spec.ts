import type { Page } from '@playwright/test';
import type { ConsoleServices } from '../../electron/main/composition/console-services';
import { operatorIdByEdipi, grantRoles } from '../../electron/main/controlplane/repos/operators';
import { allTenants } from '../../electron/main/controlplane/repos/tenants';
import { createTenant } from '../../electron/main/controlplane/tenants';
import { loadBlake3 } from '../../electron/main/crypto/blake3';
import { embeddedGateway } from '../../electron/main/simulator/embedded-gateway';
import { simulate } from '../../electron/main/simulator/simulate';
import { expect, saveScreenshot, sectionsNav, test } from './support/console-fixture';
import { DEMO_PIN } from './support/demo-console';

/**
 * No dead ends: the ranges the console offers for a fidelity certificate and for a bundle end at
 * the newest signed checkpoint by default and say so; a range no checkpoint covers is refused (or,
 * for a review, flagged) before the PIN, with the reason — also in a tenant with no checkpoint yet.
 */
/** The cover note of a chain with no checkpoint (its own events: the grant and the login). */
const NO_CHECKPOINT = /No signed checkpoint( covers it| covers any of them)? yet\./;
const fmt = (x: number) => x.toLocaleString('en-US');

/** A tenant where ADAMS is ISSO and whose chain has no signed checkpoint covering an event. */
async function addTenantWithoutCheckpoint(services: ConsoleServices): Promise<void> {
  const admin = services.controlPlane.requireAdminPool();
  const tenant = await createTenant(admin, 'charlie-new', 'Charlie (new)');
  await grantRoles(admin, tenant.id, (await operatorIdByEdipi(admin, '1000000001'))!, ['isso']);
}

/** True when a signed checkpoint of alpha-command covers exactly seq 0 … last. */
async function isCheckpointEnd(services: ConsoleServices, last: number): Promise<boolean> {
  const r = await services.controlPlane
    .requireAdminPool()
    .query(
      `SELECT 1 FROM arx.checkpoints c JOIN arx.tenants t ON t.id = c.tenant_id WHERE t.slug = 'alpha-command' AND c.tree_size = $1`,
      [last + 1],
    );
  return r.rowCount === 1;
}

/** The seq the cover note names as the newest checkpoint's last event. */
async function coveredSeq(page: Page, where: ReturnType<Page['locator']>): Promise<number> {
  const note = where.getByTestId('checkpoint-cover');
  await expect(note).toContainText('ends by default at the newest signed checkpoint (seq ');
  const m = /newest signed checkpoint \(seq ([\d,]+), issued ([^)]+)\)/.exec((await note.textContent()) ?? '');
  expect(m, 'the note names the seq and when the checkpoint was issued').not.toBeNull();
  expect(m![2]).toMatch(/ago|now/);
  return Number(m![1]!.replace(/,/g, ''));
}

async function chooseTenant(page: Page, slug: string): Promise<void> {
  const picker = page.getByRole('combobox', { name: 'Tenant' });
  await picker.click();
  await page.getByRole('option', { name: slug, exact: true }).click();
  await expect(picker).toHaveValue(slug);
}

test('bundle and review ranges end at the newest signed checkpoint, and an uncovered range is said before the PIN', async ({
  openConsole,
}) => {
  test.setTimeout(180_000);
  const { page, services } = await openConsole({
    controlPlane: 'demo',
    login: 'adams',
    beforeUi: addTenantWithoutCheckpoint,
  });
  await chooseTenant(page, 'alpha-command');

  // Bundles → Export: To seq is the checkpoint's last event; one past it is refused with the reason.
  await sectionsNav(page).getByRole('link', { name: 'Bundles' }).click();
  const exportCard = page.getByRole('region', { name: 'Export a bundle' });
  const last = await coveredSeq(page, exportCard);
  expect(last).toBeGreaterThan(0);
  expect(await isCheckpointEnd(services, last)).toBe(true);
  await expect(exportCard.getByLabel('From seq')).toHaveValue('0');
  await expect(exportCard.getByLabel('To seq')).toHaveValue(fmt(last));
  const exportButton = exportCard.getByRole('button', { name: 'Export and sign…' });
  await expect(exportButton).toBeEnabled();
  await exportCard.getByLabel('To seq').fill(String(last + 1));
  await expect(exportCard.getByTestId('export-range-uncovered')).toContainText(
    `Seq ${fmt(last + 1)} on is not covered by a signed checkpoint yet: end the range at seq ${fmt(last)}`,
  );
  await expect(exportButton).toBeDisabled();
  await saveScreenshot(page, 'checkpoint-range-bundle-uncovered');

  // Certificates → Sign a review: the same default; beyond it, signing is allowed but the bundle wait is said.
  await sectionsNav(page).getByRole('link', { name: 'Certificates', exact: true }).click();
  const review = page.getByRole('region', { name: 'Sign a review' });
  expect(await coveredSeq(page, review)).toBe(last);
  await expect(review.getByLabel('To seq')).toHaveValue(fmt(last));
  await expect(review.getByTestId('review-range-uncovered')).toHaveCount(0);
  await review.getByLabel('To seq').fill(String(last + 1));
  await expect(review.getByTestId('review-range-uncovered')).toContainText(
    `only once a checkpoint covers seq ${fmt(last + 1)}`,
  );
  await expect(review.getByRole('button', { name: 'Prepare review' })).toBeEnabled();
  await saveScreenshot(page, 'checkpoint-range-review-uncovered');
  // Signed anyway: the certificate's bundle export waits for a checkpoint, and says so, before any PIN.
  await review.getByRole('button', { name: 'Prepare review' }).click();
  const dialog = page.getByRole('dialog', { name: 'Sign the fidelity certificate' });
  await expect(dialog).toBeVisible({ timeout: 90_000 });
  await dialog.getByLabel('Card PIN').fill(DEMO_PIN);
  await dialog.getByRole('button', { name: 'Sign with card' }).click();
  await expect(dialog).toBeHidden({ timeout: 30_000 });
  const list = page.getByRole('table', { name: 'Fidelity certificates' });
  const row = list.getByRole('row').filter({ hasText: `seq 0–${fmt(last + 1)}` });
  await expect(
    row.getByRole('button', { name: `Export an evidence bundle for the review of seq 0–${last + 1}` }),
  ).toBeDisabled();
  await expect(row.getByTestId('export-disabled-reason')).toHaveText(
    `A bundle waits for a signed checkpoint covering seq ${fmt(last + 1)} (the newest covers seq ${fmt(last)}).`,
  );
  await row.scrollIntoViewIfNeeded();
  await saveScreenshot(page, 'checkpoint-range-certificate-waits');

  // A tenant with no checkpoint yet: said before any PIN, and the export is disabled.
  await chooseTenant(page, 'charlie-new');
  await expect(review.getByTestId('checkpoint-cover')).toContainText(NO_CHECKPOINT);
  await expect(review.getByTestId('review-range-uncovered')).toContainText('Seq 0 on is not covered');
  await sectionsNav(page).getByRole('link', { name: 'Bundles' }).click();
  await expect(exportCard.getByTestId('checkpoint-cover')).toContainText(NO_CHECKPOINT);
  await expect(exportCard.getByTestId('export-range-uncovered')).toContainText(
    'No signed checkpoint covers any event of charlie-new yet',
  );
  await expect(exportButton).toBeDisabled();
  await saveScreenshot(page, 'checkpoint-range-no-checkpoint');
});

/**
 * The coverage is read again while the screen stays open: a checkpoint signed by the console's own
 * gateway (its `audit.checkpointed` event) and one signed elsewhere (seen when the window gets the
 * focus back, or at the 30 s refresh) both show without leaving Export or Sign a review; a "To seq"
 * left at its default follows the new checkpoint.
 */
test('a new checkpoint shows on Export and Sign a review without leaving the screen', async ({ openConsole }) => {
  test.setTimeout(180_000);
  const { page, services } = await openConsole({ controlPlane: 'demo', login: 'adams' });
  await chooseTenant(page, 'alpha-command');
  const tenant = (await allTenants(services.controlPlane.requireAdminPool())).find((t) => t.slug === 'alpha-command')!;
  // A gateway that signs a checkpoint with every append (the demo key of the tenant).
  const gw = await embeddedGateway(services.controlPlane, services.config, tenant, await loadBlake3(), {
    everyEvents: 1,
    everyMs: 0,
  });
  let round = 0;
  /** Appends events through that gateway; returns the last seq its checkpoint now covers. */
  const newCheckpoint = async (): Promise<number> => {
    await simulate({
      pool: services.controlPlane.requireGatewayPool(),
      tenantId: tenant.id,
      events: 5,
      seed: 40 + ++round,
      start: new Date(),
      writer: gw.writer,
    });
    const size = await services.controlPlane
      .requireAdminPool()
      .query<{ n: string }>('SELECT max(tree_size)::text AS n FROM arx.checkpoints WHERE tenant_id = $1', [tenant.id]);
    return Number(size.rows[0]!.n) - 1;
  };

  await sectionsNav(page).getByRole('link', { name: 'Bundles' }).click();
  const exportCard = page.getByRole('region', { name: 'Export a bundle' });
  const before = await coveredSeq(page, exportCard);
  // Signed by the console's own gateway: the event says so and the screen reads the coverage again.
  const first = await newCheckpoint();
  expect(first).toBeGreaterThan(before);
  services.hub.publish('audit.checkpointed', { at: new Date().toISOString() });
  await expect(exportCard.getByTestId('checkpoint-cover')).toContainText(
    `newest signed checkpoint (seq ${fmt(first)},`,
  );
  await expect(exportCard.getByLabel('To seq')).toHaveValue(fmt(first));
  await saveScreenshot(page, 'checkpoint-refresh-export');

  await sectionsNav(page).getByRole('link', { name: 'Certificates', exact: true }).click();
  const review = page.getByRole('region', { name: 'Sign a review' });
  expect(await coveredSeq(page, review)).toBe(first);
  // Signed by another gateway (no event): seen when the window gets the focus back.
  const second = await newCheckpoint();
  expect(second).toBeGreaterThan(first);
  await page.waitForTimeout(500);
  await expect(review.getByTestId('checkpoint-cover')).toContainText(`(seq ${fmt(first)},`);
  await page.evaluate(() => window.dispatchEvent(new Event('focus')));
  await expect(review.getByTestId('checkpoint-cover')).toContainText(`newest signed checkpoint (seq ${fmt(second)},`);
  await expect(review.getByLabel('To seq')).toHaveValue(fmt(second));
  // A value the operator typed is theirs: a later checkpoint does not overwrite it.
  await review.getByLabel('To seq').fill(String(first));
  const third = await newCheckpoint();
  await page.evaluate(() => window.dispatchEvent(new Event('focus')));
  await expect(review.getByTestId('checkpoint-cover')).toContainText(`(seq ${fmt(third)},`);
  await expect(review.getByLabel('To seq')).toHaveValue(fmt(first));
  await saveScreenshot(page, 'checkpoint-refresh-review');
});
