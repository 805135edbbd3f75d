import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, saveScreenshot, sectionsNav, test } from './support/console-fixture';
import { DEMO_OPERATORS, DEMO_PIN, removeDemoCard } from './support/demo-console';
import { stopDatabase } from './support/database';

/**
 * The encrypted local cache with the real demo card and the real embedded PostgreSQL: the cache
 * opens on login (its key wrapped to the card's 9D key), the console says "offline" when the
 * database goes away and the cache stays open and shows what it holds, the database comes back, and pulling the card out
 * locks the cache (the data key is wiped).
 */

test.describe('encrypted local cache (real card, embedded PostgreSQL)', () => {
  test('opens with the card on login, stays open offline, locks when the card is pulled', async ({ openConsole }) => {
    test.setTimeout(180_000);
    const { page, dataDir, services } = await openConsole({ controlPlane: 'demo', login: 'adams' });
    await sectionsNav(page).getByRole('link', { name: 'Settings' }).click();
    const panel = page.getByRole('region', { name: 'Local evidence cache' });
    await expect(panel.getByTestId('cache-state')).toHaveText('Open', { timeout: 20_000 });
    const details = panel.getByRole('table', { name: 'Cache details' });
    await expect(details).toContainText(`card EC — ${DEMO_OPERATORS.adams.displayName.split(' ')[0]}`);
    await expect(panel).toContainText(`opened with the card`);
    // That name comes from the sealed part of the cache: the file and its WAL on disk do not hold
    // the card holder's subject or EDIPI in clear (docs/cache.md, "Key wraps: what is in clear").
    // ADAMS's own cache file (one per operator, named by a digest of the EDIPI: docs/cache.md).
    const cacheFiles = readdirSync(join(dataDir, 'cache')).filter((n) => /^evidence-cache-[0-9a-f]{32}\.db$/.test(n));
    expect(cacheFiles).toHaveLength(1);
    const cacheFile = join(dataDir, 'cache', cacheFiles[0]!);
    const onDisk = Buffer.concat([cacheFile, `${cacheFile}-wal`].filter(existsSync).map((f) => readFileSync(f)));
    expect(onDisk.length).toBeGreaterThan(4096); // the cache is there (sealed)
    for (const n of [DEMO_OPERATORS.adams.displayName, DEMO_OPERATORS.adams.edipi])
      expect(onDisk.includes(Buffer.from(n)), `${n} in clear in the cache file`).toBe(false);
    await expect(panel).toContainText('Nothing is waiting');
    await saveScreenshot(page, 'cache-open');

    const restart = await stopDatabase(services, dataDir);
    const cp = page.getByRole('status', { name: 'Connection status' }).getByRole('group', { name: 'Control plane' });
    await expect(cp).toContainText('Control plane: Unreachable (offline)', { timeout: 20_000 });
    // Offline: the cache is still open and answers.
    await page.getByRole('button', { name: 'Deliver the outbox now' }).click();
    await expect(panel.getByRole('status')).toContainText('Delivered 0, rejected 0, still pending 0.');
    await expect(panel.getByTestId('cache-state')).toHaveText('Open');
    // ...and still shows what it holds: the trust anchors and CRLs in use, kept at unlock.
    const evidence = panel.getByRole('table', { name: 'Cached evidence' });
    await expect(evidence.getByRole('row', { name: /^Trust anchors 2 / })).toBeVisible();
    await expect(evidence.getByRole('row', { name: /^Revocation lists \(CRLs\) 2 / })).toBeVisible();
    await expect(evidence).toContainText('arx-test-root-ca-1.pem');
    await saveScreenshot(page, 'cache-offline');

    restart();
    await expect(cp).toContainText('Control plane: Connected', { timeout: 30_000 });

    removeDemoCard(dataDir, 'adams');
    await expect(page.getByRole('heading', { name: /locked/i }).first()).toBeVisible({ timeout: 20_000 });
    // The lock screen replaces the console; the cache's key went with the card session.
    const status = await page.evaluate(async () =>
      (
        window as unknown as {
          arx: { cache: { status(r: object): Promise<{ ok: boolean; value: { state: string } }> } };
        }
      ).arx.cache.status({}),
    );
    expect(status.ok && status.value.state).toBe('locked');
  });

  test('a review prepared online and signed while the database is stopped is queued, then arrives once when it is back', async ({
    openConsole,
  }) => {
    test.setTimeout(240_000);
    const { page, dataDir, services } = await openConsole({ controlPlane: 'demo', login: 'adams' });
    const nav = sectionsNav(page);
    const cp = page.getByRole('status', { name: 'Connection status' }).getByRole('group', { name: 'Control plane' });
    await nav.getByRole('link', { name: 'Settings' }).click();
    await expect(page.getByRole('region', { name: 'Local evidence cache' }).getByTestId('cache-state')).toHaveText(
      'Open',
      { timeout: 20_000 },
    );

    // Prepared online: the chain verified, decisions re-verified and digests computed by the control plane's data.
    await nav.getByRole('link', { name: 'Certificates', exact: true }).click();
    await page.getByRole('button', { name: 'Prepare review' }).click();
    const dialog = page.getByRole('dialog', { name: 'Sign the fidelity certificate' });
    await expect(dialog).toBeVisible({ timeout: 90_000 });
    await expect(dialog.getByRole('table', { name: 'What is signed' })).toContainText('intact');

    // The database stops while the reviewer reads the statement.
    const restart = await stopDatabase(services, dataDir);
    await expect.poll(() => services.controlPlane.status().state, { timeout: 20_000 }).toBe('unreachable');
    await dialog.getByLabel('Card PIN').fill(DEMO_PIN);
    await dialog.getByRole('button', { name: 'Sign with card' }).click();
    await expect(dialog).toBeHidden({ timeout: 30_000 });
    await expect(cp).toContainText('Control plane: Unreachable (offline)');
    const signed = page.getByRole('status').filter({ hasText: 'Signed' });
    await expect(signed).toContainText(
      'Signed. The control plane is unreachable: this review is in the outbox and will be delivered when it is back.',
    );
    const queued = page.getByRole('table', { name: 'Reviews waiting in the outbox' });
    await expect(queued.getByRole('row')).toHaveCount(2);
    await expect(queued).toContainText('queued (outbox)');
    await expect(queued).toContainText(`signed by ${DEMO_OPERATORS.adams.displayName}`);
    await saveScreenshot(page, 'review-signed-offline');

    // Settings: the outbox holds it (one item, pending); the cache still shows its evidence offline.
    await nav.getByRole('link', { name: 'Settings' }).click();
    const outbox = page.getByRole('region', { name: 'Outbox (signed while offline)' });
    await expect(outbox.locator('tbody tr')).toHaveCount(1);
    await expect(outbox.locator('tbody tr[data-outbox-state="pending"]')).toContainText('review.signed');
    const evidence = page.getByRole('table', { name: 'Cached evidence' });
    await expect(evidence.getByRole('row', { name: /^Trust anchors 2 / })).toBeVisible();
    await outbox.scrollIntoViewIfNeeded();
    await saveScreenshot(page, 'review-outbox-pending');

    // The database comes back: the outbox delivers by itself (checked every 3 s).
    restart();
    await expect(cp).toContainText('Control plane: Connected', { timeout: 30_000 });
    await expect(outbox.locator('tbody tr[data-outbox-state="delivered"]')).toHaveCount(1, { timeout: 30_000 });
    await expect(outbox.locator('tbody tr')).toHaveCount(1);
    await outbox.scrollIntoViewIfNeeded();
    await saveScreenshot(page, 'review-outbox-delivered');

    await nav.getByRole('link', { name: 'Certificates', exact: true }).click();
    const list = page.getByRole('table', { name: 'Fidelity certificates' });
    await expect(list.locator('tbody tr')).toHaveCount(1, { timeout: 20_000 });
    await expect(list).toContainText(DEMO_OPERATORS.adams.displayName);
    await expect(page.getByRole('table', { name: 'Reviews waiting in the outbox' })).toHaveCount(0);
    await saveScreenshot(page, 'review-delivered-listed');

    // In the database: exactly one certificate and one com.arx.review.signed event naming it.
    const admin = services.controlPlane.requireAdminPool();
    const rows = await admin.query<{ id: string; tenant_id: string }>(
      'SELECT id, tenant_id FROM arx.review_certificates',
    );
    expect(rows.rows).toHaveLength(1);
    const events = await admin.query(
      `SELECT seq FROM arx.audit_events WHERE type = 'com.arx.review.signed' AND doc->'data'->>'reviewId' = $1`,
      [rows.rows[0]!.id],
    );
    expect(events.rowCount).toBe(1);
    const receipts = await admin.query(`SELECT 1 FROM arx.outbox_receipts WHERE kind = 'review.signed'`);
    expect(receipts.rowCount).toBe(1);
  });
});
